import Foundation
import MixEnvs
import Testing

/// A user-defined environment, written the way the `Environment` documentation shows.
struct Corridor: Environment {
    let id = "Corridor-v0"
    let observationSpace = BoxSpace(low: [0], high: [10])
    let actionSpace = BoxSpace(low: [-1], high: [3])
    var position = 0.0
    mutating func reset(seed: UInt64?) -> [Double] {
        position = 0
        return [position]
    }
    mutating func step(_ action: [Double]) -> StepResult {
        position = min(max(position + action[0], 0), 10)
        return StepResult(observation: [position], reward: -1, terminated: position == 10,
                          info: ["progress": position / 10])
    }
}

@Suite struct Wrappers {
    @Test func timeLimitTruncatesAtTheLimit() throws {
        var env = TimeLimit(Corridor(), maxEpisodeSteps: 3)
        _ = try env.reset(seed: nil)
        #expect(try !env.step([0]).truncated)
        #expect(try !env.step([0]).truncated)
        let third = try env.step([0])
        #expect(third.truncated && !third.terminated && env.elapsedSteps == 3)
        _ = try env.reset(seed: nil)
        #expect(env.elapsedSteps == 0)
    }

    @Test func rescaleActionMapsTheUnitBoxOntoTheBounds() throws {
        var env = try RescaleAction(Corridor())
        #expect(env.actionSpace == BoxSpace(low: [-1], high: [1]))
        #expect(env.baseAction([-1]) == [-1])
        #expect(env.baseAction([1]) == [3])
        #expect(env.baseAction([0]) == [1])
        #expect(env.baseAction([1.5]) == [3], "inputs are clamped to [-1, 1]")
        _ = try env.reset(seed: nil)
        #expect(try env.step([1]).observation == [3])
        #expect(throws: EnvironmentError.invalidAction(environment: "Corridor-v0", expected: 1, got: 2)) {
            try env.step([1, 1])
        }
        struct Unbounded: Environment {
            let id = "Unbounded-v0"
            let observationSpace = BoxSpace(low: [0], high: [0])
            let actionSpace = BoxSpace(low: [-.infinity], high: [.infinity])
            mutating func reset(seed: UInt64?) -> [Double] { [0] }
            mutating func step(_ action: [Double]) -> StepResult { StepResult(observation: [0], reward: 0) }
        }
        #expect(throws: EnvironmentError.self) { try RescaleAction(Unbounded()) }
    }

    @Test func runningNormalizationMatchesTheSampleMomentsAndSaves() throws {
        var env = NormalizeObservation(TimeLimit(Pendulum(seed: 1), maxEpisodeSteps: 200))
        var raw = TimeLimit(Pendulum(seed: 1), maxEpisodeSteps: 200)
        var seen: [[Double]] = [try raw.reset(seed: 4)]
        _ = try env.reset(seed: 4)
        var last: [Double] = []
        for t in 0..<300 {
            let a = [sin(Double(t) / 7) * 2]
            if t == 200 { seen.append(try raw.reset(seed: 5)); _ = try env.reset(seed: 5) }
            seen.append(try raw.step(a).observation)
            last = try env.step(a).observation
        }
        let n = Double(seen.count)
        for d in 0..<3 {
            let mean = seen.map { $0[d] }.reduce(0, +) / n
            let variance = seen.map { ($0[d] - mean) * ($0[d] - mean) }.reduce(0, +) / n
            #expect(abs(env.statistics.mean[d] - mean) < 1e-6)
            #expect(abs(env.statistics.variance[d] - variance) < 1e-4 * max(variance, 1))
            let expected = (seen[seen.count - 1][d] - env.statistics.mean[d]) / (env.statistics.variance[d] + 1e-8).squareRoot()
            #expect(abs(last[d] - expected) < 1e-12)
        }
        // The statistics are the savable state: a restored wrapper normalizes identically.
        let saved = try JSONEncoder().encode(env.statistics)
        var restored = NormalizeObservation(TimeLimit(Pendulum(seed: 1), maxEpisodeSteps: 200),
                                            statistics: try JSONDecoder().decode(RunningMeanStd.self, from: saved))
        restored.isUpdating = false
        env.isUpdating = false
        #expect(try restored.reset(seed: 8) == env.reset(seed: 8))
        #expect(restored.statistics == env.statistics)
    }

    @Test func episodeStatisticsRecordReturnLengthAndMetrics() throws {
        var env = EpisodeStatistics(TimeLimit(Corridor(), maxEpisodeSteps: 50))
        _ = try env.reset(seed: nil)
        var result = StepResult(observation: [], reward: 0)
        for _ in 0..<4 { result = try env.step([3]) }   // 3, 6, 9, 10: terminated
        let episode = try #require(result.episode)
        #expect(episode == EpisodeSummary(totalReward: -4, length: 4, terminated: true, maxMetrics: ["progress": 1]))
        _ = try env.reset(seed: nil)
        for _ in 0..<50 { result = try env.step([0]) }
        #expect(result.episode?.length == 50 && result.episode?.terminated == false)
        #expect(env.completedEpisodes.count == 2)
    }
}

@Suite struct Registry {
    @Test func unknownIdentifiersListWhatExists() {
        do {
            _ = try makeEnvironment(id: "Pendulum-v9")
            Issue.record("expected an error")
        } catch {
            #expect(error == .unknownID("Pendulum-v9", known: EnvironmentRegistry.standard.nativeIDs))
            let message = error.description
            for id in ["Pendulum-v1", "MountainCarContinuous-v0", "BimodalBandit-v0", "gym:", "dmc:", "metaworld:"] {
                #expect(message.contains(id), "message lists \(id): \(message)")
            }
        }
    }

    @Test func identifiersParse() throws {
        #expect(try EnvironmentID(parsing: "Pendulum-v1") == .native("Pendulum-v1"))
        #expect(try EnvironmentID(parsing: "gym:HalfCheetah-v5") == .gym("HalfCheetah-v5"))
        #expect(try EnvironmentID(parsing: "dmc:ball_in_cup-catch") == .dmc(domain: "ball_in_cup", task: "catch"))
        #expect(try EnvironmentID(parsing: "dmc:finger-turn_hard") == .dmc(domain: "finger", task: "turn_hard"))
        #expect(try EnvironmentID(parsing: "metaworld:reach-v3") == .metaWorld("reach-v3"))
        #expect(try EnvironmentID(parsing: "dmc:cheetah-run").description == "dmc:cheetah-run")
        for bad in ["dmc:cheetah", "gym:", "metaworld:", "atari:Pong-v5"] {
            #expect(throws: EnvironmentError.self, "\(bad)") { try EnvironmentID(parsing: bad) }
        }
    }

    @Test func userEnvironmentsRegisterAndVectorize() throws {
        var registry = EnvironmentRegistry.standard
        registry.register("Corridor-v0", summary: "test corridor") { _ in TimeLimit(Corridor(), maxEpisodeSteps: 20) }
        var env = try registry.make(id: "Corridor-v0")
        #expect(try env.reset(seed: nil) == [0])
        #expect(throws: EnvironmentError.self) { try makeEnvironment(id: "Corridor-v0") }

        var vector = try registry.makeVector(id: "Corridor-v0", copies: 3)
        #expect(vector.copyCount == 3)
        #expect(try vector.resetAll(seed: 1) == [[0], [0], [0]])
        let results = try vector.step([[1], [2], [3]])
        #expect(results.map(\.observation) == [[1], [2], [3]])
        #expect(throws: EnvironmentError.self) { try vector.step([[1], [2]]) }

        var pendulums = try makeVectorEnvironment(id: "Pendulum-v1", copies: 2)
        let starts = try pendulums.resetAll(seed: 10)
        var single = try makeEnvironment(id: "Pendulum-v1")
        #expect(starts[1] == (try single.reset(seed: 11)))
        var stats = VectorEpisodeStatistics(pendulums)
        _ = try stats.resetAll(seed: 0)
        var ended: [StepResult] = []
        for _ in 0..<200 { ended = try stats.step([[0], [1]]) }
        #expect(ended.allSatisfy { $0.truncated && $0.episode?.length == 200 })
    }
}
