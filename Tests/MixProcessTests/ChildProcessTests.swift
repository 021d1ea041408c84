import Foundation
import Glibc
import MixProcess
import MixTestSupport
import Testing

/// The one process-spawning type: what the child gets and how its end is reported.
@Suite(.integration) struct ChildProcessTests {
    /// The child writes to the descriptors it was given, sees the environment it was given
    /// and its exit code comes back.
    @Test func descriptorsEnvironmentAndExitCode() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mixrl-child-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out.txt").path
        let child = try ChildProcess.spawn("/bin/sh", argv: ["sh", "-c", "echo \"$GREETING\"; exit 3"], environment: ["GREETING": "hello"],
                                           descriptors: [(0, .open(path: "/dev/null", flags: O_RDONLY)),
                                                         (1, .open(path: out, flags: O_WRONLY | O_CREAT | O_TRUNC))],
                                           defaultSignals: [SIGPIPE], newProcessGroup: true)
        let status = child.wait()
        #expect(status == .exited(3))
        #expect(status.description == "exit code 3")
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "hello\n")
    }

    /// A signalled child is reported with the signal's name; `poll` reaps it once.
    @Test func aKilledChildSaysWhichSignal() throws {
        let child = try ChildProcess.spawn("/bin/sleep", argv: ["sleep", "60"], descriptors: [], defaultSignals: [SIGTERM])
        #expect(child.poll() == nil)
        child.send(SIGKILL)
        let status = child.wait()
        #expect(status == .signaled(SIGKILL))
        #expect(status.description == "killed by signal 9 (SIGKILL)")
    }

    /// A program that is not there is `posix_spawn`'s error, with its POSIX reason.
    @Test func aMissingProgramIsASpawnError() {
        #expect {
            _ = try ChildProcess.spawn("/nonexistent/program", argv: ["program"], descriptors: [], defaultSignals: [])
        } throws: { error in
            (error as? ChildProcess.SpawnError)?.code == ENOENT && (error as? ChildProcess.SpawnError)?.reason == "No such file or directory"
        }
    }
}
