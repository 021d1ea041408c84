import Foundation

// TrainingConfiguration through the table of options (TrainingOptions.swift): its JSON
// form (`config.json`), its resolved listing (`mixrl train --dry-run`), and the texts
// that document the options (`mixrl train --help`, docs/configuration.md).

/// A JSON key of `config.json`.
struct OptionCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Any JSON value, read as an option literal (nil for an object).
private struct JSONLiteral: Decodable {
    var value: OptionValue?

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { value = .unset }
        else if let b = try? c.decode(Bool.self) { value = .boolean(b) }
        else if let i = try? c.decode(Int.self) { value = .integer(i) }
        else if let u = try? c.decode(UInt64.self) { value = .unsigned(u) }
        else if let d = try? c.decode(Double.self) { value = .real(d) }
        else if let s = try? c.decode(String.self) { value = .string(s) }
        else if let a = try? c.decode([JSONLiteral].self) {
            var items: [OptionValue] = []
            for item in a {
                guard let v = item.value else { value = nil; return }
                items.append(v)
            }
            value = .list(items)
        } else { value = nil }
    }
}

/// An option value as JSON.
private struct JSONOptionValue: Encodable {
    var value: OptionValue

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch value {
        case .boolean(let b): try c.encode(b)
        case .integer(let i): try c.encode(i)
        case .unsigned(let u): try c.encode(u)
        case .real(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .list(let items): try c.encode(items.map(JSONOptionValue.init))
        case .unset: try c.encodeNil()
        }
    }
}

extension TrainingConfiguration {
    /// Reads a configuration from its JSON object (`config.json`), option by option as
    /// docs/configuration.md lists them. Keys are snake_case (`hidden_sizes`; the
    /// camelCase property names are accepted too, as a decoder's
    /// `convertFromSnakeCase` strategy produces them). A missing key keeps its default.
    ///
    /// - Throws: ``ConfigurationProblem`` naming the key for an unknown key or a value of
    ///   the wrong type (`hidden_sizes: expected a list of integers, found a string "64"`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: OptionCodingKey.self)
        self.init()
        var known = Set<String>()
        for option in TrainingOptions.all {
            let names = [option.key, TrainingOptions.camelCase(option.key)]
            known.formUnion(names)
            guard let name = names.first(where: { container.contains(OptionCodingKey($0)) }) else { continue }
            let literal = try container.decode(JSONLiteral.self, forKey: OptionCodingKey(name)).value
            guard let literal else {
                throw ConfigurationProblem(key: option.key, message: "expected \(option.type), found an object")
            }
            switch option.type.coerce(literal) {
            case .success(let value): option.set(value, in: &self)
            case .failure(let mismatch): throw ConfigurationProblem(key: option.key, message: mismatch.description)
            }
        }
        let unknown = container.allKeys.map(\.stringValue).filter { !known.contains($0) }.map(TrainingOptions.snakeCase).sorted()
        if let key = unknown.first {
            let hint = TrainingOptions.closestKey(to: key).map { "; did you mean \($0)?" } ?? ""
            throw ConfigurationProblem(key: key, message: "unknown option\(hint) (the options are listed in docs/configuration.md)")
        }
    }

    /// Writes the configuration as a JSON object with one snake_case key per option
    /// (docs/configuration.md); options left unset (`samples`, `target_entropy`, ...)
    /// are omitted.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: OptionCodingKey.self)
        for option in TrainingOptions.all {
            let value = option.value(in: self)
            if case .unset = value { continue }
            try container.encode(JSONOptionValue(value: value), forKey: OptionCodingKey(option.key))
        }
    }

    /// ``logEvery`` if set, else every 100 environment steps (30 points per curve in a
    /// 3000-step run, 200 in Pendulum-v1's 20k steps).
    public var resolvedLogEvery: Int {
        logEvery ?? Trainer.defaultLogEvery
    }
}

// MARK: - Listings

extension TrainingOptions {
    /// The default of `key` with its presets, for `--help`: `default 1000000; Pendulum-v1
    /// 20000, MountainCarContinuous-v0 50000, bandits 3000`.
    package static func defaultsText(_ key: String) -> String {
        guard let option = option(key) else { return "" }
        var text = "default " + (option.defaultValue == .unset ? "unset" : option.defaultValue.description)
        if !option.presets.isEmpty {
            text += "; " + option.presets.map { "\($0.family.name) \($0.value)" }.joined(separator: ", ")
        }
        return text
    }

    /// Every option with its default and presets, one per line (presets on a second
    /// line where one would pass 80 columns), for `mixrl train --help`.
    package static var helpListing: String {
        let width = all.map(\.key.count).max() ?? 0
        return all.map { option in
            let pad = String(repeating: " ", count: width - option.key.count)
            var line = "  \(option.key)\(pad)  "
            line += option.defaultValue == .unset ? "unset" : option.defaultValue.description
            if !option.presets.isEmpty {
                let presets = "(" + option.presets.map { "\($0.family.name) \($0.value)" }.joined(separator: ", ") + ")"
                line += line.count + 1 + presets.count <= 80 ? " " + presets : "\n      " + presets
            }
            return line
        }.joined(separator: "\n")
    }

    /// The table of options of docs/configuration.md (Markdown), generated from this
    /// table; a test checks that the document contains it.
    package static var markdownTable: String {
        func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
        func code(_ value: OptionValue) -> String { "`\(value)`" }
        var lines = ["| Key | Type | Default | " + EnvironmentFamily.all.map(\.name).joined(separator: " | ") + " | Description |",
                     "|---|---|---|" + EnvironmentFamily.all.map { _ in "---|" }.joined() + "---|"]
        for option in all {
            var type = option.type.shortName
            if let accepts = option.accepts { type += ", " + accepts }
            let defaultCell = option.defaultValue == .unset ? "unset" : code(option.defaultValue)
            let presetCells = EnvironmentFamily.all.map { family in
                option.presets.first { $0.family == family }.map { code($0.value) } ?? ""
            }
            var description = option.summary
            if let meaning = option.unsetMeaning { description += " Unset: \(meaning)." }
            lines.append("| `\(option.key)` | \(cell(type)) | \(cell(defaultCell)) | "
                         + presetCells.map(cell).joined(separator: " | ") + " | \(cell(description)) |")
        }
        return lines.joined(separator: "\n")
    }

    /// The environments of each preset family, for docs/configuration.md.
    package static var markdownFamilies: String {
        EnvironmentFamily.all.map { "- **\($0.name)**: " + $0.environments.map { "`\($0)`" }.joined(separator: ", ") + "; \($0.reason)." }
            .joined(separator: "\n")
    }
}

extension TrainingConfiguration {
    /// The configuration as `key = value` lines in TOML syntax (what `--set` and sweep
    /// specs accept), in table order, each with a comment saying where a value other than
    /// the default comes from: `mixrl train --dry-run`. Estimator defaults (`samples`,
    /// `baseline`) and `log_every` are shown resolved; other unset options as comments.
    package var resolvedListing: String {
        let resolved = resolvingEstimatorDefaults()
        let preset = TrainingConfiguration.preset(for: environment)
        let family = EnvironmentFamily.of(environment)
        var rows: [(text: String, note: String)] = []
        for option in TrainingOptions.all {
            var value = option.value(in: resolved)
            let own = option.value(in: self), defaultValue = option.defaultValue, presetValue = option.value(in: preset)
            var note = ""
            if option.key == "log_every", value == .unset {
                value = .integer(resolved.resolvedLogEvery)
                note = "unset: the default cadence"
            } else if value == .unset {
                rows.append(("# \(option.key): unset (\(option.unsetMeaning ?? "no value"))", ""))
                continue
            } else if own == .unset {
                note = "unset: resolved for estimator \(estimator.rawValue)"
            } else if option.key == "environment" {
                note = ""
            } else if value != defaultValue && value == presetValue, let family {
                note = "preset of \(family.name) (default \(defaultValue))"
            } else if value != presetValue {
                note = family != nil && presetValue != defaultValue
                    ? "set (preset of \(family?.name ?? "") \(presetValue), default \(defaultValue))"
                    : "set (default \(defaultValue))"
            }
            rows.append(("\(option.key) = \(value)", note))
        }
        let width = rows.filter { !$0.note.isEmpty }.map(\.text.count).max() ?? 0
        return rows.map { row in
            row.note.isEmpty ? row.text : row.text + String(repeating: " ", count: max(1, width - row.text.count + 2)) + "# " + row.note
        }.joined(separator: "\n")
    }
}
