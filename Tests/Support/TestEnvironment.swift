import Foundation
import Testing

/// What the test process may use beyond pure Swift, and the traits that skip a test
/// (with the reason printed by the runner) when it is not there.
///
/// Tiers: the fast tier (`MIXRL_TEST_TIER=fast`, `bash scripts/test.sh --fast`) runs pure
/// Swift only; the integration tier adds everything that starts another program (the
/// `mixrl` executable, the Python bridge and references, Slurm). CI runs both.
public enum TestEnvironment {
    static let variables = ProcessInfo.processInfo.environment

    /// True when only the fast tier runs.
    public static let fastTierOnly = variables["MIXRL_TEST_TIER"] == "fast"

    /// The project's virtualenv (built by scripts/setup.sh; `MIXRL_VENV` moves it).
    public static var venv: String { variables["MIXRL_VENV"] ?? (NSHomeDirectory() + "/.cache/mixrl/venv") }

    /// The virtualenv's Python interpreter.
    public static var python: String { venv + "/bin/python" }

    /// Whether the tests that need the virtualenv run. They run when it exists, and
    /// always under `MIXRL_REQUIRE_VENV=1` (scripts/test.sh sets it, so that a missing
    /// virtualenv fails CI instead of skipping); `MIXRL_SKIP_VENV=1` turns them off.
    public static var venvTestsRun: Bool {
        if fastTierOnly || variables["MIXRL_SKIP_VENV"] == "1" { return false }
        return variables["MIXRL_REQUIRE_VENV"] == "1" || FileManager.default.isExecutableFile(atPath: python)
    }

    /// A fresh temporary directory; the caller removes it.
    public static func temporaryDirectory(_ prefix: String = "mixrl-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The `mixrl` executable built beside the test bundle (or `MIXRL_EXECUTABLE`).
    public static func mixrlExecutable() -> String? {
        if let path = variables["MIXRL_EXECUTABLE"] { return path }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // The test runner lives in <build>/<config>/ or inside a bundle below it.
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("mixrl").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    /// Runs a Python snippet in the virtualenv; returns its standard output and records an
    /// issue (naming its standard error) when it fails.
    public static func runPython(_ code: String, arguments: [String] = [],
                                 sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            Issue.record("no Python at \(python): run bash scripts/setup.sh (or set MIXRL_VENV)", sourceLocation: sourceLocation)
            return ""
        }
        // Standard error goes to a file, so a chatty child cannot block on a full pipe.
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("mixrl-python-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", code] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            let errors = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
            Issue.record("python failed: \(errors)", sourceLocation: sourceLocation)
        }
        return String(decoding: output, as: UTF8.self)
    }
}

extension Trait where Self == ConditionTrait {
    /// The integration tier: the test starts another program (the `mixrl` executable, a
    /// shell script, Slurm). Skipped, with this reason, under `MIXRL_TEST_TIER=fast`.
    public static var integration: Self {
        .enabled(if: !TestEnvironment.fastTierOnly, "integration tier (starts other programs); skipped by MIXRL_TEST_TIER=fast")
    }

    /// The test needs the Python virtualenv (Gymnasium, safetensors, TensorBoard).
    /// Skipped, with this reason, when it is missing (unless `MIXRL_REQUIRE_VENV=1`).
    public static var needsVenv: Self {
        .enabled(if: TestEnvironment.venvTestsRun,
                 "needs the Python virtualenv at \(TestEnvironment.venv) (bash scripts/setup.sh builds it); integration tier")
    }
}
