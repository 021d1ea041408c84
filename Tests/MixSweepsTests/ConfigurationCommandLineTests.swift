import Foundation
import MixAgents
import MixSweeps
import MixTestSupport
import Testing

/// The option table as users meet it, through the real `mixrl` executable: `train --help`
/// shows every default, `--dry-run` prints the resolved configuration and creates
/// nothing, `--set` errors say what was typed and expected, `train` and `sweep` accept
/// the same `--set`, and a short run logs a readable curve.
@Suite(.serialized, .integration) struct ConfigurationCommandLineTests {
    struct Result {
        var status: Int32
        var output: String
        var errors: String
    }

    /// Runs `mixrl ARGUMENTS` in `directory`, 200 columns wide.
    static func mixrl(_ arguments: [String], in directory: URL) throws -> Result {
        let r = try Mixrl.run(arguments, environment: ["COLUMNS": "200"], in: directory)
        return Result(status: r.status, output: r.standardOutput, errors: r.standardError)
    }

    /// The `key = value` lines of a dry run, by key (comments dropped).
    static func assignments(_ listing: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in listing.split(separator: "\n") where !line.hasPrefix("#") {
            guard let eq = line.range(of: " = ") else { continue }
            var value = String(line[eq.upperBound...])
            if let comment = value.range(of: "  #") { value = String(value[..<comment.lowerBound]) }
            out[String(line[..<eq.lowerBound])] = value.trimmingCharacters(in: .whitespaces)
        }
        return out
    }

    @Test func helpShowsEveryDefault() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let help = try Self.mixrl(["train", "--help"], in: dir)
        #expect(help.status == 0)
        let lines = help.output.split(separator: "\n").map(String.init)
        for option in TrainingOptions.all {
            let shown = option.defaultValue == .unset ? "unset" : option.defaultValue.description
            let line = lines.first { $0.hasPrefix("  \(option.key) ") }
            #expect(line?.dropFirst(option.key.count + 2).trimmingCharacters(in: .whitespaces).hasPrefix(shown) == true,
                    "--help does not show \(option.key)'s default \(shown): \(line ?? "no line")")
        }
        // The flags carry their option's default and presets.
        let flat = help.output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(flat.contains("Environment steps (default 1000000; Pendulum-v1 20000, MountainCarContinuous-v0 50000, bandits 3000)"))
        #expect(flat.contains("Checkpoint every N steps (default 10000; Pendulum-v1 5000, bandits 1000)"))
        #expect(flat.contains("docs/configuration.md"))
        #expect(!flat.contains("architecture.md"))
    }

    @Test func dryRunPrintsTheResolvedConfigurationAndCreatesNothing() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("run")
        let result = try Self.mixrl(["train", "--env", "BimodalBandit-v0", "--policy", "mixture", "--estimator", "lr",
                                     "--set", "gamma=0.9", "--dry-run", "--out", run.path], in: dir)
        #expect(result.status == 0, "\(result.errors)")
        #expect(!FileManager.default.fileExists(atPath: run.path))
        let values = Self.assignments(result.output)
        // Presets applied, the flags' implications, estimator defaults resolved, log_every derived.
        #expect(values["environment"] == "\"BimodalBandit-v0\"")
        #expect(values["steps"] == "3000")
        #expect(values["hidden_sizes"] == "[64, 64]")
        #expect(values["components"] == "5")
        #expect(values["samples"] == "5")
        #expect(values["baseline"] == "\"leave-one-out\"")
        #expect(values["gamma"] == "0.9")
        #expect(values["log_every"] == "100")
        #expect(result.output.contains("# preset of bandits (default 1000000)"))
        #expect(result.output.contains("# unset: resolved for estimator lr"))
        // Every option is on a line: a value, or a comment saying it is unset.
        for option in TrainingOptions.all {
            #expect(values[option.key] != nil || result.output.contains("# \(option.key): unset"), "\(option.key) missing from the dry run")
        }
        // The lines are `--set` assignments: fed back from the defaults, they give the same configuration.
        let back = try Self.mixrl(["train", "--dry-run"] + values.sorted { $0.key < $1.key }.flatMap { ["--set", "\($0.key)=\($0.value)"] }, in: dir)
        #expect(back.status == 0, "\(back.errors)")
        #expect(Self.assignments(back.output) == values)
        // No --out is needed for a dry run; an invalid configuration is still an error.
        let invalid = try Self.mixrl(["train", "--env", "Pendulum-v1", "--estimator", "mrp", "--dry-run"], in: dir)
        #expect(invalid.status != 0)
        #expect(invalid.errors.contains("mrp needs policy mixture"))
    }

    /// `--set` errors name the assignment, the key, what was typed and what was expected,
    /// and nothing is created.
    @Test func setErrorsSayWhatWasTypedAndExpected() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("run")
        let cases = [
            ("hidden_sizes=64,abc", "--set hidden_sizes=64,abc: hidden_sizes: expected a list of integers (written like [64, 64], in brackets), found 64,abc, which is not a TOML value"),
            ("steps=1e9x", "--set steps=1e9x: steps: expected an integer (written like 5000 or 5_000), found 1e9x, which is not a TOML value"),
            ("nosuchkey=1", "--set nosuchkey=1: nosuchkey: unknown option"),
            ("stpes=1000", "--set stpes=1000: stpes: unknown option; did you mean steps?"),
            ("steps=1.5", "--set steps=1.5: steps: expected an integer, found a float 1.5"),
            ("steps=1e6", "found a float 1000000.0 (an integer is written without a decimal point or exponent: 1000000)"),
            ("eval_mode=highestq", "expected one of \"most-likely\", \"sampled-component\", \"highest-q\", \"stochastic\", found a string \"highestq\"; did you mean \"highest-q\"?"),
            ("learn_temperature=yes", "learn_temperature: expected a boolean (true or false), found yes, which is not a TOML value"),
        ]
        for (assignment, message) in cases {
            let result = try Self.mixrl(["train", "--env", "Pendulum-v1", "--set", assignment, "--out", run.path], in: dir)
            #expect(result.status != 0, "\(assignment) was accepted")
            #expect(result.errors.contains(message), "\(assignment): \(result.errors)")
            #expect(!FileManager.default.fileExists(atPath: run.path))
        }
        // --config files are read through the same table: missing keys take their
        // defaults, unknown keys and wrong types name the key.
        let partial = dir.appendingPathComponent("partial.json")
        try #"{"steps": 500, "hidden_sizes": [32]}"#.write(to: partial, atomically: true, encoding: .utf8)
        let fromFile = try Self.mixrl(["train", "--config", partial.path, "--dry-run"], in: dir)
        #expect(fromFile.status == 0, "\(fromFile.errors)")
        #expect(Self.assignments(fromFile.output)["steps"] == "500")
        #expect(Self.assignments(fromFile.output)["batch_size"] == "256")
        let typo = dir.appendingPathComponent("typo.json")
        try #"{"hiden_sizes": [32]}"#.write(to: typo, atomically: true, encoding: .utf8)
        let badFile = try Self.mixrl(["train", "--config", typo.path, "--out", run.path], in: dir)
        #expect(badFile.status != 0)
        #expect(badFile.errors.contains("--config \(typo.path): hiden_sizes: unknown option; did you mean hidden_sizes?"), "\(badFile.errors)")
        #expect(!FileManager.default.fileExists(atPath: run.path))
        // log_every is an option like the others.
        let logEvery = try Self.mixrl(["train", "--set", "log_every=100", "--dry-run"], in: dir)
        #expect(Self.assignments(logEvery.output)["log_every"] == "100")
    }

    /// `mixrl train --set` and `mixrl sweep --set` read values by the same rule: what one
    /// accepts the other accepts with the same value, and what one rejects the other
    /// rejects with the same message.
    @Test func trainAndSweepAcceptTheSameSet() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let accepted = ["hidden_sizes=[32, 32]", "actor_learning_rate=1e-3", "learn_temperature=false", "eval_mode=highest-q",
                        "eval_mode=\"stochastic\"", "log_every=100", "target_entropy=-1.5", "gamma=1", "steps=5_000",
                        "environment_imports=[\"x\"]", "seed=7"]
        for assignment in accepted {
            let key = String(assignment.prefix { $0 != "=" })
            let train = try Self.mixrl(["train", "--dry-run", "--set", assignment], in: dir)
            #expect(train.status == 0, "train rejected \(assignment): \(train.errors)")
            let sweep = try Self.mixrl(["sweep", "plan", "--json", "--set", assignment], in: dir)
            #expect(sweep.status == 0, "sweep rejected \(assignment): \(sweep.errors)")
            let plan = try JSONDecoder.snakeCase.decode(SweepPlan.self, from: Data(sweep.output.utf8))
            let option = try #require(TrainingOptions.option(key))
            let sweepValue = try #require(plan.runs.first.map { option.value(in: $0.configuration).description })
            #expect(Self.assignments(train.output)[key] == sweepValue, "\(assignment)")
        }
        let rejected = [
            ("hidden_sizes=64,abc", "expected a list of integers (written like [64, 64], in brackets), found 64,abc, which is not a TOML value"),
            ("steps=1e9x", "expected an integer (written like 5000 or 5_000), found 1e9x, which is not a TOML value"),
            ("steps=1.5", "expected an integer, found a float 1.5"),
            ("eval_mode=highestq", "did you mean \"highest-q\"?"),
            ("stpes=5", "did you mean"),
        ]
        for (assignment, message) in rejected {
            let train = try Self.mixrl(["train", "--dry-run", "--set", assignment], in: dir)
            let sweep = try Self.mixrl(["sweep", "plan", "--set", assignment], in: dir)
            #expect(train.status != 0 && sweep.status != 0, "\(assignment): train \(train.status), sweep \(sweep.status)")
            #expect(train.errors.contains(message), "train \(assignment): \(train.errors)")
            #expect(sweep.errors.contains(message), "sweep \(assignment): \(sweep.errors)")
        }
    }

    /// A 1000-step run without `log_every` logs the update statistics every 100 steps
    /// from the first update on (the default was every 1000 steps: one point).
    @Test func shortRunsLogReadableCurves() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("run")
        let result = try Self.mixrl(["train", "--env", "BimodalBandit-v0", "--steps", "1000", "--set", "random_steps=500",
                                     "--eval-every", "0", "--eval-episodes", "1", "--out", run.path, "--plain"], in: dir)
        #expect(result.status == 0, "\(result.errors)")
        let log = try TrainingLog.read(runDirectory: run)
        #expect(log.configuration.logEvery == nil)
        for name in ["alpha", "critic_loss", "q_mean", "actor_loss", "entropy"] {
            #expect(log.series(name: name, kind: "train").map(\.step) == Array(stride(from: 600, through: 1_000, by: 100)), "train/\(name)")
        }
    }
}

extension JSONDecoder {
    /// A decoder for the snake_case JSON that MixRL writes.
    static var snakeCase: JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }
}
