import Foundation
import MixAgents
import MixSweeps
import Testing

/// `--set KEY=VALUE` in process (the fast tier's counterpart of ConfigurationCommandLineTests):
/// one rule for `mixrl train` (`TrainingOptions.parse`) and sweep specs (`SpecOverride`).
@Suite struct OptionAssignmentTests {
    func trainValue(_ assignment: String) throws -> String {
        let (option, value) = try TrainingOptions.parse(assignment)
        var c = TrainingConfiguration()
        option.set(value, in: &c)
        return option.value(in: c).description
    }

    func trainError(_ assignment: String) -> String? {
        do { _ = try TrainingOptions.parse(assignment); return nil } catch { return error.description }
    }

    @Test func valuesAreTOML() throws {
        #expect(try trainValue("hidden_sizes=[64, 64]") == "[64, 64]")
        #expect(try trainValue("steps=5_000") == "5000")
        #expect(try trainValue("gamma=1") == "1.0")
        #expect(try trainValue("actor_learning_rate=3e-4") == "0.0003")
        #expect(try trainValue("learn_temperature=false") == "false")
        #expect(try trainValue("estimator=lr") == "\"lr\"")
        #expect(try trainValue("estimator=\"lr\"") == "\"lr\"")
        #expect(try trainValue("environment=gym:Hopper-v5") == "\"gym:Hopper-v5\"")
        #expect(try trainValue("seed=7") == "7")
        #expect(trainError("seed=-1")?.hasSuffix("expected a non-negative integer, found an integer -1") == true)
        #expect(try trainValue("target_entropy=-2") == "-2.0")
    }

    @Test func errorsNameTheAssignmentTheKeyAndTheExpectation() {
        #expect(trainError("hidden_sizes=64,abc")
                == "--set hidden_sizes=64,abc: hidden_sizes: expected a list of integers (written like [64, 64], in brackets), found 64,abc, which is not a TOML value")
        #expect(trainError("steps=1e9x")
                == "--set steps=1e9x: steps: expected an integer (written like 5000 or 5_000), found 1e9x, which is not a TOML value")
        #expect(trainError("nosuchkey=1")?.hasPrefix("--set nosuchkey=1: nosuchkey: unknown option (") == true)
        #expect(trainError("stesp=1")?.hasPrefix("--set stesp=1: stesp: unknown option; did you mean steps?") == true)
        #expect(trainError("steps") == "--set steps: expected KEY=VALUE, for example --set batch_size=128")
        #expect(trainError("hidden_sizes=[64, \"a\"]")
                == "--set hidden_sizes=[64, \"a\"]: hidden_sizes: expected a list of integers; an element is wrong: expected an integer, found a string \"a\"")
        #expect(trainError("steps=[1, 2]") == "--set steps=[1, 2]: steps: expected an integer, found a list")
    }

    /// A sweep's `--set` gives the same message for the same mistake (with the grid key).
    @Test func sweepsUseTheSameRule() {
        for (assignment, key) in [("hidden_sizes=64,abc", "hidden_sizes"), ("steps=1e9x", "steps"), ("steps=1.5", "steps"),
                                  ("eval_mode=highestq", "eval_mode"), ("learn_temperature=yes", "learn_temperature")] {
            let train = trainError(assignment)
            let sweep = rejection(baseSpec, overrides: [assignment])
            #expect(sweep?.key == "grid.\(key)", "\(assignment): \(String(describing: sweep))")
            #expect(train == "--set \(assignment): \(key): \(sweep?.message ?? "accepted")", "\(assignment)")
        }
        // Bare words remain strings for string and choice keys.
        let spec = try? SweepSpec.parse(baseSpec, source: "spec.toml", overrides: ["estimator=lr", "eval_mode=highest-q"]).plan()
        #expect(spec?.runs.allSatisfy { $0.configuration.estimator == .lr && $0.configuration.evalMode == .highestQ } == true)
    }
}

/// Reading and writing configurations through the option table changed no run id: the
/// built-in default sweep has the ids it had before (an option added or a default
/// changed on purpose changes them, and then this list).
@Suite struct RunIdStabilityTests {
    @Test func defaultSweepIdsAreUnchanged() throws {
        let plan = try DefaultSweep.spec().plan()
        #expect(plan.runs.map(\.id) == ["8c5109e49d15", "23cccf910a2b", "8fc4ad790f06", "528c8ee6be7f", "e6f5807a334e",
                                        "f57d92d12d10", "3fa87098b84d", "7104f45342a2", "80e2dea3177b"])
    }
}
