import Foundation
import MixAgents
import MixPolicy

// Training options written in TOML: the values of sweep specs and of `--set KEY=VALUE`
// (for `mixrl train` and `mixrl sweep` alike). The options themselves, their types and
// defaults are the table of MixAgents (`TrainingOptions.all`).

extension TrainingOptions {
    /// The type of option `key`, if there is such an option.
    package static func type(of key: String) -> OptionType? {
        option(key)?.type
    }

    /// A TOML value as an option literal; nil for a table.
    static func literal(_ value: TOMLValue) -> OptionValue? {
        switch value.kind {
        case .string(let s): return .string(s)
        case .integer(let i): return .integer(i)
        case .float(let d): return .real(d)
        case .boolean(let b): return .boolean(b)
        case .array(let items):
            var out: [OptionValue] = []
            for item in items {
                guard let v = literal(item) else { return nil }
                out.append(v)
            }
            return .list(out)
        case .table, .tableArray: return nil
        }
    }

    /// The value of a TOML value for an option of `type`, or what was expected.
    static func value(_ value: TOMLValue, as type: OptionType) -> Result<OptionValue, SweepSpecError> {
        guard let literal = literal(value) else {
            return .failure(SweepSpecError("expected \(type), found \(value.typeName)", at: value.location))
        }
        return type.coerce(literal).mapError { SweepSpecError($0.description, at: value.location) }
    }

    /// The JSON value of a TOML value for an option of `type`, or a message saying what
    /// was expected.
    static func json(_ value: TOMLValue, as type: OptionType) -> Result<JSONValue, SweepSpecError> {
        self.value(value, as: type).map(JSONValue.init(option:))
    }

    /// ` "text"`, ` 5`, ...: a scalar TOML value as messages quote it (empty for others).
    static func shown(_ value: TOMLValue) -> String {
        switch value.kind {
        case .string, .integer, .float, .boolean: return literal(value).map { " \($0)" } ?? ""
        default: return ""
        }
    }

    // MARK: --set KEY=VALUE

    /// The rule of `--set KEY=VALUE` for a training option, the same for `mixrl train` and
    /// `mixrl sweep`: VALUE is a TOML value (`5000`, `3e-4`, `true`, `"text"`, `[64, 64]`);
    /// a word that is not a TOML value is read as a string for string and choice options
    /// (`--set estimator=lr`) and is an error for the others, naming what was expected.
    ///
    /// - Returns: the TOML value, or the error (its message does not name the key).
    static func overrideValue(_ text: String, type: OptionType?, source: String) -> Result<TOMLValue, SweepSpecError> {
        let at = SourceLocation(source: source, line: 0)
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if var value = TOMLParser.parseValue(trimmed, source: source) {
            value.location = at
            return .success(value)
        }
        if let type, !type.acceptsBareWords {
            return .failure(SweepSpecError(notATOMLValue(trimmed, type: type), at: at))
        }
        return .success(TOMLValue(.string(trimmed), at: at))
    }

    /// `expected an integer (written like 5000 or 5_000), found 1e9x, which is not a TOML value`.
    static func notATOMLValue(_ text: String, type: OptionType) -> String {
        var example: String?
        switch type {
        case .integer, .unsignedInteger, .optional(.integer), .optional(.unsignedInteger): example = "5000 or 5_000"
        case .real, .optional(.real): example = "0.99, 3e-4 or 5000"
        case .list(let element), .optional(.list(let element)):
            switch element {
            case .string, .choice: example = "[\"a\", \"b\"], in brackets with quoted strings"
            default: example = "[64, 64], in brackets"
            }
        default: break
        }
        return "expected \(type)" + (example.map { " (written like \($0))" } ?? "")
            + ", found \(text.isEmpty ? "nothing" : text), which is not a TOML value"
    }

    /// Applies `mixrl train --set KEY=VALUE` assignments, in order, to `configuration`.
    ///
    /// - Throws: a message naming the assignment, the key, what was typed and what was
    ///   expected (with the closest key for an unknown one).
    package static func applying(_ assignments: [String], to configuration: TrainingConfiguration) throws(OptionAssignmentError) -> TrainingConfiguration {
        var c = configuration
        for assignment in assignments {
            let (option, value) = try parse(assignment)
            option.set(value, in: &c)
        }
        return c
    }

    /// One `KEY=VALUE` assignment: the option and its value.
    package static func parse(_ assignment: String) throws(OptionAssignmentError) -> (TrainingOption, OptionValue) {
        guard let eq = assignment.firstIndex(of: "=") else {
            throw OptionAssignmentError(assignment: assignment, key: nil, message: "expected KEY=VALUE, for example --set batch_size=128")
        }
        let key = assignment[..<eq].trimmingCharacters(in: .whitespaces)
        let text = String(assignment[assignment.index(after: eq)...])
        guard let option = option(key) else {
            let hint = closestKey(to: key).map { "; did you mean \($0)?" } ?? ""
            throw OptionAssignmentError(assignment: assignment, key: key,
                                        message: "unknown option\(hint) (`mixrl train --help` and docs/configuration.md list the options)")
        }
        let source = "--set \(assignment)"
        switch overrideValue(text, type: option.type, source: source) {
        case .failure(let e): throw OptionAssignmentError(assignment: assignment, key: key, message: e.message)
        case .success(let toml):
            switch value(toml, as: option.type) {
            case .success(let v): return (option, v)
            case .failure(let e): throw OptionAssignmentError(assignment: assignment, key: key, message: e.message)
            }
        }
    }
}

/// A `--set KEY=VALUE` that cannot be applied.
package struct OptionAssignmentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The assignment as typed.
    package var assignment: String
    /// The key, if the assignment has one.
    package var key: String?
    /// What is wrong and what was expected.
    package var message: String

    /// `--set steps=1e9x: steps: expected an integer ..., found 1e9x, which is not a TOML value`.
    package var description: String {
        "--set \(assignment): " + (key.map { "\($0): " } ?? "") + message
    }
}

extension JSONValue {
    /// The JSON form of an option value.
    init(option value: OptionValue) {
        switch value {
        case .boolean(let b): self = .bool(b)
        case .integer(let i): self = .integer(Int64(i))
        case .unsigned(let u): self = u <= UInt64(Int64.max) ? .integer(Int64(u)) : .number(Double(u))
        case .real(let d): self = .number(d)
        case .string(let s): self = .string(s)
        case .list(let items): self = .array(items.map(JSONValue.init(option:)))
        case .unset: self = .null
        }
    }
}
