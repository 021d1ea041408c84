import Foundation
import MixEnvs
import Testing

/// Declared modes (``MultimodalEnvironment``) reach the trainer through every wrapper.
@Suite struct ActionModeTests {
    @Test func banditsDeclareTheirBumpsAsModes() throws {
        let bandit = try makeEnvironment(id: "BimodalBandit-v0")
        // Near: within three bump widths (3 * 0.05).
        #expect(bandit.declaredActionModes == [ActionMode(center: [-1], halfWidth: 3 * 0.05), ActionMode(center: [1], halfWidth: 3 * 0.05)])
        let asymmetric = try makeEnvironment(id: "AsymmetricBimodalBandit-v0")
        #expect(asymmetric.declaredActionModes.map(\.center) == [[-1], [1]])
        // Tasks without declared modes have none.
        #expect(try makeEnvironment(id: "Pendulum-v1").declaredActionModes.isEmpty)
        #expect(Corridor().declaredActionModes.isEmpty)
    }

    @Test func wrappersPassTheModesOn() throws {
        let bandit = ContinuousBandit(id: "BimodalBandit-v0", reward: .symmetricBimodal)
        let modes = bandit.actionModes
        #expect(TimeLimit(bandit, maxEpisodeSteps: 1).declaredActionModes == modes)
        #expect(EpisodeStatistics(bandit).declaredActionModes == modes)
        #expect(NormalizeObservation(bandit).declaredActionModes == modes)
        // Through the type-erased wrappers that registries and user code build.
        let erased: any Environment = TimeLimit(EpisodeStatistics(bandit), maxEpisodeSteps: 1)
        #expect(erased.declaredActionModes == modes)
        #expect(TimeLimit(erased, maxEpisodeSteps: 1).declaredActionModes == modes)
        // RescaleAction maps [-2, 2] onto [-1, 1]: centres ±0.5, half-width halved.
        let rescaled = try RescaleAction(bandit)
        #expect(rescaled.declaredActionModes == [ActionMode(center: [-0.5], halfWidth: 3 * 0.05 / 2), ActionMode(center: [0.5], halfWidth: 3 * 0.05 / 2)])
        #expect(rescaled.baseAction(rescaled.declaredActionModes[1].center) == [1])
    }

    @Test func aModeBoxIsCutToTheActionSpace() {
        let mode = ActionMode(center: [1.9, -0.5], halfWidth: [0.2, 0.1])
        let box = mode.region(in: BoxSpace(low: [-2, -1], high: [2, 1]))
        #expect(box.low.count == 2 && abs(box.low[0] - 1.7) < 1e-12 && box.high[0] == 2)
        #expect(abs(box.low[1] + 0.6) < 1e-12 && abs(box.high[1] + 0.4) < 1e-12)
    }
}
