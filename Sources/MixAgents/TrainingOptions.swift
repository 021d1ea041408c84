import MixPolicy
import MixTensor

// The one table of training options: key, type, default, per-environment presets, a
// line of documentation and the rule each value must follow. It is what `config.json`
// is encoded and decoded through, what `mixrl train --set` and sweep specs accept, what
// `mixrl train --help` and `--dry-run` print, and what docs/configuration.md lists (a
// test compares them). An option is added here, with its stored property in
// `TrainingConfiguration`; nothing else keeps a list of options.

/// The type of a training option as `config.json`, `--set` and sweep specs write it.
package indirect enum OptionType: Sendable, Equatable, CustomStringConvertible {
    /// `true` or `false`.
    case boolean
    /// A whole number.
    case integer
    /// A non-negative whole number (seeds).
    case unsignedInteger
    /// A float; a whole number is accepted too.
    case real
    /// Any text.
    case string
    /// One of a fixed set of strings (an enumeration such as `estimator`).
    case choice([String])
    /// A list of values of one type (`hidden_sizes`).
    case list(OptionType)
    /// A value that may be left unset (`target_entropy`).
    case optional(OptionType)

    /// "an integer", "one of \"rp\", \"mrp\"", ...: what error messages say was expected.
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

    /// The plural of ``description`` ("integers"), for lists.
    package var plural: String {
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

    /// The short name of the type in docs/configuration.md and `--help` ("integer", "list of integers").
    package var shortName: String {
        switch self {
        case .boolean: return "boolean"
        case .integer: return "integer"
        case .unsignedInteger: return "integer >= 0"
        case .real: return "number"
        case .string: return "string"
        case .choice(let names): return "one of " + names.map { "`\($0)`" }.joined(separator: ", ")
        case .list(let element): return "list of \(element.plural)"
        case .optional(let wrapped): return wrapped.shortName
        }
    }

    /// Whether values of this type are lists (also when optional).
    package var isList: Bool {
        switch self {
        case .list: return true
        case .optional(let w): return w.isList
        default: return false
        }
    }

    /// Whether a word that is not a TOML value is read as a string for this type
    /// (`--set environment=Pendulum-v1`, `--set estimator=lr`).
    package var acceptsBareWords: Bool {
        switch self {
        case .string, .choice: return true
        case .optional(let w): return w.acceptsBareWords
        default: return false
        }
    }

    /// The value `literal` (read from TOML or JSON, where a number is an integer or a
    /// float and a list holds anything) as a value of this type, or what was expected:
    /// an integer is accepted for a number, a string must be one of a choice's names.
    package func coerce(_ literal: OptionValue) -> Result<OptionValue, OptionTypeMismatch> {
        let mismatch = OptionTypeMismatch(expected: self, found: literal)
        switch (self, literal) {
        case (.optional, .unset): return .success(.unset)
        case (.optional(let wrapped), _): return wrapped.coerce(literal)
        case (.boolean, .boolean): return .success(literal)
        case (.integer, .integer): return .success(literal)
        case (.unsignedInteger, .integer(let i)): return i >= 0 ? .success(.unsigned(UInt64(i))) : .failure(mismatch)
        case (.unsignedInteger, .unsigned): return .success(literal)
        case (.real, .integer(let i)): return .success(.real(Double(i)))
        case (.real, .unsigned(let u)): return .success(.real(Double(u)))
        case (.real, .real): return .success(literal)
        case (.string, .string): return .success(literal)
        case (.choice(let names), .string(let s)): return names.contains(s) ? .success(literal) : .failure(mismatch)
        case (.list(let element), .list(let items)):
            var out: [OptionValue] = []
            for item in items {
                switch element.coerce(item) {
                case .success(let v): out.append(v)
                case .failure(let inner): return .failure(OptionTypeMismatch(expected: self, found: literal, element: inner))
                }
            }
            return .success(.list(out))
        default: return .failure(mismatch)
        }
    }
}

/// A value of a training option, or a literal read from TOML or JSON before it is
/// given its option's type (see ``OptionType/coerce(_:)``).
package indirect enum OptionValue: Sendable, Hashable, CustomStringConvertible {
    /// `true` or `false`.
    case boolean(Bool)
    /// A whole number.
    case integer(Int)
    /// A non-negative whole number (seeds; also a literal above `Int.max`).
    case unsigned(UInt64)
    /// A float.
    case real(Double)
    /// Text.
    case string(String)
    /// A list.
    case list([OptionValue])
    /// No value: an optional option left unset (`null` in JSON).
    case unset

    /// The value in TOML syntax (`256`, `0.0003`, `"mrp"`, `[256, 256]`), as `--set` and
    /// sweep specs write it; `unset` for no value.
    package var description: String {
        switch self {
        case .boolean(let b): return "\(b)"
        case .integer(let i): return "\(i)"
        case .unsigned(let u): return "\(u)"
        case .real(let d):
            if d.isNaN { return "nan" }
            if d.isInfinite { return d < 0 ? "-inf" : "inf" }
            return "\(d)"
        case .string(let s):
            var out = "\""
            for c in s.unicodeScalars {
                switch c {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\t": out += "\\t"
                default:
                    if c.value < 0x20 || c.value == 0x7F {
                        let hex = String(c.value, radix: 16, uppercase: true)
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    } else {
                        out.unicodeScalars.append(c)
                    }
                }
            }
            return out + "\""
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .unset: return "unset"
        }
    }

    /// "an integer", "a float", ...: the kind of a literal as error messages name it.
    package var typeName: String {
        switch self {
        case .boolean: return "a boolean"
        case .integer, .unsigned: return "an integer"
        case .real: return "a float"
        case .string: return "a string"
        case .list: return "a list"
        case .unset: return "no value (null)"
        }
    }
}

/// A literal that is not a value of the option's type: what was expected and what was found.
package struct OptionTypeMismatch: Error, Sendable, Equatable, CustomStringConvertible {
    /// The option's type.
    package var expected: OptionType
    /// The literal given.
    package var found: OptionValue
    /// For a list, the first element that is wrong.
    package var element: Box?

    /// Holds the element's mismatch (a struct cannot contain itself directly).
    package final class Box: Sendable, Equatable {
        /// The element's mismatch.
        package let mismatch: OptionTypeMismatch
        init(_ mismatch: OptionTypeMismatch) { self.mismatch = mismatch }
        /// Equal when the mismatches are.
        package static func == (a: Box, b: Box) -> Bool { a.mismatch == b.mismatch }
    }

    /// A mismatch of `found` against `expected` (and, for a list, of one of its elements).
    package init(expected: OptionType, found: OptionValue, element: OptionTypeMismatch? = nil) {
        self.expected = expected
        self.found = found
        self.element = element.map(Box.init)
    }

    /// `expected an integer, found a float 1.5`, with a hint where one helps.
    package var description: String {
        if let element {
            return "expected \(expected); an element is wrong: \(element.mismatch)"
        }
        var text = "expected \(expected), found \(found.typeName)"
        switch found {
        case .list, .unset: break
        default: text += " \(found)"
        }
        switch (expected, found) {
        case (.choice(let names), .string(let s)):
            if let close = Suggestion.closest(to: s, in: names) { text += "; did you mean \"\(close)\"?" }
        case (.integer, .real(let d)), (.unsignedInteger, .real(let d)), (.optional(.integer), .real(let d)):
            if d.rounded() == d, abs(d) < 1e18 { text += " (an integer is written without a decimal point or exponent: \(Int(d)))" }
        default: break
        }
        return text
    }
}

/// A group of environments that share preset values (a row of docs/configuration.md's
/// preset columns).
package struct EnvironmentFamily: Sendable, Hashable {
    /// The name docs and `--help` use for the family.
    package var name: String
    /// The environment ids the family's presets apply to.
    package var environments: [String]
    /// Why the presets differ from the defaults.
    package var reason: String

    /// Pendulum-v1.
    package static let pendulum = EnvironmentFamily(
        name: "Pendulum-v1", environments: ["Pendulum-v1"],
        reason: "learns in 20k steps with learning rate 1e-3")
    /// MountainCarContinuous-v0.
    package static let mountainCar = EnvironmentFamily(
        name: "MountainCarContinuous-v0", environments: ["MountainCarContinuous-v0"],
        reason: "a longer budget")
    /// The one-step bandits.
    package static let bandits = EnvironmentFamily(
        name: "bandits", environments: ["BimodalBandit-v0", "AsymmetricBimodalBandit-v0", "StochasticBimodalBandit-v0"],
        reason: "one-step episodes: the critic only fits r(a), so a few thousand pulls with small networks and a larger learning rate learn in seconds")

    /// Every family with presets, in the order docs list them.
    package static let all: [EnvironmentFamily] = [.pendulum, .mountainCar, .bandits]

    /// The family of `environment`, if it has presets.
    package static func of(_ environment: String) -> EnvironmentFamily? {
        all.first { $0.environments.contains(environment) }
    }
}

/// One training option: a row of the table.
package struct TrainingOption: Sendable {
    /// The snake_case key of `config.json`, `--set` and sweep specs.
    package let key: String
    /// The type of its values.
    package let type: OptionType
    /// One line of documentation.
    package let summary: String
    /// What an unset value means, for optional options.
    package let unsetMeaning: String?
    /// The values it accepts beyond its type, in words ("at least 1"); nil if any value of the type.
    package let accepts: String?
    /// Values that differ from the default for a family of environments.
    package let presets: [(family: EnvironmentFamily, value: OptionValue)]
    let read: @Sendable (TrainingConfiguration) -> OptionValue
    let write: @Sendable (inout TrainingConfiguration, OptionValue) -> Bool
    let rule: @Sendable (TrainingConfiguration) -> String?

    /// The option's value in `configuration`.
    package func value(in configuration: TrainingConfiguration) -> OptionValue { read(configuration) }

    /// Sets the option to `value` (already of its type, see ``OptionType/coerce(_:)``);
    /// false if the value has another type.
    @discardableResult
    package func set(_ value: OptionValue, in configuration: inout TrainingConfiguration) -> Bool {
        write(&configuration, value)
    }

    /// The default value (that of `TrainingConfiguration()`).
    package var defaultValue: OptionValue { read(TrainingConfiguration()) }

    /// What is wrong with the option's value in `configuration`, if anything (its own
    /// range; combinations of options are checked by ``TrainingConfiguration/problems``).
    package func problem(in configuration: TrainingConfiguration) -> ConfigurationProblem? {
        rule(configuration).map { ConfigurationProblem(key: key, message: $0) }
    }

    /// The value of the option in the preset of `environment`.
    package func presetValue(for environment: String) -> OptionValue {
        guard let family = EnvironmentFamily.of(environment) else { return defaultValue }
        return presets.first { $0.family == family }?.value ?? defaultValue
    }
}

/// The rule a value must follow, in words (docs) and as a check (messages).
struct OptionRule<Value: Sendable>: Sendable {
    var words: String
    var check: @Sendable (Value, TrainingConfiguration) -> String?

    /// At least `minimum`.
    static func atLeast(_ minimum: Int) -> OptionRule<Int> {
        OptionRule<Int>(words: "at least \(minimum)") { v, _ in v >= minimum ? nil : "must be at least \(minimum), found \(v)" }
    }

    /// Zero or more.
    static var nonNegative: OptionRule<Int> {
        OptionRule<Int>(words: "at least 0") { v, _ in v >= 0 ? nil : "must not be negative, found \(v)" }
    }

    /// A positive finite number.
    static var positive: OptionRule<Double> {
        OptionRule<Double>(words: "> 0") { v, _ in v > 0 && v.isFinite ? nil : "must be a positive number, found \(v)" }
    }

    /// The rule applied when the value is set.
    func whenSet() -> OptionRule<Value?> {
        let check = self.check
        return OptionRule<Value?>(words: words + " when set") { v, c in v.flatMap { check($0, c) } }
    }
}

/// Values that can be options: they convert to and from ``OptionValue`` and know their type.
package protocol OptionRepresentable: Sendable {
    /// The option type of the values.
    static var optionType: OptionType { get }
    /// The value as an option value.
    var optionValue: OptionValue { get }
    /// The value of an option value of ``optionType``; nil for another type.
    init?(optionValue: OptionValue)
}

extension Bool: OptionRepresentable {
    /// ``OptionType/boolean``.
    package static var optionType: OptionType { .boolean }
    /// ``OptionValue/boolean(_:)``.
    package var optionValue: OptionValue { .boolean(self) }
    /// From ``OptionValue/boolean(_:)``.
    package init?(optionValue: OptionValue) {
        guard case .boolean(let b) = optionValue else { return nil }
        self = b
    }
}

extension Int: OptionRepresentable {
    /// ``OptionType/integer``.
    package static var optionType: OptionType { .integer }
    /// ``OptionValue/integer(_:)``.
    package var optionValue: OptionValue { .integer(self) }
    /// From ``OptionValue/integer(_:)``.
    package init?(optionValue: OptionValue) {
        guard case .integer(let i) = optionValue else { return nil }
        self = i
    }
}

extension UInt64: OptionRepresentable {
    /// ``OptionType/unsignedInteger``.
    package static var optionType: OptionType { .unsignedInteger }
    /// ``OptionValue/unsigned(_:)``.
    package var optionValue: OptionValue { .unsigned(self) }
    /// From ``OptionValue/unsigned(_:)``.
    package init?(optionValue: OptionValue) {
        guard case .unsigned(let u) = optionValue else { return nil }
        self = u
    }
}

extension Double: OptionRepresentable {
    /// ``OptionType/real``.
    package static var optionType: OptionType { .real }
    /// ``OptionValue/real(_:)``.
    package var optionValue: OptionValue { .real(self) }
    /// From ``OptionValue/real(_:)``.
    package init?(optionValue: OptionValue) {
        guard case .real(let d) = optionValue else { return nil }
        self = d
    }
}

extension String: OptionRepresentable {
    /// ``OptionType/string``.
    package static var optionType: OptionType { .string }
    /// ``OptionValue/string(_:)``.
    package var optionValue: OptionValue { .string(self) }
    /// From ``OptionValue/string(_:)``.
    package init?(optionValue: OptionValue) {
        guard case .string(let s) = optionValue else { return nil }
        self = s
    }
}

extension Array: OptionRepresentable where Element: OptionRepresentable {
    /// A list of the element type.
    package static var optionType: OptionType { .list(Element.optionType) }
    /// ``OptionValue/list(_:)``.
    package var optionValue: OptionValue { .list(map(\.optionValue)) }
    /// From ``OptionValue/list(_:)`` whose elements all convert.
    package init?(optionValue: OptionValue) {
        guard case .list(let items) = optionValue else { return nil }
        var out: [Element] = []
        for item in items {
            guard let e = Element(optionValue: item) else { return nil }
            out.append(e)
        }
        self = out
    }
}

extension Optional: OptionRepresentable where Wrapped: OptionRepresentable {
    /// The wrapped type, optional.
    package static var optionType: OptionType { .optional(Wrapped.optionType) }
    /// ``OptionValue/unset`` for nil.
    package var optionValue: OptionValue { map(\.optionValue) ?? .unset }
    /// nil from ``OptionValue/unset``.
    package init?(optionValue: OptionValue) {
        if case .unset = optionValue { self = .none; return }
        guard let w = Wrapped(optionValue: optionValue) else { return nil }
        self = .some(w)
    }
}

/// An enumeration written as its raw value.
package protocol OptionChoice: OptionRepresentable, RawRepresentable, CaseIterable where RawValue == String {}

extension OptionChoice {
    /// One of the raw values.
    package static var optionType: OptionType { .choice(allCases.map(\.rawValue)) }
    /// The raw value.
    package var optionValue: OptionValue { .string(rawValue) }
    /// From the raw value.
    package init?(optionValue: OptionValue) {
        guard case .string(let s) = optionValue, let v = Self(rawValue: s) else { return nil }
        self = v
    }
}

extension PolicyKind: OptionChoice {}
extension EstimatorKind: OptionChoice {}
extension EvaluationMode: OptionChoice {}
extension Baseline: OptionChoice {}

extension TrainingOption {
    /// An option stored at `path`.
    static func stored<T: OptionRepresentable>(
        _ key: String, _ path: WritableKeyPath<TrainingConfiguration, T> & Sendable, _ summary: String,
        unset: String? = nil, rule: OptionRule<T>? = nil, presets: [(EnvironmentFamily, T)] = []
    ) -> TrainingOption {
        TrainingOption(
            key: key, type: T.optionType, summary: summary, unsetMeaning: unset, accepts: rule?.words,
            presets: presets.map { ($0.0, $0.1.optionValue) },
            read: { $0[keyPath: path].optionValue },
            write: { c, v in
                guard let t = T(optionValue: v) else { return false }
                c[keyPath: path] = t
                return true
            },
            rule: { c in rule?.check(c[keyPath: path], c) })
    }
}

/// The table of training options (see the comment at the top of this file).
package enum TrainingOptions {
    /// Every option, in the order of `TrainingConfiguration`'s properties (and of
    /// docs/configuration.md).
    package static let all: [TrainingOption] = [
        .stored("environment", \.environment,
                "Environment id: `Pendulum-v1` (native), `gym:HalfCheetah-v5`, `dmc:cheetah-run`, `metaworld:reach-v3`.",
                rule: OptionRule(words: "not empty") { v, _ in v.isEmpty ? "must name an environment" : nil }),
        .stored("environment_imports", \.environmentImports,
                "Python modules the bridge worker imports before making the environment (e.g. `myosuite`)."),
        .stored("policy", \.policy, "The action distribution: a tanh-squashed Gaussian, or a mixture of `components` Gaussians."),
        .stored("components", \.components, "Mixture components K (1 for a Gaussian policy).", rule: .atLeast(1)),
        .stored("estimator", \.estimator,
                "The gradient estimator of the actor (docs/estimators.md); mrp, hybrid and gumbel need a mixture, rp a Gaussian."),
        .stored("samples", \.samples, "Samples per component (mrp) or per state (lr, hybrid): M.",
                unset: "resolved when the run starts: max(K, 2) for lr and hybrid (as many critic evaluations as mrp), 1 otherwise",
                rule: OptionRule<Int>.atLeast(1).whenSet()),
        .stored("baseline", \.baseline, "The baseline of the likelihood-ratio estimators (lr, hybrid).",
                unset: "resolved when the run starts: leave-one-out for lr and hybrid (needs samples >= 2), none otherwise"),
        .stored("gumbel_temperature", \.gumbelTemperature, "Gumbel-softmax temperature (gumbel estimator only).", rule: .positive),
        .stored("seed", \.seed, "The run's seed: networks, actions, replay sampling and evaluation all derive from it."),
        .stored("steps", \.steps, "Environment steps in the run.", rule: .atLeast(1),
                presets: [(.pendulum, 20_000), (.mountainCar, 50_000), (.bandits, 3_000)]),
        .stored("random_steps", \.randomSteps, "Uniformly random actions for the first steps (no updates before they end).",
                rule: .nonNegative, presets: [(.pendulum, 1_000), (.bandits, 200)]),
        .stored("updates_per_step", \.updatesPerStep, "Gradient updates per environment step (update-to-data ratio).", rule: .atLeast(1)),
        .stored("policy_delay", \.policyDelay, "Actor and temperature are updated every this many critic updates.", rule: .atLeast(1)),
        .stored("batch_size", \.batchSize, "Transitions per SAC update.", rule: .atLeast(1), presets: [(.bandits, 64)]),
        .stored("replay_capacity", \.replayCapacity, "Transitions the replay buffer keeps (the oldest are overwritten).",
                rule: OptionRule(words: "at least batch_size") { v, c in
                    v >= c.batchSize ? nil : "must hold at least one batch (\(c.batchSize)), found \(v)"
                }),
        .stored("hidden_sizes", \.hiddenSizes, "Widths of the hidden ReLU layers of the actor and of each critic.",
                rule: OptionRule(words: "at least one width, each at least 1") { v, _ in
                    !v.isEmpty && v.allSatisfy { $0 >= 1 } ? nil : "must list at least one layer width, each at least 1, found \(v)"
                },
                presets: [(.bandits, [64, 64])]),
        .stored("actor_learning_rate", \.actorLearningRate, "Adam learning rate of the actor.", rule: .positive,
                presets: [(.pendulum, 1e-3), (.bandits, 3e-3)]),
        .stored("critic_learning_rate", \.criticLearningRate, "Adam learning rate of the twin critics.", rule: .positive,
                presets: [(.pendulum, 1e-3), (.bandits, 3e-3)]),
        .stored("temperature_learning_rate", \.temperatureLearningRate, "Adam learning rate of log alpha.", rule: .positive,
                presets: [(.pendulum, 1e-3), (.bandits, 3e-3)]),
        .stored("gamma", \.gamma, "Discount factor of the soft Bellman target.",
                rule: OptionRule(words: "in [0, 1]") { v, _ in v >= 0 && v <= 1 ? nil : "must be in [0, 1], found \(v)" }),
        .stored("tau", \.tau, "Polyak averaging rate of the target critics.",
                rule: OptionRule(words: "in (0, 1]") { v, _ in v > 0 && v <= 1 ? nil : "must be in (0, 1], found \(v)" }),
        .stored("learn_temperature", \.learnTemperature,
                "Learn the entropy temperature alpha towards target_entropy; false keeps initial_temperature."),
        .stored("initial_temperature", \.initialTemperature,
                "The temperature alpha at the start (kept fixed when learn_temperature is false).", rule: .positive),
        .stored("target_entropy", \.targetEntropy, "Target entropy of the learned temperature.",
                unset: "-d, d the action dimension",
                rule: OptionRule(words: "finite when set") { v, _ in (v?.isFinite ?? true) ? nil : "must be finite" }),
        .stored("marginalized_target", \.marginalizedTarget,
                "Use the marginalized critic target (a sum over the components) for mixtures."),
        .stored("log_std_min", \.logStdMin, "Lower bound of the policy's log-std (soft-clamped).",
                rule: OptionRule(words: "below log_std_max") { v, c in
                    v < c.logStdMax ? nil : "must be below log_std_max (\(c.logStdMax)), found \(v)"
                }),
        .stored("log_std_max", \.logStdMax, "Upper bound of the policy's log-std."),
        .stored("gradient_clip_norm", \.gradientClipNorm, "Clip gradients to this global norm.",
                unset: "no clipping",
                rule: OptionRule(words: "> 0 when set") { v, _ in
                    v.map { $0 > 0 } ?? true ? nil : "must be positive when set, found \(v ?? 0)"
                }),
        .stored("eval_every", \.evalEvery, "Evaluate every this many environment steps (0: only at the end).",
                rule: OptionRule(words: "at least 0") { v, _ in
                    v >= 0 ? nil : "must not be negative (0: evaluate only at the end), found \(v)"
                },
                presets: [(.pendulum, 2_000), (.mountainCar, 5_000), (.bandits, 500)]),
        .stored("eval_episodes", \.evalEpisodes, "Episodes per evaluation.", rule: .atLeast(1), presets: [(.bandits, 100)]),
        .stored("eval_mode", \.evalMode,
                "How evaluation episodes act: the most likely component's mean, a sampled component's mean, the mean with the highest Q, or a sample."),
        .stored("checkpoint_every", \.checkpointEvery, "Checkpoint every this many environment steps (and at the end or on a stop).",
                rule: .atLeast(1), presets: [(.pendulum, 5_000), (.bandits, 1_000)]),
        .stored("custom_estimator", \.customEstimator,
                "Set by the trainer to the description of a custom estimator passed to `Trainer.start` (library only).",
                unset: "the built-in estimator of `estimator`"),
        .stored("log_every", \.logEvery, "Log the means of the update statistics (train/alpha, train/critic_loss, ...) every this many steps.",
                unset: "every 100 steps (30 points per curve in 3000 steps, 200 in 20k)",
                rule: OptionRule<Int>.atLeast(1).whenSet()),
    ]

    /// The option with `key`, if there is one.
    package static func option(_ key: String) -> TrainingOption? {
        byKey[key]
    }

    static let byKey: [String: TrainingOption] = Dictionary(all.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })

    /// The keys, in table order.
    package static var keys: [String] { all.map(\.key) }

    /// The key closest to a misspelt `key`, if one is close enough to be a plausible typo.
    package static func closestKey(to key: String) -> String? {
        Suggestion.closest(to: key, in: keys)
    }

    /// The snake_case key of a Swift property name (`hiddenSizes` is `hidden_sizes`).
    static func snakeCase(_ name: String) -> String {
        var out = ""
        for c in name {
            if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
        }
        return out
    }

    /// The Swift property name of `key` (`hidden_sizes` is `hiddenSizes`), which
    /// `JSONDecoder.KeyDecodingStrategy.convertFromSnakeCase` turns keys into.
    static func camelCase(_ key: String) -> String {
        let parts = key.split(separator: "_", omittingEmptySubsequences: false)
        guard let first = parts.first else { return key }
        return String(first) + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}
