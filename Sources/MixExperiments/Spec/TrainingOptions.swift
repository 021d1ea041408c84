import Foundation
import MixAgents
import MixPolicy

/// The type of a training option as a spec writes it.
package indirect enum OptionType: Sendable, Equatable, CustomStringConvertible {
    case boolean
    case integer
    /// A non-negative integer (seeds).
    case unsignedInteger
    /// A float; an integer is accepted too.
    case real
    case string
    /// One of a fixed set of strings (an enumeration such as `estimator`).
    case choice([String])
    /// A list of values of one type (`hidden_sizes`).
    case list(OptionType)
    /// A value that may be left unset (`target_entropy`).
    case optional(OptionType)

    /// "an integer", "one of \"rp\", \"mrp\"", ...
    package var description: String {
        switch self {
        case .boolean: return "a boolean (true or false)"
        case .integer: return "an integer"
        case .unsignedInteger: return "a non-negative integer"
        case .real: return "a number"
        case .string: return "a string"
        case .choice(let names): return "one of " + names.map { "\"\($0)\"" }.joined(separator: ", ")
        case .list(let element): return "a list of \(element.plural)"
        case .optional(let wrapped): return wrapped.description
        }
    }

    var plural: String {
        switch self {
        case .boolean: return "booleans"
        case .integer: return "integers"
        case .unsignedInteger: return "non-negative integers"
        case .real: return "numbers"
        case .string: return "strings"
        case .choice(let names): return "strings among " + names.map { "\"\($0)\"" }.joined(separator: ", ")
        case .list(let element): return "lists of \(element.plural)"
        case .optional(let wrapped): return wrapped.plural
        }
    }

    var isList: Bool {
        switch self {
        case .list: return true
        case .optional(let w): return w.isList
        default: return false
        }
    }
}

/// The training options a sweep can set or sweep: every stored property of
/// `TrainingConfiguration`, by the snake_case key it has in `config.json`.
///
/// The catalog is read from the type itself (its properties and their types), so an
/// option added to `TrainingConfiguration` is sweepable without touching this layer.
/// Properties of a type outside the supported kinds (nested structures) are omitted.
package enum TrainingOptions {
    /// The options, in the order `TrainingConfiguration` declares them.
    package static let all: [(key: String, type: OptionType)] = {
        Mirror(reflecting: TrainingConfiguration()).children.compactMap { child in
            guard let label = child.label, let type = optionType(of: child.value) else { return nil }
            return (snakeCase(label), type)
        }
    }()

    /// The type of option `key`, if there is such an option.
    package static func type(of key: String) -> OptionType? {
        all.first { $0.key == key }?.type
    }

    /// The JSON value of a TOML value for an option of `type`, or a message saying what
    /// was expected.
    static func json(_ value: TOMLValue, as type: OptionType) -> Result<JSONValue, SweepSpecError> {
        let mismatch = SweepSpecError("expected \(type), found \(value.typeName)\(shown(value))", at: value.location)
        switch (type, value.kind) {
        case (.boolean, .boolean(let b)): return .success(.bool(b))
        case (.integer, .integer(let i)): return .success(.integer(Int64(i)))
        case (.unsignedInteger, .integer(let i)):
            return i >= 0 ? .success(.integer(Int64(i))) : .failure(SweepSpecError("expected \(type), found \(i)", at: value.location))
        case (.real, .integer(let i)): return .success(.number(Double(i)))
        case (.real, .float(let d)): return .success(.number(d))
        case (.string, .string(let s)): return .success(.string(s))
        case (.choice(let names), .string(let s)):
            if names.contains(s) { return .success(.string(s)) }
            let hint = Suggestion.closest(to: s, in: names).map { "; did you mean \"\($0)\"?" } ?? ""
            return .failure(SweepSpecError("expected \(type), found \"\(s)\"\(hint)", at: value.location))
        case (.list(let element), .array(let items)):
            var out: [JSONValue] = []
            for item in items {
                switch json(item, as: element) {
                case .success(let v): out.append(v)
                case .failure(let e):
                    return .failure(SweepSpecError("expected \(type); an element is wrong: \(e.message)", at: e.location))
                }
            }
            return .success(.array(out))
        case (.optional(let wrapped), _): return json(value, as: wrapped)
        default: return .failure(mismatch)
        }
    }

    static func shown(_ value: TOMLValue) -> String {
        switch value.kind {
        case .string(let s): return " \"\(s)\""
        case .integer(let i): return " \(i)"
        case .float(let d): return " \(d)"
        case .boolean(let b): return " \(b)"
        default: return ""
        }
    }

    /// The option type of a property's current value, from its dynamic type.
    static func optionType(of value: Any) -> OptionType? {
        let t = Swift.type(of: value)
        if t == Bool.self { return .boolean }
        if t == Int.self { return .integer }
        if t == UInt64.self || t == UInt.self || t == UInt32.self { return .unsignedInteger }
        if t == Double.self || t == Float.self { return .real }
        if t == String.self { return .string }
        if t == [Int].self { return .list(.integer) }
        if t == [Double].self { return .list(.real) }
        if t == [String].self { return .list(.string) }
        if t == Int?.self { return .optional(.integer) }
        if t == Double?.self { return .optional(.real) }
        if t == String?.self { return .optional(.string) }
        if t == Baseline?.self { return .optional(.choice(caseNames(Baseline.self))) }
        if let e = t as? any (CaseIterable & Encodable).Type { return .choice(caseNames(e)) }
        return nil
    }

    /// The JSON spellings of an enumeration's cases (their raw values).
    static func caseNames<T: CaseIterable & Encodable>(_ type: T.Type) -> [String] {
        T.allCases.compactMap { (try? JSONValue(encoding: [$0]))?.arrayFirstString }
    }

    /// camelCase to snake_case as `JSONEncoder.KeyEncodingStrategy.convertToSnakeCase`
    /// does it (a run of capitals is one word: `maxURLLength` is `max_url_length`).
    static func snakeCase(_ name: String) -> String {
        let chars = Array(name)
        var out = ""
        for (n, c) in chars.enumerated() {
            if c.isUppercase {
                let previousIsLower = n > 0 && (chars[n - 1].isLowercase || chars[n - 1].isNumber)
                let nextIsLower = n + 1 < chars.count && chars[n + 1].isLowercase
                let previousIsUpper = n > 0 && chars[n - 1].isUppercase
                if n > 0 && (previousIsLower || (previousIsUpper && nextIsLower)) { out += "_" }
                out += c.lowercased()
            } else {
                out.append(c)
            }
        }
        return out
    }
}

extension JSONValue {
    fileprivate var arrayFirstString: String? {
        if case .array(let a) = self, let first = a.first { return first.stringValue }
        return nil
    }
}
