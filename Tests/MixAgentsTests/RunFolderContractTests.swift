import Foundation
import MixAgents
import MixTestSupport
import Testing

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
        let refused = try Mixrl.run(["train", "--out", photos.path, "--steps", "10", "--plain"], logsIn: dir)
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("run folder \(photos.path): is not empty and is not a MixRL run folder (no config.json); it holds holiday.jpg. "
                                                 + "Nothing was written. Choose a new or empty folder for the run"), "\(refused.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: photos.path) == ["holiday.jpg"])

        let file = dir.appendingPathComponent("notes.txt")
        try "text".write(to: file, atomically: true, encoding: .utf8)
        let onAFile = try Mixrl.run(["train", "--out", file.path, "--steps", "10", "--plain"], logsIn: dir)
        #expect(onAFile.status == 1)
        #expect(onAFile.standardError.contains("run folder \(file.path): is a file, not a folder"), "\(onAFile.standardError)")
        #expect(try String(contentsOf: file, encoding: .utf8) == "text")

        // An empty folder is fine.
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let fine = try Mixrl.run(["train", "--out", empty.path, "--steps", "20", "--set", "random_steps=20", "--eval-every", "0",
                                  "--eval-episodes", "1", "--plain"], logsIn: dir)
        #expect(fine.status == 0, "\(fine.standardError)")
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
        let reference = try Mixrl.run(["train", "--config", config.path, "--out", straight.path, "--plain"], logsIn: dir)
        #expect(reference.status == 0, "\(reference.standardError)")

        let first = try Mixrl.start(["train", "--config", config.path, "--out", run.path, "--plain", "--debug-pause-at-step", "150"], logsIn: dir)
        let deadline = Date().addingTimeInterval(600)
        while !first.isStopped && first.isRunning && Date() < deadline { usleep(20_000) }
        try #require(first.isStopped, "the first run did not reach step 150 (running: \(first.isRunning))")
        defer { if first.isRunning { first.send(SIGKILL) } }

        let second = try Mixrl.run(["train", "--resume", run.path, "--plain"], logsIn: dir)
        #expect(second.status == 1)
        #expect(second.standardError.contains("run folder \(run.path): is in use: another process (pid \(first.processIdentifier)) is training this run"),
                "\(second.standardError)")
        let third = try Mixrl.run(["train", "--config", config.path, "--out", run.path, "--plain"], logsIn: dir)
        #expect(third.status == 1)
        #expect(third.standardError.contains("is in use: another process (pid \(first.processIdentifier))"), "\(third.standardError)")
        #expect(!FileManager.default.fileExists(atPath: run.appendingPathComponent("checkpoints/latest.ckpt").path))

        first.send(SIGKILL)
        try #require(first.waitForExit(seconds: 60), "mixrl train survived SIGKILL for 60 s")
        let resumed = try Mixrl.run(["train", "--resume", run.path, "--plain"], logsIn: dir)
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(resumed.standardError.contains("no checkpoint had been written yet (the first was due at step 600): the run starts again from step 0, "
                                                 + "and the metrics it had logged are discarded"), "\(resumed.standardError)")
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
