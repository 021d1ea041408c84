import Foundation
import MixAgents
import MixTestSupport
import Testing

/// A finished `mixrl` process: exit status and what it printed.
struct MixrlResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Starts `mixrl ARGUMENTS` with its output going to files in `folder` (no pipe to fill).
func startMixrl(_ arguments: [String], logsIn folder: URL) throws -> (Process, URL, URL) {
    let p = Process()
    p.executableURL = try mixrlExecutable()
    p.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["OPENBLAS_NUM_THREADS"] = "1"
    p.environment = environment
    let id = UUID().uuidString.prefix(8)
    let out = folder.appendingPathComponent("mixrl-\(id).out"), err = folder.appendingPathComponent("mixrl-\(id).err")
    for url in [out, err] { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
    p.standardOutput = try FileHandle(forWritingTo: out)
    p.standardError = try FileHandle(forWritingTo: err)
    try p.run()
    return (p, out, err)
}

/// Runs `mixrl ARGUMENTS` to the end (ten minutes at most: only a hang takes that long).
func runMixrl(_ arguments: [String], logsIn folder: URL) throws -> MixrlResult {
    let (p, out, err) = try startMixrl(arguments, logsIn: folder)
    try #require(waitForExit(p, seconds: 600), "mixrl \(arguments.joined(separator: " ")) did not end within 10 minutes")
    return MixrlResult(status: p.terminationStatus, stdout: try String(contentsOf: out, encoding: .utf8),
                       stderr: try String(contentsOf: err, encoding: .utf8))
}

/// What `mixrl train` promises about its run folder: it never writes into a folder that
/// holds something else, only one process trains a run at a time (a lock the kernel drops
/// when the process dies), and a resume that has no checkpoint to continue from says so.
@Suite(.serialized) struct RunFolderContractTests {
    static func writeConfiguration(_ c: TrainingConfiguration, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        try encoder.encode(c).write(to: url)
    }

    @Test(.integration) func trainNeverWritesIntoAFolderThatHoldsSomethingElse() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let photos = dir.appendingPathComponent("photos")
        try FileManager.default.createDirectory(at: photos, withIntermediateDirectories: true)
        try "keep me".write(to: photos.appendingPathComponent("holiday.jpg"), atomically: true, encoding: .utf8)
        let refused = try runMixrl(["train", "--out", photos.path, "--steps", "10", "--plain"], logsIn: dir)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("run folder \(photos.path): is not empty and is not a MixRL run folder (no config.json); it holds holiday.jpg. "
                                        + "Nothing was written. Choose a new or empty folder for the run"), "\(refused.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: photos.path) == ["holiday.jpg"])

        let file = dir.appendingPathComponent("notes.txt")
        try "text".write(to: file, atomically: true, encoding: .utf8)
        let onAFile = try runMixrl(["train", "--out", file.path, "--steps", "10", "--plain"], logsIn: dir)
        #expect(onAFile.status == 1)
        #expect(onAFile.stderr.contains("run folder \(file.path): is a file, not a folder"), "\(onAFile.stderr)")
        #expect(try String(contentsOf: file, encoding: .utf8) == "text")

        // An empty folder is fine.
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let fine = try runMixrl(["train", "--out", empty.path, "--steps", "20", "--set", "random_steps=20", "--eval-every", "0",
                                 "--eval-episodes", "1", "--plain"], logsIn: dir)
        #expect(fine.status == 0, "\(fine.stderr)")
        #expect(TrainingStatus.read(runDirectory: empty)?.state == .finished)
    }

    /// The first process stops itself at step 150, before its first checkpoint (step 1000),
    /// holding the folder: a second `--resume` and a second `--out` are refused, naming the
    /// folder and the first process. Once the first is killed (SIGKILL: no clean-up) the
    /// lock is gone with it, and `--resume` starts the run again from step 0, says so, and
    /// ends exactly as a run that was never interrupted.
    @Test(.integration) func oneProcessPerRunFolderAndAKilledOneLeavesNoLock() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = smallConfiguration(policy: .gaussian, seed: 3)
        c.steps = 600
        c.randomSteps = 100
        c.checkpointEvery = 1_000
        c.evalEvery = 300
        let config = dir.appendingPathComponent("config.json")
        try Self.writeConfiguration(c, to: config)
        let run = dir.appendingPathComponent("run"), straight = dir.appendingPathComponent("straight")
        let reference = try runMixrl(["train", "--config", config.path, "--out", straight.path, "--plain"], logsIn: dir)
        #expect(reference.status == 0, "\(reference.stderr)")

        let (first, _, _) = try startMixrl(["train", "--config", config.path, "--out", run.path, "--plain", "--debug-pause-at-step", "150"], logsIn: dir)
        let deadline = Date().addingTimeInterval(600)
        while !isStopped(first.processIdentifier) && first.isRunning && Date() < deadline { usleep(20_000) }
        try #require(isStopped(first.processIdentifier), "the first run did not reach step 150 (running: \(first.isRunning))")
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }

        let second = try runMixrl(["train", "--resume", run.path, "--plain"], logsIn: dir)
        #expect(second.status == 1)
        #expect(second.stderr.contains("run folder \(run.path): is in use: another process (pid \(first.processIdentifier)) is training this run"),
                "\(second.stderr)")
        let third = try runMixrl(["train", "--config", config.path, "--out", run.path, "--plain"], logsIn: dir)
        #expect(third.status == 1)
        #expect(third.stderr.contains("is in use: another process (pid \(first.processIdentifier))"), "\(third.stderr)")
        #expect(!FileManager.default.fileExists(atPath: run.appendingPathComponent("checkpoints/latest.ckpt").path))

        kill(first.processIdentifier, SIGKILL)
        try #require(waitForExit(first, seconds: 60), "mixrl train survived SIGKILL for 60 s")
        let resumed = try runMixrl(["train", "--resume", run.path, "--plain"], logsIn: dir)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("no checkpoint had been written yet (the first was due at step 600): the run starts again from step 0, "
                                        + "and the metrics it had logged are discarded"), "\(resumed.stderr)")
        #expect(try fileText(run, "eval.csv") == fileText(straight, "eval.csv"))
        #expect(try metricsWithoutTime(run) == metricsWithoutTime(straight))
    }

    /// The same contract through the library: while one trainer has the folder, a second
    /// is refused; once its run returns, the folder is free.
    @Test func theLibraryLocksTheFolderWhileATrainerHasIt() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = smallConfiguration()
        c.steps = 300
        c.randomSteps = 300
        c.checkpointEvery = 100
        let run = dir.appendingPathComponent("run")
        let first = try Trainer.start(configuration: c, runDirectory: run)
        #expect { _ = try Trainer.resume(runDirectory: run) } throws: { error in
            "\(error)".contains("is in use: another trainer in this process")
        }
        var steps = 0
        let outcome = try first.run(stopRequested: { steps += 1; return steps > 150 })
        guard case .interrupted(let step) = outcome else { Issue.record("the run did not stop: \(outcome)"); return }
        let second = try Trainer.resume(runDirectory: run)
        #expect(second.restoredFromCheckpoint && second.currentStep == step)
        // While the second has it, the first cannot run again.
        #expect { _ = try first.run() } throws: { error in "\(error)".contains("is in use") }
        guard case .finished = try second.run() else { Issue.record("the resumed run did not finish"); return }
    }
}
