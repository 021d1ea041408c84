import Foundation
import MixRL
import MixTestSupport
import Testing

/// What the `mixrl` executable promises on every subcommand: one exit-code convention
/// (0 success, 1 failure while working, 2 usage or validation error, 128 + signal when
/// interrupted), the usage line of the subcommand that rejected the input, messages that
/// name the input (never a Foundation `Error Domain=...` dump), suggestions for misspelt
/// environment ids, and `--version`.
@Suite(.integration) struct CommandLineContractTests {
    @Test func versionIsTheLibrarysConstant() throws {
        let r = try Mixrl.run(["--version"])
        #expect(r.status == 0)
        #expect(r.standardOutput == mixRLVersion + "\n")
    }

    @Test func helpDocumentsTheExitCodes() throws {
        let r = try Mixrl.run(["--help"])
        #expect(r.status == 0)
        let help = r.standardOutput.replacingOccurrences(of: "\n", with: " ").split(separator: " ").joined(separator: " ")
        #expect(help.contains("Exit codes"), "\(r.standardOutput)")
        #expect(help.contains("2 a usage or validation error"), "\(r.standardOutput)")
    }

    /// Usage errors exit 2 and end with the usage of the subcommand that rejected them,
    /// whether ArgumentParser or the subcommand's `run()` found the problem.
    @Test(arguments: [
        (["train", "--out", "unused", "--bogus-flag"], "Usage: mixrl train", "--bogus-flag"),
        (["train", "--out", "unused", "--components", "0"], "Usage: mixrl train", "components: must be at least 1"),
        (["train", "--out", "unused", "--threads", "0"], "Usage: mixrl train", "--threads must be at least 1"),
        (["train", "--out", "unused", "--policy", "gaussian", "--estimator", "mrp"], "Usage: mixrl train", "mrp needs policy mixture"),
        (["variance", "--bandit", "no-such-bandit"], "Usage: mixrl variance", "no-such-bandit"),
        (["variance", "--bandit", "symmetric-bimodal", "--estimators", "reinforce"], "Usage: mixrl variance", "reinforce"),
        (["landscape", "--components", "9"], "Usage: mixrl landscape", "9"),
        (["sweep", "run", "--jobs", "0"], "Usage: mixrl sweep run", "--jobs must be at least 1"),
    ])
    func usageErrorsExitTwoWithTheSubcommandsUsage(arguments: [String], usage: String, mention: String) throws {
        let folder = try TestEnvironment.temporaryDirectory("mixrl-cli-usage")
        defer { try? FileManager.default.removeItem(at: folder) }
        let r = try Mixrl.run(arguments.map { $0 == "unused" ? folder.appendingPathComponent("run").path : $0 })
        #expect(r.status == 2, "\(arguments): \(r.standardError)")
        #expect(r.standardError.contains(usage), "\(arguments): \(r.standardError)")
        #expect(r.standardError.contains(mention), "\(arguments): \(r.standardError)")
        #expect(!r.standardError.contains("Usage: mixrl <subcommand>"), "\(arguments): \(r.standardError)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("run").path), "a rejected run created its folder")
    }

    @Test func reportOfAnEmptyFolderIsAUsageError() throws {
        let folder = try TestEnvironment.temporaryDirectory("mixrl-cli-report")
        defer { try? FileManager.default.removeItem(at: folder) }
        let r = try Mixrl.run(["report", folder.path])
        #expect(r.status == 2)
        #expect(r.standardError.contains("holds no runs") && r.standardError.contains("Usage: mixrl report"), "\(r.standardError)")
    }

    @Test func unknownMatrixLibraryIsAUsageError() throws {
        let r = try Mixrl.run(["train", "--out", "unused"], environment: ["MIXRL_GEMM": "no-such-library"])
        #expect(r.status == 2)
        #expect(r.standardError.contains("MIXRL_GEMM"), "\(r.standardError)")
    }

    /// A run folder that cannot be created: exit 1, and the message names the folder and
    /// the POSIX reason instead of dumping the Foundation error.
    @Test func unwritableRunFolderNamesThePathAndTheReason() throws {
        let folder = try TestEnvironment.temporaryDirectory("mixrl-cli-out")
        defer { try? FileManager.default.removeItem(at: folder) }
        let blocker = folder.appendingPathComponent("a-file")
        try Data("not a folder".utf8).write(to: blocker)
        let out = blocker.appendingPathComponent("run").path
        let r = try Mixrl.run(["train", "--out", out, "--steps", "10"])
        #expect(r.status == 1, "\(r.standardError)")
        #expect(r.standardError.contains(out), "\(r.standardError)")
        #expect(r.standardError.contains("a-file is not a directory (Not a directory)"), "\(r.standardError)")
        for dump in ["Error Domain", "NSCocoaErrorDomain", "UserInfo", "NSUnderlyingError"] {
            #expect(!r.standardError.contains(dump), "\(r.standardError)")
        }
    }

    /// An unreadable `--config` file is a usage error that names the file and the reason.
    @Test func unreadableConfigurationNamesTheFile() throws {
        let folder = try TestEnvironment.temporaryDirectory("mixrl-cli-config")
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("missing.json").path
        let r = try Mixrl.run(["train", "--config", missing, "--out", folder.appendingPathComponent("run").path])
        #expect(r.status == 2)
        #expect(r.standardError.contains(missing) && r.standardError.contains("No such file or directory"), "\(r.standardError)")
        #expect(!r.standardError.contains("Error Domain"), "\(r.standardError)")
        // A complete configuration with one value of the wrong type.
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        var object = try #require(try JSONSerialization.jsonObject(with: encoder.encode(TrainingConfiguration())) as? [String: Any])
        object["steps"] = "many"
        let broken = folder.appendingPathComponent("broken.json")
        try JSONSerialization.data(withJSONObject: object).write(to: broken)
        let typed = try Mixrl.run(["train", "--config", broken.path, "--out", folder.appendingPathComponent("run").path])
        #expect(typed.status == 2)
        #expect(typed.standardError.contains(broken.path) && typed.standardError.contains("steps: expected an integer, found a string \"many\""),
                "\(typed.standardError)")
    }

    @Test func misspeltNativeEnvironmentGetsASuggestion() throws {
        let folder = try TestEnvironment.temporaryDirectory("mixrl-cli-env")
        defer { try? FileManager.default.removeItem(at: folder) }
        let r = try Mixrl.run(["train", "--env", "Pendulm-v1", "--out", folder.appendingPathComponent("run").path])
        #expect(r.status == 2)
        #expect(r.standardError.contains("unknown environment 'Pendulm-v1'; did you mean 'Pendulum-v1'?"), "\(r.standardError)")
        #expect(r.standardError.contains("Usage: mixrl train"), "\(r.standardError)")
        let prefix = try Mixrl.run(["train", "--env", "gmy:HalfCheetah-v5", "--out", folder.appendingPathComponent("run").path])
        #expect(prefix.status == 2)
        #expect(prefix.standardError.contains("did you mean 'gym:'?"), "\(prefix.standardError)")
    }
}

/// The same promises for bridged ids: the Python worker knows the suite's ids.
@Suite(.integration, .needsVenv) struct BridgedEnvironmentMessageTests {
    @Test func misspeltDeepMindControlTaskGetsASuggestion() throws {
        let folder = try TestEnvironment.temporaryDirectory("mixrl-cli-dmc")
        defer { try? FileManager.default.removeItem(at: folder) }
        let r = try Mixrl.run(["train", "--env", "dmc:cheetah-rn", "--out", folder.appendingPathComponent("run").path],
                              environment: ["MIXRL_VENV": TestEnvironment.venv])
        #expect(r.status == 2, "\(r.standardError)")
        #expect(r.standardError.contains("did you mean 'cheetah-run'?"), "\(r.standardError)")
    }

    @Test func myoSuiteIdWithoutItsImportSaysSo() throws {
        let folder = try TestEnvironment.temporaryDirectory("mixrl-cli-myo")
        defer { try? FileManager.default.removeItem(at: folder) }
        let r = try Mixrl.run(["train", "--env", "gym:myoElbowPose1D6MRandom-v0", "--out", folder.appendingPathComponent("run").path],
                              environment: ["MIXRL_VENV": TestEnvironment.venv])
        #expect(r.status == 2, "\(r.standardError)")
        #expect(r.standardError.contains("--env-import myosuite"), "\(r.standardError)")
    }
}
