/// A JSON value as the safetensors header needs it: objects keep their member order and
/// integers stay exact (offsets beyond 2^53 must not round through `Double`). Read only by
/// `JSONParser` for safetensors headers; the sweeps' configurations use MixSweeps' `JSONValue`.
enum SafeTensorsJSON: Equatable {
    case object([(String, SafeTensorsJSON)])
    case array([SafeTensorsJSON])
    case string(String)
    case integer(Int)
    case number(Double)
    case bool(Bool)
    case null

    static func == (l: SafeTensorsJSON, r: SafeTensorsJSON) -> Bool {
        switch (l, r) {
        case let (.object(a), .object(b)): return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.array(a), .array(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.integer(a), .integer(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.bool(a), .bool(b)): return a == b
        case (.null, .null): return true
        default: return false
        }
    }
}

/// What is wrong with a JSON text, and where.
struct JSONError: Error {
    var message: String
}

/// A strict RFC 8259 parser over UTF-8 bytes, with duplicate-key detection and a depth
/// limit. Small on purpose: the header is the only JSON MixGraph reads, and a parser of
/// our own reports positions and duplicates that a general decoder hides.
struct JSONParser {
    let bytes: [UInt8]
    var position = 0
    static let maximumDepth = 64

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// One value followed only by whitespace (safetensors pads headers with spaces).
    mutating func parseDocument() throws(JSONError) -> SafeTensorsJSON {
        let v = try parseValue(depth: 0)
        skipWhitespace()
        if position != bytes.count { throw fail("unexpected content after the JSON value") }
        return v
    }

    func fail(_ message: String) -> JSONError { JSONError(message: "\(message) at header byte \(position)") }

    mutating func skipWhitespace() {
        while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
    }

    mutating func expect(_ c: UInt8) throws(JSONError) {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == c else {
            throw fail("expected '\(Character(Unicode.Scalar(c)))'")
        }
        position += 1
    }

    mutating func parseValue(depth: Int) throws(JSONError) -> SafeTensorsJSON {
        guard depth < JSONParser.maximumDepth else { throw fail("nesting deeper than \(JSONParser.maximumDepth)") }
        skipWhitespace()
        guard position < bytes.count else { throw fail("unexpected end of header") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return try parseNumber()
        }
    }

    mutating func literal(_ word: String) throws(JSONError) {
        for c in word.utf8 {
            guard position < bytes.count, bytes[position] == c else { throw fail("invalid literal") }
            position += 1
        }
    }

    mutating func parseObject(depth: Int) throws(JSONError) -> SafeTensorsJSON {
        position += 1
        var members: [(String, SafeTensorsJSON)] = []
        var keys = Set<String>()
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let key = try parseString()
            guard keys.insert(key).inserted else { throw fail("duplicate key \"\(key)\"") }
            try expect(UInt8(ascii: ":"))
            members.append((key, try parseValue(depth: depth + 1)))
            skipWhitespace()
            guard position < bytes.count else { throw fail("unterminated object") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
            throw fail("expected ',' or '}'")
        }
    }

    mutating func parseArray(depth: Int) throws(JSONError) -> SafeTensorsJSON {
        position += 1
        var elements: [SafeTensorsJSON] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(elements) }
        while true {
            elements.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            guard position < bytes.count else { throw fail("unterminated array") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(elements) }
            throw fail("expected ',' or ']'")
        }
    }

    mutating func parseHex4() throws(JSONError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw fail("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[position]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw fail("invalid \\u escape")
            }
            v = v * 16 + d
            position += 1
        }
        return v
    }

    mutating func parseString() throws(JSONError) -> String {
        position += 1
        var utf8: [UInt8] = []
        while true {
            guard position < bytes.count else { throw fail("unterminated string") }
            let c = bytes[position]
            position += 1
            switch c {
            case UInt8(ascii: "\""):
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard position < bytes.count else { throw fail("unterminated escape") }
                let e = bytes[position]
                position += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(e)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try parseHex4()
                    if (0xD800..<0xDC00).contains(code) {
                        guard position + 2 <= bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u")
                        else { throw fail("unpaired surrogate in \\u escape") }
                        position += 2
                        let low = try parseHex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate in \\u escape") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw fail("invalid \\u escape") }
                    utf8.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw fail("invalid escape")
                }
            default:
                guard c >= 0x20 else { throw fail("control character in string") }
                utf8.append(c)
            }
        }
    }

    mutating func parseNumber() throws(JSONError) -> SafeTensorsJSON {
        let start = position
        var integral = true
        if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
        let digitsStart = position
        while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
        guard position > digitsStart else { throw fail("invalid value") }
        if bytes[digitsStart] == UInt8(ascii: "0") && position - digitsStart > 1 { throw fail("leading zero in number") }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            integral = false
            position += 1
            let f = position
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
            guard position > f else { throw fail("invalid number") }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            integral = false
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            let e = position
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
            guard position > e else { throw fail("invalid number") }
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if integral {
            guard let v = Int(text) else { throw fail("integer \(text) out of range") }
            return .integer(v)
        }
        guard let v = Double(text) else { throw fail("invalid number \(text)") }
        return .number(v)
    }
}

/// `s` as a JSON string literal: quotes, backslashes and control characters escaped
/// (`\n`, `\r`, `\t`, else `\u00XX`); everything else, non-ASCII included, as it is.
/// The one JSON writer of the package (safetensors headers, sweep files).
package func jsonQuoted(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 {
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out + "\""
}
