import Foundation
import Testing
import MixAgents
import MixPolicy

/// The table of options (Sources/MixAgents/TrainingOptions.swift) against the type it
/// describes, the JSON of existing run folders, and the presets it replaced.
@Suite struct TrainingOptionsTests {
    /// A `config.json` written by MixRL before the table existed (synthesized Codable):
    /// a mixture with hybrid on a bandit, every optional option set, the largest seed.
    static let oldConfigJSON = """
        {
          "actor_learning_rate" : 0.003,
          "baseline" : "leave-one-out",
          "batch_size" : 64,
          "checkpoint_every" : 1000,
          "components" : 3,
          "critic_learning_rate" : 0.003,
          "environment" : "BimodalBandit-v0",
          "environment_imports" : [

          ],
          "estimator" : "hybrid",
          "eval_episodes" : 1,
          "eval_every" : 500,
          "eval_mode" : "most-likely",
          "gamma" : 0.99,
          "gradient_clip_norm" : 10,
          "gumbel_temperature" : 1,
          "hidden_sizes" : [
            64,
            64
          ],
          "initial_temperature" : 1,
          "learn_temperature" : true,
          "log_every" : 7,
          "log_std_max" : 2,
          "log_std_min" : -5,
          "marginalized_target" : false,
          "policy" : "mixture",
          "policy_delay" : 1,
          "random_steps" : 1,
          "replay_capacity" : 1000000,
          "samples" : 3,
          "seed" : 18446744073709551615,
          "steps" : 1,
          "target_entropy" : -1.5,
          "tau" : 0.005,
          "temperature_learning_rate" : 0.003,
          "updates_per_step" : 1
        }

        """

    static func encode(_ c: TrainingConfiguration) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(c), as: UTF8.self) + "\n"
    }

    static func decode(_ text: String, snakeCaseStrategy: Bool = true) throws -> TrainingConfiguration {
        let decoder = JSONDecoder()
        if snakeCaseStrategy { decoder.keyDecodingStrategy = .convertFromSnakeCase }
        return try decoder.decode(TrainingConfiguration.self, from: Data(text.utf8))
    }

    /// Every stored property of `TrainingConfiguration` is a row, in declaration order,
    /// under the key its camelCase name converts to; nothing else is.
    @Test func theTableCoversEveryProperty() {
        let properties = Mirror(reflecting: TrainingConfiguration()).children.compactMap(\.label)
        let keys = TrainingOptions.all.map(\.key)
        #expect(properties.map(snakeCase) == keys)
        #expect(Set(keys).count == keys.count)
        for option in TrainingOptions.all {
            #expect(!option.summary.isEmpty, "\(option.key) has no documentation")
            if case .optional = option.type {
                #expect(option.unsetMeaning != nil, "\(option.key) is optional but does not say what unset means")
            }
        }
    }

    /// `TrainingOptions.all` reads and writes the property it names (a wrong key path in
    /// the table would show here): setting each option to a non-default value changes
    /// exactly that property in the JSON.
    @Test func eachRowReadsAndWritesItsOwnProperty() throws {
        let base = TrainingConfiguration()
        let baseJSON = try JSONSerialization.jsonObject(with: JSONEncoder().encode(base)) as? [String: Any] ?? [:]
        for option in TrainingOptions.all {
            var c = base
            let value = Self.otherValue(for: option.type, than: option.defaultValue)
            #expect(option.set(value, in: &c), "\(option.key) refused a value of its type")
            #expect(option.value(in: c) == value)
            let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(c)) as? [String: Any] ?? [:]
            let changed = Set(json.keys).union(baseJSON.keys).filter { k in
                "\(json[k].map { "\($0)" } ?? "-")" != "\(baseJSON[k].map { "\($0)" } ?? "-")"
            }
            #expect(changed == [option.key], "setting \(option.key) changed \(changed.sorted())")
        }
    }

    static func otherValue(for type: OptionType, than value: OptionValue) -> OptionValue {
        switch type {
        case .boolean: return value == .boolean(true) ? .boolean(false) : .boolean(true)
        case .integer: return value == .integer(7) ? .integer(8) : .integer(7)
        case .unsignedInteger: return .unsigned(12_345)
        case .real: return .real(0.125)
        case .string: return .string("other")
        case .choice(let names): return .string(names.first { .string($0) != value } ?? names[0])
        case .list(let element): return .list([otherValue(for: element, than: .unset)])
        case .optional(let wrapped): return otherValue(for: wrapped, than: value)
        }
    }

    /// Keys are the JSON keys Foundation's snake_case strategy gives the properties.
    func snakeCase(_ name: String) -> String {
        var out = ""
        for c in name { if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) } }
        return out
    }

    /// A run folder's `config.json` from before the table loads to the same configuration
    /// and is written back byte for byte (so run ids and resumed runs are unchanged).
    @Test func oldConfigJSONLoadsAndIsWrittenIdentically() throws {
        let c = try Self.decode(Self.oldConfigJSON)
        #expect(c.seed == UInt64.max)
        #expect(c.targetEntropy == -1.5)
        #expect(c.logEvery == 7)
        #expect(c.gradientClipNorm == 10)
        #expect(c.baseline == .leaveOneOut)
        #expect(c.hiddenSizes == [64, 64])
        #expect(c.estimator == .hybrid)
        #expect(try Self.encode(c) == Self.oldConfigJSON)
        // The same without key strategies: the keys are snake_case either way.
        #expect(try Self.decode(Self.oldConfigJSON, snakeCaseStrategy: false) == c)
        let plain = JSONEncoder()
        plain.outputFormatting = [.prettyPrinted, .sortedKeys]
        #expect(String(decoding: try plain.encode(c), as: UTF8.self) + "\n" == Self.oldConfigJSON)
    }

    /// Keys missing from a file keep their defaults; unset optionals are not written.
    @Test func missingKeysTakeTheirDefaults() throws {
        let c = try Self.decode(#"{"steps": 500, "hidden_sizes": [32]}"#)
        var expected = TrainingConfiguration()
        expected.steps = 500
        expected.hiddenSizes = [32]
        #expect(c == expected)
        let json = try Self.encode(TrainingConfiguration())
        for key in ["samples", "baseline", "target_entropy", "gradient_clip_norm", "custom_estimator", "log_every"] {
            #expect(!json.contains("\"\(key)\""), "unset \(key) was written")
        }
        // null is unset for an optional option.
        #expect(try Self.decode(#"{"target_entropy": null}"#).targetEntropy == nil)
    }

    /// Unknown keys and wrong types are errors naming the key and what was expected.
    @Test func badFilesNameTheKey() {
        func problem(_ text: String) -> ConfigurationProblem? {
            do { _ = try Self.decode(text); return nil } catch { return error as? ConfigurationProblem }
        }
        #expect(problem(#"{"hiden_sizes": [64]}"#)
                == ConfigurationProblem(key: "hiden_sizes", message: "unknown option; did you mean hidden_sizes? (the options are listed in docs/configuration.md)"))
        #expect(problem(#"{"hidden_sizes": "64,abc"}"#)
                == ConfigurationProblem(key: "hidden_sizes", message: "expected a list of integers, found a string \"64,abc\""))
        #expect(problem(#"{"steps": 1.5}"#)?.message == "expected an integer, found a float 1.5")
        #expect(problem(#"{"seed": -1}"#)?.message == "expected a non-negative integer, found an integer -1")
        #expect(problem(#"{"estimator": "mrpp"}"#)?.message.hasSuffix("found a string \"mrpp\"; did you mean \"mrp\"?") == true)
        #expect(problem(#"{"gamma": {"a": 1}}"#)?.message == "expected a number, found an object")
        #expect(problem(#"{"steps": null}"#)?.message == "expected an integer, found no value (null)")
        #expect(problem(#"{"hidden_sizes": [64, 1.5]}"#)?.message
                == "expected a list of integers; an element is wrong: expected an integer, found a float 1.5")
    }

    /// The presets moved into the table are those the per-environment code set.
    @Test func presetsAreUnchanged() {
        let pendulum = TrainingConfiguration.preset(for: "Pendulum-v1")
        var expected = TrainingConfiguration()
        expected.environment = "Pendulum-v1"
        expected.steps = 20_000
        expected.randomSteps = 1_000
        expected.actorLearningRate = 1e-3
        expected.criticLearningRate = 1e-3
        expected.temperatureLearningRate = 1e-3
        expected.evalEvery = 2_000
        expected.checkpointEvery = 5_000
        #expect(pendulum == expected)

        var car = TrainingConfiguration()
        car.environment = "MountainCarContinuous-v0"
        car.steps = 50_000
        car.evalEvery = 5_000
        #expect(TrainingConfiguration.preset(for: "MountainCarContinuous-v0") == car)

        for id in ["BimodalBandit-v0", "AsymmetricBimodalBandit-v0", "StochasticBimodalBandit-v0"] {
            var bandit = TrainingConfiguration()
            bandit.environment = id
            bandit.steps = 3_000
            bandit.randomSteps = 200
            bandit.batchSize = 64
            bandit.hiddenSizes = [64, 64]
            bandit.actorLearningRate = 3e-3
            bandit.criticLearningRate = 3e-3
            bandit.temperatureLearningRate = 3e-3
            bandit.evalEvery = 500
            bandit.evalEpisodes = 100
            bandit.checkpointEvery = 1_000
            #expect(TrainingConfiguration.preset(for: id) == bandit)
        }
        var other = TrainingConfiguration()
        other.environment = "gym:Hopper-v5"
        #expect(TrainingConfiguration.preset(for: "gym:Hopper-v5") == other)
    }

    /// Each option's own rule, and the combinations after them, in table order.
    @Test func problemsComeFromTheTableThenTheCombinations() {
        var c = TrainingConfiguration()
        #expect(c.problems.isEmpty)
        c.steps = 0
        c.tau = 2
        c.logEvery = 0
        c.samples = 0
        #expect(c.problems.map(\.key) == ["samples", "steps", "tau", "log_every"])
        #expect(c.problems.first?.message == "must be at least 1, found 0")
        c = TrainingConfiguration()
        c.policy = .mixture
        c.components = 0
        c.estimator = .mrp
        #expect(c.problems.map(\.key) == ["components", "estimator"])
        c = TrainingConfiguration()
        c.replayCapacity = 10
        #expect(c.problems == [ConfigurationProblem(key: "replay_capacity", message: "must hold at least one batch (256), found 10")])
    }

    /// The default logging cadence: every 100 steps whatever the budget (so that an
    /// extended run equals the longer run), or `log_every` when set.
    @Test func defaultLogCadence() {
        var c = TrainingConfiguration()
        for steps in [600, 3_000, 20_000, 1_000_000] {
            c.steps = steps
            #expect(c.resolvedLogEvery == 100, "steps \(steps)")
        }
        c.logEvery = 1_000
        #expect(c.resolvedLogEvery == 1_000)
    }
}
