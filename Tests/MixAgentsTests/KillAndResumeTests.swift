import Foundation
import Testing
import MixAgents
import MixTestSupport

@Suite(.serialized, .integration) struct KillAndResumeTests {
    /// SIGKILL at step 1234, between the checkpoints of steps 1000 and 1500 (no chance to
    /// save; 234 steps of logs past the checkpoint), then `--resume`: metrics, evaluations
    /// and parameters end bit-identical to a run that was never interrupted. The victim
    /// stops itself at that step (a hidden `--debug-pause-at-step`), so the kill lands at
    /// the same point on every machine, however loaded.
    @Test func sigkillThenResumeEqualsUninterruptedRun() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("config.json")
        var c = smallConfiguration(policy: .mixture, seed: 11)
        c.steps = 3_000
        c.checkpointEvery = 500
        c.evalEvery = 1_000
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        try encoder.encode(c).write(to: config)

        let straight = dir.appendingPathComponent("straight"), killed = dir.appendingPathComponent("killed")
        let reference = try Mixrl.start(["train", "--config", config.path, "--out", straight.path, "--plain"])
        let victim = try Mixrl.start(["train", "--config", config.path, "--out", killed.path, "--plain",
                                      "--debug-pause-at-step", "1234"])
        // Wait (up to ten minutes: only a hang takes that long) until it has stopped itself.
        let deadline = Date().addingTimeInterval(600)
        while !victim.isStopped && victim.isRunning && Date() < deadline { usleep(20_000) }
        try #require(victim.isStopped, "the run did not reach step 1234 (running: \(victim.isRunning))")
        #expect(FileManager.default.fileExists(atPath: killed.appendingPathComponent("checkpoints/latest.ckpt").path))
        victim.send(SIGKILL)
        try #require(victim.waitForExit(seconds: 60), "mixrl train survived SIGKILL for 60 s")
        #expect(victim.terminationReason == .uncaughtSignal)

        let resumed = try Mixrl.start(["train", "--resume", killed.path, "--plain"])
        // 3000 steps of a tiny network take seconds; ten minutes means a hang.
        try #require(resumed.waitForExit(seconds: 600) && reference.waitForExit(seconds: 600), "a run did not finish within 10 minutes")
        #expect(resumed.terminationStatus == 0)
        #expect(reference.terminationStatus == 0)
        #expect(try metricsWithoutTime(killed) == metricsWithoutTime(straight))
        #expect(try fileText(killed, "eval.csv") == fileText(straight, "eval.csv"))
        // The final checkpoints hold the same parameters, optimizer moments and replay data.
        let a = try Trainer.resume(runDirectory: killed), b = try Trainer.resume(runDirectory: straight)
        #expect(parameterBits(a.agent) == parameterBits(b.agent))
    }

    /// SIGTERM (what Slurm sends before a time limit) checkpoints and exits with 143.
    @Test func sigtermCheckpointsAndExits143() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("run")
        let p = try Mixrl.start(["train", "--out", run.path, "--steps", "50000000", "--set", "random_steps=50000000", "--eval-every", "0", "--plain"])
        // config.json is written after the signal handlers are installed, so from then on
        // SIGTERM asks for a clean stop. (Ten minutes: only a hang takes that long.)
        let config = run.appendingPathComponent("config.json")
        let deadline = Date().addingTimeInterval(600)
        while !FileManager.default.fileExists(atPath: config.path) && p.isRunning && Date() < deadline { usleep(20_000) }
        try #require(FileManager.default.fileExists(atPath: config.path), "mixrl train did not start the run")
        p.send(SIGTERM)
        // Checkpointing a run this small takes well under a second; a minute means the
        // signal was lost (blocked or ignored).
        try #require(p.waitForExit(seconds: 300), "mixrl train did not exit within 300 s of SIGTERM")
        #expect(p.terminationStatus == 143)
        #expect(try fileText(run, "status.json").contains("\"interrupted\""))
        #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent("checkpoints/latest.ckpt").path))
    }
}
