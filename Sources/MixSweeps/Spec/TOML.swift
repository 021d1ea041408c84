/// A value of a TOML document, with where it was written.
package struct TOMLValue: Sendable, Equatable {
    /// The kinds of value TOML 1.0 has, but dates and times.
    package enum Kind: Sendable, Equatable {
        case string(String)
        case integer(Int)
        case float(Double)
        case boolean(Bool)
        case array([TOMLValue])
        /// A table: a `[section]`, the tables dotted keys open, or an inline `{ ... }`.
        case table(TOMLTable)
        /// An array of tables: `[[name]]` sections, or an array whose elements are all
        /// inline tables (`[{ ... }, { ... }]`), in the order they were written.
        case tableArray([TOMLTable])
    }

    /// The value.
    package var kind: Kind
    /// The line the value starts on.
    package var location: SourceLocation

    /// A value written at `location`.
    package init(_ kind: Kind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
    }

    /// "a string", "an integer", ...: the value's type as error messages name it.
    package var typeName: String {
        switch kind {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a float"
        case .boolean: return "a boolean"
        case .array: return "a list"
        case .table: return "a table"
        case .tableArray: return "a list of tables"
        }
    }
}

/// A TOML table: keys in the order they were written, each with its value.
package struct TOMLTable: Sendable, Equatable {
    /// The keys, in the order they were first written.
    package private(set) var keys: [String] = []
    private var values: [String: TOMLValue] = [:]
    /// The line of the table's `[header]` (or of its first key when it has none).
    package var location: SourceLocation

    /// An empty table.
    package init(at location: SourceLocation) { self.location = location }

    /// The value of `key`, if set.
    package subscript(key: String) -> TOMLValue? {
        get { values[key] }
        set {
            if let newValue {
                if values[key] == nil { keys.append(key) }
                values[key] = newValue
            } else if values.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// Whether the table has no keys.
    package var isEmpty: Bool { keys.isEmpty }
}

/// A strict parser for TOML 1.0 without dates and times: `[tables]` and
/// `[[arrays.of.tables]]`, bare, quoted and dotted keys, basic and literal strings (also
/// multi-line), integers (decimal, `0x`, `0o`, `0b`, underscores), floats (`inf`, `nan`,
/// exponents), booleans, arrays (over several lines, trailing comma, comments), inline
/// tables (`{ key = value, ... }`) and comments. Dates and times are rejected with a hint
/// to quote them; every document TOML 1.0 rejects (duplicate keys and tables, redefined
/// inline tables, bad escapes, control characters, ...) is rejected with its line.
/// Tested against Python's `tomllib` on a corpus of valid and invalid documents.
package enum TOMLParser {
    /// Parses `text`; errors name `source` and the line.
    package static func parse(_ text: String, source: String) throws(SweepSpecError) -> TOMLTable {
        try parse(text, source: source, firstLine: 1)
    }

    /// Parses `text` whose first line is numbered `firstLine` (0 for a command-line override,
    /// which locations then show without a line number).
    static func parse(_ text: String, source: String, firstLine: Int) throws(SweepSpecError) -> TOMLTable {
        var parser = Parser(bytes: Array(text.utf8), source: source, line: firstLine)
        return try parser.document()
    }

    /// Parses one value written as in a TOML file (`5`, `"x"`, `[1, 2]`); nil if
    /// `text` is not exactly one such value.
    package static func parseValue(_ text: String, source: String) -> TOMLValue? {
        var parser = Parser(bytes: Array(text.utf8), source: source, line: 0)
        guard let v = try? parser.value() else { return nil }
        parser.skipSpaces()
        return parser.atEnd ? v : nil
    }
}

/// A table under construction: tables are shared by reference while sections add to them.
private final class Node {
    enum Entry {
        case value(TOMLValue)
        case table(Node)
        case tableArray([Node])
    }

    var keys: [String] = []
    var entries: [String: Entry] = [:]
    let location: SourceLocation
    /// Defined by a `[header]` of its own (a second one is an error, and dotted keys of
    /// another section cannot add to it).
    var hasHeader = false
    /// Created by a dotted key (`a.b = 1` creates table `a`): no `[header]` may define it later.
    var byDottedKey = false
    /// The line of the first definition, for "defined twice" messages.
    var definedAt: SourceLocation

    init(at location: SourceLocation) {
        self.location = location
        self.definedAt = location
    }

    func set(_ key: String, _ entry: Entry) {
        if entries[key] == nil { keys.append(key) }
        entries[key] = entry
    }

    func table() -> TOMLTable {
        var t = TOMLTable(at: location)
        for key in keys {
            switch entries[key] {
            case .value(let v): t[key] = v
            case .table(let n): t[key] = TOMLValue(.table(n.table()), at: n.location)
            case .tableArray(let ns): t[key] = TOMLValue(.tableArray(ns.map { $0.table() }), at: ns.first?.location ?? location)
            case nil: break
            }
        }
        return t
    }
}

private struct Parser {
    let bytes: [UInt8]
    let source: String
    var i = 0
    var line: Int

    init(bytes: [UInt8], source: String, line: Int = 1) {
        self.bytes = bytes
        self.source = source
        self.line = line
    }

    var atEnd: Bool { i >= bytes.count }
    var here: SourceLocation { SourceLocation(source: source, line: line) }
    func peek(_ offset: Int = 0) -> UInt8? { i + offset < bytes.count ? bytes[i + offset] : nil }

    func fail(_ message: String, key: String? = nil) -> SweepSpecError {
        SweepSpecError(message, key: key, at: here)
    }

    // MARK: Document structure

    mutating func document() throws(SweepSpecError) -> TOMLTable {
        let root = Node(at: here)
        var current = root
        var currentName = ""
        while true {
            skipSpaces()
            guard let c = peek() else { break }
            switch c {
            case UInt8(ascii: "#"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                try endOfLine()
            case UInt8(ascii: "["):
                let headerLine = here
                let isArray = peek(1) == UInt8(ascii: "[")
                i += isArray ? 2 : 1
                skipSpaces()
                let path = try key()
                skipSpaces()
                let close = isArray ? "]]" : "]"
                for b in close.utf8 {
                    guard peek() == b else { throw fail("expected '\(close)' to close the section header [\(path.joined(separator: "."))]") }
                    i += 1
                }
                currentName = path.joined(separator: ".")
                current = try openSection(path, isArray: isArray, in: root, at: headerLine)
                try endOfLine()
            default:
                let start = here
                let path = try key()
                skipSpaces()
                guard peek() == UInt8(ascii: "=") else {
                    let full = (currentName.isEmpty ? [] : [currentName]) + [path.joined(separator: ".")]
                    throw fail("expected '=' after the key", key: full.joined(separator: "."))
                }
                i += 1
                skipSpaces()
                let fullKey = (currentName.isEmpty ? "" : currentName + ".") + path.joined(separator: ".")
                let v: TOMLValue
                do { v = try value() } catch { throw SweepSpecError(error.message, key: error.key ?? fullKey, at: error.location) }
                try assign(path, v, in: current, prefix: currentName, at: start)
                try endOfLine()
            }
        }
        return root.table()
    }

    /// Finds or creates the table a `[header]` or `[[header]]` names.
    func openSection(_ path: [String], isArray: Bool, in root: Node, at location: SourceLocation) throws(SweepSpecError) -> Node {
        var node = root
        for (n, part) in path.enumerated() {
            let name = path[...n].joined(separator: ".")
            let last = n == path.count - 1
            switch node.entries[part] {
            case nil:
                if last && isArray {
                    let child = Node(at: location)
                    child.hasHeader = true
                    node.set(part, .tableArray([child]))
                    return child
                }
                let child = Node(at: location)
                child.hasHeader = last
                node.set(part, .table(child))
                node = child
            case .table(let child):
                if last {
                    if isArray {
                        throw SweepSpecError("[[\(name)]] names a table defined on line \(child.definedAt.line), not a list of tables", key: name, at: location)
                    }
                    if child.hasHeader {
                        throw SweepSpecError("table [\(name)] is defined twice (first on line \(child.definedAt.line))", key: name, at: location)
                    }
                    if child.byDottedKey {
                        throw SweepSpecError("table [\(name)] was already defined by dotted keys (line \(child.definedAt.line)); "
                                             + "set its keys there, or use only [\(name)]", key: name, at: location)
                    }
                    child.hasHeader = true
                    child.definedAt = location
                }
                node = child
            case .tableArray(var children):
                if last {
                    guard isArray else {
                        throw SweepSpecError("[\(name)] names a list of tables ([[\(name)]]); it cannot also be a table", key: name, at: location)
                    }
                    let child = Node(at: location)
                    child.hasHeader = true
                    children.append(child)
                    node.set(part, .tableArray(children))
                    return child
                }
                guard let lastChild = children.last else { return node }
                node = lastChild
            case .value(let v):
                if case .table = v.kind {
                    throw SweepSpecError("'\(name)' is an inline table (line \(v.location.line)), which cannot be extended by a [section]", key: name, at: location)
                }
                if case .tableArray = v.kind {
                    throw SweepSpecError("'\(name)' is an array of inline tables (line \(v.location.line)), which [[\(name)]] sections cannot extend",
                                         key: name, at: location)
                }
                throw SweepSpecError("'\(name)' is already set to \(v.typeName) on line \(v.location.line), so it cannot be a table", key: name, at: location)
            }
        }
        return node
    }

    /// Sets a (possibly dotted) key in the current table.
    func assign(_ path: [String], _ value: TOMLValue, in table: Node, prefix: String, at location: SourceLocation) throws(SweepSpecError) {
        var node = table
        for (n, part) in path.enumerated() {
            let name = ([prefix].filter { !$0.isEmpty } + Array(path[...n])).joined(separator: ".")
            if n == path.count - 1 {
                switch node.entries[part] {
                case nil: node.set(part, .value(value))
                case .value(let old):
                    throw SweepSpecError("duplicate key (first set on line \(old.location.line))", key: name, at: location)
                case .table(let t):
                    throw SweepSpecError("duplicate key: '\(name)' is already a table (line \(t.definedAt.line))", key: name, at: location)
                case .tableArray:
                    throw SweepSpecError("duplicate key: '\(name)' is already a list of tables", key: name, at: location)
                }
                return
            }
            switch node.entries[part] {
            case nil:
                let child = Node(at: location)
                child.byDottedKey = true
                node.set(part, .table(child))
                node = child
            case .table(let child):
                if child.hasHeader {
                    throw SweepSpecError("table [\(name)] is defined by its own header (line \(child.definedAt.line)); set its keys in that section, "
                                         + "not with dotted keys from another", key: name, at: location)
                }
                node = child
            case .tableArray:
                throw SweepSpecError("'\(name)' is a list of tables; set its keys inside a [[\(name)]] section", key: name, at: location)
            case .value(let v):
                if case .table = v.kind {
                    throw SweepSpecError("'\(name)' is an inline table (line \(v.location.line)), which cannot be extended; put every key inside its { }",
                                         key: name, at: location)
                }
                throw SweepSpecError("'\(name)' is already set to \(v.typeName) on line \(v.location.line), so it cannot hold keys", key: name, at: location)
            }
        }
    }

    // MARK: Lexical pieces

    mutating func skipSpaces() {
        while let c = peek(), c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") { i += 1 }
    }

    /// Spaces, then an optional comment, then a newline or the end.
    mutating func endOfLine() throws(SweepSpecError) {
        skipSpaces()
        if peek() == UInt8(ascii: "#") { try comment() }
        if peek() == UInt8(ascii: "\r"), peek(1) == UInt8(ascii: "\n") { i += 1 }
        guard let c = peek() else { return }
        guard c == UInt8(ascii: "\n") else {
            throw fail("unexpected text '\(restOfLine())' (one key = value or [section] per line; comments start with #)")
        }
        i += 1
        line += 1
    }

    /// A comment, up to (not including) the end of its line; control characters other
    /// than tab are not allowed in it.
    mutating func comment() throws(SweepSpecError) {
        while let c = peek(), c != UInt8(ascii: "\n") {
            if c == UInt8(ascii: "\r"), peek(1) == UInt8(ascii: "\n") { break }
            if Parser.isControl(c) { throw fail("control character U+\(Parser.hex(c)) in a comment") }
            i += 1
        }
    }

    /// Spaces, comments and newlines (inside arrays).
    mutating func skipBlank() throws(SweepSpecError) {
        while let c = peek() {
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") { i += 1 }
            else if c == UInt8(ascii: "\r"), peek(1) == UInt8(ascii: "\n") { i += 1 }
            else if c == UInt8(ascii: "\n") { i += 1; line += 1 }
            else if c == UInt8(ascii: "#") { try comment() }
            else { break }
        }
    }

    /// Control characters TOML allows in no string or comment (tab is allowed).
    static func isControl(_ c: UInt8) -> Bool { (c < 0x20 && c != 0x09) || c == 0x7F }

    static func hex(_ c: UInt8) -> String {
        let digits = String(c, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }

    func restOfLine() -> String {
        var j = i
        while j < bytes.count, bytes[j] != UInt8(ascii: "\n") { j += 1 }
        return String(decoding: bytes[i..<j], as: UTF8.self).trimmingSpaces
    }

    static func isBare(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
            || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
    }

    /// A key: bare or quoted parts joined by dots.
    mutating func key() throws(SweepSpecError) -> [String] {
        var parts: [String] = []
        while true {
            skipSpaces()
            guard let c = peek() else { throw fail("expected a key, found the end of the file") }
            if c == UInt8(ascii: "\"") { parts.append(try basicString()) }
            else if c == UInt8(ascii: "'") { parts.append(try literalString()) }
            else {
                let start = i
                while let d = peek(), Parser.isBare(d) { i += 1 }
                guard i > start else {
                    throw fail("expected a key (letters, digits, '_' or '-', or a quoted name), found '\(restOfLine())'")
                }
                parts.append(String(decoding: bytes[start..<i], as: UTF8.self))
            }
            skipSpaces()
            guard peek() == UInt8(ascii: ".") else { return parts }
            i += 1
        }
    }

    // MARK: Values

    mutating func value() throws(SweepSpecError) -> TOMLValue {
        let at = here
        guard let c = peek() else { throw fail("expected a value, found the end of the file") }
        switch c {
        case UInt8(ascii: "\""): return TOMLValue(.string(try basicString(allowMultiline: true)), at: at)
        case UInt8(ascii: "'"): return TOMLValue(.string(try literalString(allowMultiline: true)), at: at)
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "{"): return try inlineTable()
        case UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "#"):
            throw fail("expected a value after '='")
        default:
            var j = i
            while j < bytes.count, Parser.isBare(bytes[j]) || bytes[j] == UInt8(ascii: ".") || bytes[j] == UInt8(ascii: "+") || bytes[j] == UInt8(ascii: ":") { j += 1 }
            let word = String(decoding: bytes[i..<j], as: UTF8.self)
            if word == "true" || word == "false" {
                i = j
                return TOMLValue(.boolean(word == "true"), at: at)
            }
            guard !word.isEmpty else { throw fail("expected a value, found '\(restOfLine())'") }
            if let number = Parser.number(word) {
                i = j
                return TOMLValue(number, at: at)
            }
            if word.contains(":") || (word.count >= 10 && word.dropFirst(4).first == "-" && word.first?.isNumber == true) {
                throw fail("dates and times are not supported; write '\(word)' as a string in quotes")
            }
            let digits = word.drop { $0 == "+" || $0 == "-" }
            if word.count - digits.count <= 1, !digits.isEmpty, digits.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "_") }),
               Parser.underscoresOK(digits), !(digits.count > 1 && digits.first == "0") {
                throw fail("'\(word)' is out of range for an integer (at most \(Int.max) in size)")
            }
            if let first = word.unicodeScalars.first, "0123456789+-".unicodeScalars.contains(first) {
                throw fail("'\(word)' is not a number (integers like 5000 or 5_000, floats like 3e-4 or 0.99)")
            }
            throw fail("'\(word)' is not a value; strings need quotes: \"\(word)\"")
        }
    }

    mutating func array() throws(SweepSpecError) -> TOMLValue {
        let at = here
        i += 1
        var elements: [TOMLValue] = []
        while true {
            try skipBlank()
            guard let c = peek() else { throw SweepSpecError("unterminated list (opened on line \(at.line)); expected ']'", at: at) }
            if c == UInt8(ascii: "]") { i += 1; break }
            elements.append(try value())
            try skipBlank()
            if peek() == UInt8(ascii: ",") { i += 1; continue }
            if peek() == UInt8(ascii: "]") { i += 1; break }
            if atEnd { throw SweepSpecError("unterminated list (opened on line \(at.line)); expected ']'", at: at) }
            throw fail("expected ',' or ']' in the list opened on line \(at.line), found '\(restOfLine())'")
        }
        // An array of inline tables is an array of tables, as [[name]] sections make one.
        let tables = elements.compactMap { e -> TOMLTable? in if case .table(let t) = e.kind { return t } else { return nil } }
        if !elements.isEmpty && tables.count == elements.count { return TOMLValue(.tableArray(tables), at: at) }
        return TOMLValue(.array(elements), at: at)
    }

    /// `{ key = value, ... }` on one line (values may span lines), no trailing comma.
    mutating func inlineTable() throws(SweepSpecError) -> TOMLValue {
        let at = here
        i += 1
        let node = Node(at: at)
        skipSpaces()
        if peek() == UInt8(ascii: "}") {
            i += 1
            return TOMLValue(.table(node.table()), at: at)
        }
        while true {
            skipSpaces()
            guard let c = peek(), c != UInt8(ascii: "\n"), c != UInt8(ascii: "\r") else {
                throw fail("unterminated inline table (opened on line \(at.line)): an inline table is written on one line, "
                           + "{ key = value, ... }; use a [section] for more")
            }
            if c == UInt8(ascii: "}") { throw fail("trailing comma in an inline table (opened on line \(at.line))") }
            let start = here
            let path = try key()
            skipSpaces()
            guard peek() == UInt8(ascii: "=") else { throw fail("expected '=' after the key \(path.joined(separator: ".")) in an inline table") }
            i += 1
            skipSpaces()
            let v = try value()
            try assign(path, v, in: node, prefix: "", at: start)
            skipSpaces()
            if peek() == UInt8(ascii: ",") { i += 1; continue }
            if peek() == UInt8(ascii: "}") { i += 1; break }
            if atEnd || peek() == UInt8(ascii: "\n") || peek() == UInt8(ascii: "\r") {
                throw fail("unterminated inline table (opened on line \(at.line)): expected '}' on the same line")
            }
            throw fail("expected ',' or '}' in the inline table opened on line \(at.line), found '\(restOfLine())'")
        }
        return TOMLValue(.table(node.table()), at: at)
    }

    /// A literal string ('...'), or with `allowMultiline` also a multi-line one (three quotes).
    mutating func literalString(allowMultiline: Bool = false) throws(SweepSpecError) -> String {
        let multiline = peek(1) == UInt8(ascii: "'") && peek(2) == UInt8(ascii: "'")
        if multiline {
            guard allowMultiline else { throw fail("a key cannot be a multi-line string") }
            return try multilineString(quote: UInt8(ascii: "'"), escapes: false)
        }
        i += 1
        let start = i
        while let c = peek(), c != UInt8(ascii: "'") {
            if c == UInt8(ascii: "\n") || (c == UInt8(ascii: "\r") && peek(1) == UInt8(ascii: "\n")) {
                throw fail("unterminated string: expected a closing ' on the same line (''' starts a multi-line string)")
            }
            if Parser.isControl(c) { throw fail("control character U+\(Parser.hex(c)) in a string") }
            i += 1
        }
        guard !atEnd else { throw fail("unterminated string: expected a closing '") }
        let s = String(decoding: bytes[start..<i], as: UTF8.self)
        i += 1
        return s
    }

    /// A basic string ("..." with escapes), or with `allowMultiline` also a multi-line one.
    mutating func basicString(allowMultiline: Bool = false) throws(SweepSpecError) -> String {
        if peek(1) == UInt8(ascii: "\""), peek(2) == UInt8(ascii: "\"") {
            guard allowMultiline else { throw fail("a key cannot be a multi-line string") }
            return try multilineString(quote: UInt8(ascii: "\""), escapes: true)
        }
        i += 1
        var out: [UInt8] = []
        while true {
            guard let c = peek() else { throw fail("unterminated string: expected a closing \"") }
            if c == UInt8(ascii: "\n") || (c == UInt8(ascii: "\r") && peek(1) == UInt8(ascii: "\n")) {
                throw fail("unterminated string: expected a closing \" on the same line (\"\"\" starts a multi-line string)")
            }
            if Parser.isControl(c) { throw fail("control character U+\(Parser.hex(c)) in a string (write it as an escape, such as \\n)") }
            i += 1
            if c == UInt8(ascii: "\"") { break }
            guard c == UInt8(ascii: "\\") else { out.append(c); continue }
            try escape(into: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A multi-line string from its opening triple quote: a newline right after the
    /// opening is dropped, other line breaks are kept (CRLF read as LF); in basic ones a backslash
    /// at the end of a line removes the line break and the whitespace after it; up to two
    /// quotes may stand right before the closing three.
    mutating func multilineString(quote: UInt8, escapes: Bool) throws(SweepSpecError) -> String {
        let opened = line
        i += 3
        if peek() == UInt8(ascii: "\n") { i += 1; line += 1 }
        else if peek() == UInt8(ascii: "\r"), peek(1) == UInt8(ascii: "\n") { i += 2; line += 1 }
        var out: [UInt8] = []
        while true {
            guard let c = peek() else {
                let q = String(repeating: Character(Unicode.Scalar(quote)), count: 3)
                throw SweepSpecError("unterminated multi-line string (opened on line \(opened)): expected a closing \(q)",
                                     at: SourceLocation(source: source, line: opened))
            }
            if c == quote, peek(1) == quote, peek(2) == quote {
                var n = 3
                while peek(n) == quote { n += 1 }
                if n > 5 { throw fail("too many quotes at the end of a multi-line string (at most two may precede the closing three)") }
                out.append(contentsOf: Array(repeating: quote, count: n - 3))
                i += n
                return String(decoding: out, as: UTF8.self)
            }
            if c == UInt8(ascii: "\n") { out.append(c); i += 1; line += 1; continue }
            if c == UInt8(ascii: "\r"), peek(1) == UInt8(ascii: "\n") { out.append(0x0A); i += 2; line += 1; continue }  // as tomllib
            if Parser.isControl(c) { throw fail("control character U+\(Parser.hex(c)) in a string") }
            i += 1
            guard escapes, c == UInt8(ascii: "\\") else { out.append(c); continue }
            // A line-ending backslash: skip whitespace up to and over the line break(s).
            var j = i
            while j < bytes.count, bytes[j] == UInt8(ascii: " ") || bytes[j] == UInt8(ascii: "\t") { j += 1 }
            if j < bytes.count, bytes[j] == UInt8(ascii: "\n") || (bytes[j] == UInt8(ascii: "\r") && j + 1 < bytes.count && bytes[j + 1] == UInt8(ascii: "\n")) {
                i = j
                while let d = peek() {
                    if d == UInt8(ascii: " ") || d == UInt8(ascii: "\t") { i += 1 }
                    else if d == UInt8(ascii: "\n") { i += 1; line += 1 }
                    else if d == UInt8(ascii: "\r"), peek(1) == UInt8(ascii: "\n") { i += 2; line += 1 }
                    else { break }
                }
                continue
            }
            try escape(into: &out)
        }
    }

    /// The escape after a backslash (already consumed) in a basic string.
    mutating func escape(into out: inout [UInt8]) throws(SweepSpecError) {
        guard let e = peek() else { throw fail("unterminated string: expected a closing \"") }
        i += 1
        switch e {
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let n = e == UInt8(ascii: "u") ? 4 : 8
            guard i + n <= bytes.count, bytes[i..<(i + n)].allSatisfy({ Parser.isHexDigit($0) }),
                  let code = UInt32(String(decoding: bytes[i..<(i + n)], as: UTF8.self), radix: 16),
                  let scalar = Unicode.Scalar(code)
            else { throw fail("invalid \\\(Character(Unicode.Scalar(e))) escape: expected \(n) hexadecimal digits of a Unicode scalar") }
            i += n
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        default:
            let shown = Parser.isControl(e) || e >= 0x80 ? "U+\(Parser.hex(e))" : String(Character(Unicode.Scalar(e)))
            throw fail("invalid escape '\\\(shown)' (allowed: \\\" \\\\ \\n \\t \\r \\b \\f \\uXXXX \\UXXXXXXXX)")
        }
    }

    static func isHexDigit(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
    }

    /// Classifies a bare word as a TOML integer or float, or nil.
    static func number(_ word: String) -> TOMLValue.Kind? {
        var body = Substring(word)
        var negative = false
        if let s = body.first, s == "+" || s == "-" { negative = s == "-"; body = body.dropFirst() }
        if body == "inf" { return .float(negative ? -.infinity : .infinity) }
        if body == "nan" { return .float(.nan) }
        if word.first != "+", word.first != "-", body.count > 2, body.first == "0", let p = body.dropFirst().first, "xob".contains(p) {
            let radix = p == "x" ? 16 : p == "o" ? 8 : 2
            let digits = body.dropFirst(2)
            guard underscoresOK(digits), let v = Int(digits.replacingOccurrences("_", ""), radix: radix) else { return nil }
            return .integer(v)
        }
        let isFloat = body.contains(".") || body.contains("e") || body.contains("E")
        if !isFloat {
            guard !body.isEmpty, body.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "_") }), underscoresOK(body),
                  !(body.count > 1 && body.first == "0"),
                  let v = Int((negative ? "-" : "") + body.replacingOccurrences("_", ""))
            else { return nil }
            return .integer(v)
        }
        // Float: int-part [. frac] [e [+-] exp], each digit run with underscores only between digits.
        var mantissa = body
        var exponent: Substring?
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = body[..<e]
            exponent = body[body.index(after: e)...]
        }
        let pieces = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count <= 2, let intPart = pieces.first, isDigitRun(intPart), !(intPart.count > 1 && intPart.first == "0") else { return nil }
        if pieces.count == 2 { guard isDigitRun(pieces[1]) else { return nil } }
        if var exp = exponent {
            if let s = exp.first, s == "+" || s == "-" { exp = exp.dropFirst() }
            guard isDigitRun(exp) else { return nil }
        }
        guard let v = Double(word.replacingOccurrences("_", "")) else { return nil }
        return .float(v)
    }

    static func isDigitRun(_ s: Substring) -> Bool {
        !s.isEmpty && s.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "_") } && underscoresOK(s)
    }

    static func underscoresOK(_ s: Substring) -> Bool {
        !s.hasPrefix("_") && !s.hasSuffix("_") && !s.contains("__")
    }
}

extension StringProtocol {
    func replacingOccurrences(_ target: Character, _ replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }

    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
