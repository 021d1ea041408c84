import MixGraph
import Foundation

/// A JSON document as a value: what `config.json`, `status.json` and `plan.json` hold.
///
/// Sweeps edit configurations as `JSONValue` objects (keyed by the snake_case keys of
/// the option table, `TrainingOptions.all`); ``canonicalText`` is what run ids hash.
package enum JSONValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    package init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .integer(i) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .integer(let i): try c.encode(i)
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// Parses JSON text; nil if it is not JSON.
    package init?(parsing data: Data) {
        guard let v = try? JSONDecoder().decode(JSONValue.self, from: data) else { return nil }
        self = v
    }

    /// The JSON value of any `Encodable` (encoded with snake_case keys, as run folders are).
    package init<T: Encodable>(encoding value: T) throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let data = try encoder.encode(value)
        self = try JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// Decodes `T` from this value (snake_case keys).
    package func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(T.self, from: Data(canonicalText.utf8))
    }

    /// The members of an object (empty for other values).
    package var objectValue: [String: JSONValue] {
        if case .object(let o) = self { return o }
        return [:]
    }

    /// The number this value holds, if it is one.
    package var doubleValue: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .number(let d): return d
        default: return nil
        }
    }

    /// The string this value holds, if it is one.
    package var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// Member access for objects (nil otherwise).
    package subscript(key: String) -> JSONValue? { objectValue[key] }

    /// Canonical text: object keys sorted by their UTF-8 bytes, no whitespace, and a
    /// number that is an integer written without a fraction (so `1` and `1.0` hash
    /// alike); other doubles in Swift's shortest round-trip form.
    package var canonicalText: String {
        var out = ""
        writeCanonical(into: &out)
        return out
    }

    /// The value as a person would write it in a spec or a table (strings unquoted).
    package var description: String {
        switch self {
        case .string(let s): return s
        default: return canonicalText
        }
    }

    private func writeCanonical(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .integer(let i): out += String(i)
        case .number(let d): out += JSONValue.canonicalNumber(d)
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += "," }
                v.writeCanonical(into: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, key) in o.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }).enumerated() {
                if i > 0 { out += "," }
                JSONValue.writeString(key, into: &out)
                out += ":"
                o[key]?.writeCanonical(into: &out)
            }
            out += "}"
        }
    }

    static func canonicalNumber(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == d.rounded(), abs(d) < 9.0e15 { return String(Int64(d)) }
        return "\(d)"
    }

    static func writeString(_ s: String, into out: inout String) {
        out += jsonQuoted(s)
    }
}
