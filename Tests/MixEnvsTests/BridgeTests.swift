import Foundation
import MixEnvs
import Testing
import MixTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The bridge against direct Python rollouts of the same environment, seed and actions.
@Suite(.needsVenv) struct BridgeMatchesPython {
    /// Runs `actions[k]` on copy `k` until each copy's episode ends or its actions run
    /// out; returns every copy's reset observation and step results.
    static func roll(_ env: inout some VectorEnvironment, seeds: [UInt64], actions: [[[Double]]]) throws
        -> (resets: [[Double]], steps: [[StepResult]]) {
        let resets = try env.reset(copies: Array(seeds.indices), seeds: seeds.map { Optional($0) })
        var steps = Array(repeating: [StepResult](), count: seeds.count)
        var done = Array(repeating: false, count: seeds.count)
        let horizon = actions.map(\.count).max() ?? 0
        for t in 0..<horizon where !done.allSatisfy({ $0 }) {
            let batch = (0..<seeds.count).map { k in t < actions[k].count ? actions[k][t] : actions[k][actions[k].count - 1] }
            let results = try env.step(batch)
            for k in seeds.indices where !done[k] {
                steps[k].append(results[k])
                if results[k].isLast || t + 1 == actions[k].count { done[k] = true }
            }
        }
        return (resets, steps)
    }

    static func expectEqual(_ bridge: (reset: [Double], steps: [StepResult]), _ python: PythonReference.Rollout,
                            _ what: String, metric: String? = nil) {
        #expect(bridge.reset == python.reset, "\(what): reset observation")
        #expect(bridge.steps.count == python.observations.count, "\(what): episode length")
        for (t, step) in bridge.steps.enumerated() where t < python.observations.count {
            let same = step.observation == python.observations[t] && step.reward == python.rewards[t]
                && step.terminated == python.terminated[t] && step.truncated == python.truncated[t]
                && (metric.map { step.info[$0] == python.success[t] } ?? true)
            #expect(same, "\(what) step \(t): observation off by \(maxDifference(step.observation, python.observations[t])), reward \(step.reward) vs \(python.rewards[t]), flags \(step.terminated)/\(step.truncated) vs \(python.terminated[t])/\(python.truncated[t])")
            if !same { return }
        }
    }

    @Test func halfCheetahVectorizedCopiesAndTruncationAt1000() throws {
        var env = try BridgeVectorEnvironment(id: "gym:HalfCheetah-v5", copies: 2, configuration: PythonReference.bridge())
        defer { env.close() }
        #expect(env.handshake.suite == "gym" && env.maxEpisodeSteps == 1000)
        #expect(env.observationSpace.dimension == 17 && env.actionSpace == BoxSpace(dimension: 6, low: -1, high: 1))
        let seeds: [UInt64] = [7, 8]
        let actions = seeds.map { PythonReference.randomActions(1000, space: env.actionSpace, seed: $0) }
        let bridge = try Self.roll(&env, seeds: seeds, actions: actions)
        let python = try PythonReference.run(seeds.indices.map {
            .init(kind: "gym", id: "HalfCheetah-v5", seed: seeds[$0], actions: actions[$0])
        })
        for k in seeds.indices {
            Self.expectEqual((bridge.resets[k], bridge.steps[k]), python[k], "HalfCheetah seed \(seeds[k])")
            #expect(bridge.steps[k].count == 1000)
            #expect(bridge.steps[k].last?.truncated == true && bridge.steps[k].last?.terminated == false)
            #expect(bridge.steps[k].dropLast().allSatisfy { !$0.isLast })
        }
    }

    @Test func hopperTerminatesWhenItFalls() throws {
        let env = try BridgeEnvironment(id: "gym:Hopper-v5", configuration: PythonReference.bridge())
        defer { env.close() }
        let seed: UInt64 = 3
        let actions = PythonReference.randomActions(1000, space: env.actionSpace, seed: 11)
        let reset = try env.reset(seed: seed)
        var steps: [StepResult] = []
        for a in actions {
            steps.append(try env.step(a))
            if steps[steps.count - 1].isLast { break }
        }
        let python = try PythonReference.run([.init(kind: "gym", id: "Hopper-v5", seed: seed, actions: actions)])
        Self.expectEqual((reset, steps), python[0], "Hopper")
        #expect(steps.count < 1000, "random actions make the hopper fall")
        #expect(steps.last?.terminated == true && steps.last?.truncated == false)
        #expect(env.observationSpace.dimension == 11 && env.actionSpace.dimension == 3)
    }

    @Test func deepMindControlCheetahRun() throws {
        var env = try BridgeVectorEnvironment(id: "dmc:cheetah-run", configuration: PythonReference.bridge())
        defer { env.close() }
        #expect(env.handshake.suite == "dmc" && env.maxEpisodeSteps == 1000)
        #expect(env.observationSpace.dimension == 17 && env.observationSpace.low.allSatisfy { $0 == -.infinity })
        #expect(env.actionSpace == BoxSpace(dimension: 6, low: -1, high: 1))
        let seeds: [UInt64] = [5]
        let actions = [PythonReference.randomActions(1000, space: env.actionSpace, seed: 21)]
        let bridge = try Self.roll(&env, seeds: seeds, actions: actions)
        let python = try PythonReference.run([.init(kind: "dmc", domain: "cheetah", task: "run", seed: 5, actions: actions[0])])
        Self.expectEqual((bridge.resets[0], bridge.steps[0]), python[0], "dmc:cheetah-run")
        #expect(bridge.steps[0].count == 1000)
        #expect(bridge.steps[0].last?.truncated == true && bridge.steps[0].last?.terminated == false,
                "the time limit (discount 1) is a truncation")
    }

    @Test func metaWorldReachReportsSuccess() throws {
        var env = try BridgeVectorEnvironment(id: "metaworld:reach-v3", configuration: PythonReference.bridge())
        defer { env.close() }
        #expect(env.handshake.suite == "metaworld" && env.maxEpisodeSteps == 500)
        #expect(env.handshake.metrics == ["success"])
        #expect(env.observationSpace.dimension == 39 && env.actionSpace.dimension == 4)
        let seeds: [UInt64] = [12]
        let actions = [PythonReference.randomActions(500, space: env.actionSpace, seed: 31)]
        let bridge = try Self.roll(&env, seeds: seeds, actions: actions)
        let python = try PythonReference.run([.init(kind: "metaworld", task: "reach-v3", seed: 12, benchmark_seed: 0, actions: actions[0])])
        Self.expectEqual((bridge.resets[0], bridge.steps[0]), python[0], "metaworld:reach-v3", metric: "success")
        #expect(bridge.steps[0].count == 500 && bridge.steps[0].last?.truncated == true)
        #expect(bridge.steps[0].allSatisfy { $0.info["success"] == 0 || $0.info["success"] == 1 })
    }
}

/// Faults: every one is an error naming the environment, quickly, with the worker reaped.
@Suite(.needsVenv) struct BridgeFaults {
    /// Whether a process id is gone (no zombie: reaped, not merely dead).
    static func isReaped(_ pid: Int32) -> Bool {
        kill(pid, 0) == -1 && errno == ESRCH
    }

    static func expectFailure(_ error: EnvironmentError, _ id: String, _ matches: (WorkerFailure) -> Bool,
                              request: String) {
        guard case .workerFailed(let environment, let failure, let lastRequest, _) = error else {
            Issue.record("expected workerFailed, got \(error)")
            return
        }
        #expect(environment == id)
        #expect(matches(failure), "\(failure)")
        #expect(lastRequest.contains(request), "\(lastRequest)")
        #expect(error.description.contains(id) && error.description.contains(request))
    }

    @Test func killedWorkerMidEpisode() throws {
        let id = "gym:Pendulum-v1"
        let env = try BridgeEnvironment(id: id, configuration: PythonReference.bridge())
        _ = try env.reset(seed: 1)
        for _ in 0..<10 { _ = try env.step([0.3]) }
        let pid = try #require(env.vector.workerProcessID)
        kill(pid, SIGKILL)
        let start = Date()
        let error = #expect(throws: EnvironmentError.self) { try env.step([0.3]) }
        // A hang guard, not a speed test: the failure must come long before a timeout would.
        #expect(Date().timeIntervalSince(start) < 50)
        if let error { Self.expectFailure(error, id, { $0 == .exited(status: "killed by signal 9 (SIGKILL)") }, request: "step 11") }
        #expect(Self.isReaped(pid))
        // The failure sticks: later calls throw the same error at once.
        let again = #expect(throws: EnvironmentError.self) { try env.reset(seed: 2) }
        #expect(again == error)
        // Restarting gives a fresh worker that behaves as the first one did.
        try env.restart()
        #expect(env.vector.workerProcessID != pid)
        let fresh = try env.reset(seed: 1)
        let reference = try BridgeEnvironment(id: id, configuration: PythonReference.bridge())
        #expect(fresh == (try reference.reset(seed: 1)))
        #expect(try env.step([0.3]) == reference.step([0.3]))
        env.close()
        reference.close()
    }

    @Test func hangingWorkerTimesOut() throws {
        let id = "gym:Pendulum-v1"
        var env = try BridgeVectorEnvironment(id: id, configuration: PythonReference.bridge(requestTimeout: 2, debug: true))
        _ = try env.reset(copy: 0, seed: 0)
        try env.debug(.sleep(seconds: 0.05))   // answers within the timeout
        let pid = try #require(env.workerProcessID)
        let start = Date()
        let error = #expect(throws: EnvironmentError.self) { try env.debug(.sleep(seconds: 60)) }
        let elapsed = Date().timeIntervalSince(start)
        // Never early (a lower bound holds under any load); the upper bound only catches a hang.
        #expect(elapsed >= 1.9 && elapsed < 120, "\(elapsed) s")
        if let error { Self.expectFailure(error, id, { $0 == .timedOut(seconds: 2) }, request: "sleep") }
        #expect(Self.isReaped(pid))
    }

    @Test func crashingAndMalformedWorkers() throws {
        let id = "gym:Pendulum-v1"
        let crashing = try BridgeVectorEnvironment(id: id, configuration: PythonReference.bridge(debug: true))
        let crash = #expect(throws: EnvironmentError.self) { try crashing.debug(.exit(code: 7)) }
        if let crash { Self.expectFailure(crash, id, { $0 == .exited(status: "exit code 7") }, request: "exit") }

        let garbling = try BridgeVectorEnvironment(id: id, configuration: PythonReference.bridge(debug: true))
        let pid = try #require(garbling.workerProcessID)
        let garbled = #expect(throws: EnvironmentError.self) { try garbling.debug(.malformedReply) }
        if let garbled {
            Self.expectFailure(garbled, id, { if case .malformedFrame = $0 { true } else { false } }, request: "malformed")
        }
        #expect(Self.isReaped(pid))

        // Without --allow-debug the worker refuses debug frames (a Python-side error).
        let strict = try BridgeVectorEnvironment(id: id, configuration: PythonReference.bridge())
        let refused = #expect(throws: EnvironmentError.self) { try strict.debug(.sleep(seconds: 0)) }
        if let refused {
            Self.expectFailure(refused, id, { if case .pythonException(let m) = $0 { m.contains("--allow-debug") } else { false } },
                               request: "sleep")
        }
    }

    @Test func badIdentifiersAreRejectedWithWhatExists() throws {
        let cases: [(String, String)] = [
            ("gym:NoSuchThing-v0", "NoSuchThing"),
            ("dmc:cheetah-fly", "cheetah-run"),       // the message lists the known tasks
            ("metaworld:reach-v9", "reach-v3"),
        ]
        for (id, mentioned) in cases {
            let start = Date()
            do {
                _ = try BridgeEnvironment(id: id, configuration: PythonReference.bridge())
                Issue.record("\(id) should be rejected")
            } catch {
                guard case .rejectedByWorker(let environment, let message) = error else {
                    Issue.record("\(id): expected rejectedByWorker, got \(error)")
                    continue
                }
                #expect(environment == id)
                #expect(message.contains(mentioned), "\(message)")
            }
            #expect(Date().timeIntervalSince(start) < 120)  // a hang guard
        }
    }

    @Test func missingPythonPiecesSayHowToInstall() throws {
        let noPython = BridgeConfiguration(python: "/nonexistent/venv/bin/python")
        #expect(throws: EnvironmentError.self) { try BridgeEnvironment(id: "gym:Pendulum-v1", configuration: noPython) }
        do {
            _ = try BridgeEnvironment(id: "gym:Pendulum-v1", configuration: noPython)
        } catch {
            #expect(error.description.contains("scripts/setup.sh"))
        }

        var configuration = PythonReference.bridge()
        configuration.environmentImports = ["mixrl_no_such_module"]
        do {
            _ = try BridgeEnvironment(id: "gym:Pendulum-v1", configuration: configuration)
            Issue.record("expected a missing package")
        } catch {
            guard case .missingPythonPackage(let environment, let message, let install) = error else {
                Issue.record("expected missingPythonPackage, got \(error)")
                return
            }
            #expect(environment == "gym:Pendulum-v1" && message.contains("mixrl_no_such_module"))
            #expect(install.contains("pip install") || install.contains("setup.sh"))
        }
    }

    @Test func envImportRegistersMyoSuite() throws {
        var configuration = PythonReference.bridge()
        configuration.environmentImports = ["myosuite"]
        let env = try BridgeEnvironment(id: "gym:myoElbowPose1D6MRandom-v0", configuration: configuration)
        defer { env.close() }
        let first = try env.reset(seed: 0)
        #expect(first.count == env.observationSpace.dimension)
        let step = try env.step(Array(repeating: 0.5, count: env.actionSpace.dimension))
        #expect(step.observation.count == env.observationSpace.dimension && step.reward.isFinite)
    }
}
