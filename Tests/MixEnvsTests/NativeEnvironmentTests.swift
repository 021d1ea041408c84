import Foundation
import MixEnvs
import MixTensor
import Testing
import MixTestSupport

/// Native Swift environments against Gymnasium's own implementation, run from the
/// bridge's virtualenv: same initial state on both sides, same actions.
@Suite(.needsVenv) struct NativeVersusGymnasium {
    static let seeds: [UInt64] = [0, 1, 2, 3]
    static let steps = 600

    @Test func pendulumReproducesGymnasium() throws {
        var jobs: [PythonReference.Job] = []
        var swift: [[StepResult]] = []
        for seed in Self.seeds {
            var env = Pendulum(seed: seed)
            _ = env.reset(seed: seed)
            // Beyond ±2 exercises the torque clipping; 600 steps spin the pendulum through
            // many turns, exercising the angle normalization.
            let actions = PythonReference.randomActions(Self.steps, space: env.actionSpace, seed: seed + 100, spread: 1.3)
            jobs.append(.init(kind: "classic", id: "Pendulum-v1", state: [env.theta, env.thetaDot], actions: actions))
            swift.append(try actions.map { try env.step($0) })
        }
        let reference = try PythonReference.run(jobs)
        for (k, seed) in Self.seeds.enumerated() {
            #expect(reference[k].observations.count == Self.steps)
            for t in 0..<Self.steps {
                let d = maxDifference(swift[k][t].observation, reference[k].observations[t])
                let r = abs(swift[k][t].reward - reference[k].rewards[t])
                #expect(d <= 1e-5 && r <= 1e-5, "seed \(seed) step \(t): observation off by \(d), reward by \(r)")
                if d > 1e-5 || r > 1e-5 { return }
                #expect(!swift[k][t].terminated && !swift[k][t].truncated)
            }
        }
    }

    @Test func mountainCarReproducesGymnasium() throws {
        var jobs: [PythonReference.Job] = []
        var swift: [[StepResult]] = []
        var reachedGoal = 0
        for seed in Self.seeds {
            var env = MountainCarContinuous(seed: seed)
            _ = env.reset(seed: seed)
            let (x0, v0) = (env.position, env.velocity)
            // Push along the velocity (energy pumping, so the car reaches the goal and the
            // left wall), with noise and magnitudes beyond ±1 for the clipping; computed
            // on the Swift trajectory and replayed in Python.
            var random = RandomStream(seed: seed + 200)
            var actions: [[Double]] = []
            var results: [StepResult] = []
            for _ in 0..<Self.steps {
                let push = (env.velocity >= 0 ? 1.0 : -1.0) * (seed % 2 == 0 ? 1 : 0.6)
                let a = [push + 0.8 * (2 * random.uniform() - 1)]
                actions.append(a)
                results.append(try env.step(a))
            }
            if results.contains(where: \.terminated) { reachedGoal += 1 }
            jobs.append(.init(kind: "classic", id: "MountainCarContinuous-v0", state: [x0, v0], actions: actions))
            swift.append(results)
        }
        #expect(reachedGoal >= 2, "the pumping actions should reach the goal in most episodes")
        let reference = try PythonReference.run(jobs)
        for (k, seed) in Self.seeds.enumerated() {
            #expect(reference[k].observations.count == Self.steps)
            for t in 0..<Self.steps {
                let d = maxDifference(swift[k][t].observation, reference[k].observations[t])
                let r = abs(swift[k][t].reward - reference[k].rewards[t])
                let same = d <= 1e-5 && r <= 1e-5 && swift[k][t].terminated == reference[k].terminated[t]
                #expect(same, "seed \(seed) step \(t): observation off by \(d), reward by \(r), terminated \(swift[k][t].terminated) vs \(reference[k].terminated[t])")
                if !same { return }
            }
        }
    }
}

@Suite struct NativeEnvironments {
    @Test func factoryAppliesGymnasiumTimeLimits() throws {
        var pendulum = try makeEnvironment(id: "Pendulum-v1")
        #expect(pendulum.maxEpisodeSteps == 200)
        #expect(pendulum.observationSpace == BoxSpace(low: [-1, -1, -8], high: [1, 1, 8]))
        #expect(pendulum.actionSpace == BoxSpace(low: [-2], high: [2]))
        _ = try pendulum.reset(seed: 3)
        var last = StepResult(observation: [], reward: 0)
        for t in 1...200 {
            last = try pendulum.step([0.5])
            #expect(last.truncated == (t == 200))
            #expect(!last.terminated)
        }
        #expect(last.truncated)
        let car = try makeEnvironment(id: "MountainCarContinuous-v0")
        #expect(car.maxEpisodeSteps == 999)
    }

    @Test func resetIsReproducibleBySeed() throws {
        var a = try makeEnvironment(id: "Pendulum-v1"), b = try makeEnvironment(id: "Pendulum-v1")
        #expect(try a.reset(seed: 42) == b.reset(seed: 42))
        #expect(try a.reset(seed: 42) != a.reset(seed: 43))
        var car = MountainCarContinuous()
        let start = car.reset(seed: 9)
        #expect(start[0] >= -0.6 && start[0] < -0.4 && start[1] == 0)
    }

    @Test func unshapedVariantsPayMinusOneUntilTheGoal() throws {
        var car = MountainCarContinuous(rewardKind: .unshaped)
        _ = car.reset(seed: 0)
        var steps = 0
        var result = StepResult(observation: [], reward: 0)
        repeat {
            result = try car.step([car.velocity >= 0 ? 1 : -1])
            #expect(result.reward == -1)
            steps += 1
        } while !result.terminated && steps < 999
        #expect(result.terminated, "bang-bang pumping reaches the goal")
        #expect(car.position >= MountainCarContinuous.goalPosition)

        var pendulum = Pendulum(rewardKind: .unshaped)
        pendulum.setState(theta: 2 * Double.pi + 0.05, thetaDot: 0.1)   // upright, one turn around
        let goal = try pendulum.step([0])
        #expect(goal.terminated && goal.reward == -1)
        pendulum.setState(theta: Double.pi, thetaDot: 0)                  // hanging down
        let away = try pendulum.step([0])
        #expect(!away.terminated && away.reward == -1)
        #expect(try makeEnvironment(id: "PendulumUnshaped-v1").id == "PendulumUnshaped-v1")
        #expect(try makeEnvironment(id: "MountainCarContinuousUnshaped-v0").maxEpisodeSteps == 999)
    }

    @Test func banditsHaveTheirRewardSurfaces() throws {
        let symmetric = BanditReward.symmetricBimodal, asymmetric = BanditReward.asymmetricBimodal
        let expected = 1.5 + 1.5 * exp(-0.5 * (2 / 0.05) * (2 / 0.05))
        #expect(abs(symmetric.expectedReward(1) - expected) < 1e-15)
        #expect(abs(symmetric.expectedReward(-1) - expected) < 1e-15)
        #expect(abs(asymmetric.expectedReward(1) - 0.75) < 1e-12)
        #expect(abs(asymmetric.expectedReward(-1) - 1.5) < 1e-12)
        #expect(symmetric.expectedReward(0) < 1e-80)

        var bandit = try makeEnvironment(id: "BimodalBandit-v0")
        #expect(bandit.actionSpace == BoxSpace(low: [-2], high: [2]))
        #expect(try bandit.reset(seed: 1) == [0])
        let pull = try bandit.step([1])
        #expect(pull.terminated && abs(pull.reward - symmetric.expectedReward(1)) < 1e-15)
        _ = try bandit.reset(seed: nil)
        #expect(try bandit.step([7]).reward == symmetric.expectedReward(2), "actions are clamped to [-2, 2]")

        // The stochastic bandit pays one mode per pull; on average, the symmetric surface.
        var stochastic = try makeEnvironment(id: "StochasticBimodalBandit-v0", options: EnvironmentOptions(seed: 5))
        var total = 0.0, zeros = 0
        let pulls = 20_000
        for _ in 0..<pulls {
            _ = try stochastic.reset(seed: nil)
            let r = try stochastic.step([1]).reward
            total += r
            if r < 1e-6 { zeros += 1 }
        }
        #expect(abs(total / Double(pulls) - symmetric.expectedReward(1)) < 0.05)
        #expect(abs(Double(zeros) / Double(pulls) - 0.5) < 0.02, "half the pulls draw the mode at -1")
        #expect(BanditReward.stochasticBimodal.expectedReward(0.3) == symmetric.expectedReward(0.3))
        #expect(try makeEnvironment(id: "AsymmetricBimodalBandit-v0").maxEpisodeSteps == 1)
    }
}
