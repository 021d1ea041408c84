import Foundation
import MixEnvs
import MixGraph
import MixPolicy

/// The built-in bandits of `MixEnvs`, by their benchmark names.
package enum BanditName: String, CaseIterable, Sendable, Codable, Hashable {
    /// Two equal bumps of height 1.5 at a = -1 and a = +1 (``BanditReward/symmetricBimodal``).
    case symmetricBimodal = "symmetric-bimodal"
    /// Height 1.5 at -1, 0.75 at +1 (``BanditReward/asymmetricBimodal``).
    case asymmetricBimodal = "asymmetric-bimodal"
    /// Each pull pays one randomly drawn mode, twice its height, so the expected reward
    /// is the symmetric surface (``BanditReward/stochasticBimodal``).
    case stochasticBimodal = "stochastic-bimodal"

    /// The bandit named `name`: a benchmark name or the environment id
    /// (`BimodalBandit-v0`, `AsymmetricBimodalBandit-v0`, `StochasticBimodalBandit-v0`).
    package init(parsing name: String) throws(VarianceError) {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        if let match = BanditName.allCases.first(where: { $0.rawValue == trimmed.lowercased() || $0.environmentID == trimmed }) {
            self = match
        } else {
            throw .unknownBandit(name, known: BanditName.allCases.map(\.rawValue))
        }
    }

    /// The reward surface.
    package var reward: BanditReward {
        switch self {
        case .symmetricBimodal: .symmetricBimodal
        case .asymmetricBimodal: .asymmetricBimodal
        case .stochasticBimodal: .stochasticBimodal
        }
    }

    /// The identifier of the same bandit in ``EnvironmentRegistry/standard``.
    package var environmentID: String {
        switch self {
        case .symmetricBimodal: "BimodalBandit-v0"
        case .asymmetricBimodal: "AsymmetricBimodalBandit-v0"
        case .stochasticBimodal: "StochasticBimodalBandit-v0"
        }
    }
}

/// The state-independent mixture the bandit benchmark starts from (over the pre-squash
/// point `u`; actions are `2 tanh(u)` in [-2, 2]).
package enum InitialMixture: Sendable, Equatable, Hashable {
    /// For each K: logits `0.6 sin(1.7 k + 0.3)` (unequal weights), means spread evenly
    /// over [-1.2, 1.2] (plus `0.05 cos k`; 0.3 for K = 1), log-stds
    /// `-0.85 + 0.45 cos(2.3 k + 0.5)` (standard deviations 0.27 to 0.67): the mixture of
    /// the `MixPolicy` estimator tests. Unequal weights and widths keep every parameter's
    /// gradient away from the zeros that a symmetric mixture would have.
    case spread
    /// Given values (each list has K entries; usable with a single K).
    case explicit(logits: [Double], means: [Double], logStds: [Double])

    /// The logits, means and log-stds for `componentCount` components.
    package func parameters(componentCount k: Int) throws(VarianceError) -> (logits: [Double], means: [Double], logStds: [Double]) {
        switch self {
        case .spread:
            let logits = (0..<k).map { 0.6 * sin(1.7 * Double($0) + 0.3) }
            let means = (0..<k).map { k == 1 ? 0.3 : -1.2 + 2.4 * Double($0) / Double(k - 1) + 0.05 * cos(Double($0)) }
            let logStds = (0..<k).map { -0.85 + 0.45 * cos(2.3 * Double($0) + 0.5) }
            return (logits, means, logStds)
        case let .explicit(logits, means, logStds):
            guard logits.count == k, means.count == k, logStds.count == k else {
                throw .initialMixtureMismatch("K = \(k) needs \(k) logits, means and log-stds, got \(logits.count), \(means.count) and \(logStds.count)")
            }
            guard (logits + means + logStds).allSatisfy(\.isFinite) else {
                throw .initialMixtureMismatch("every logit, mean and log-std must be finite")
            }
            return (logits, means, logStds)
        }
    }
}

/// A bandit problem of the benchmark: a reward surface, the initial mixture, the temperature.
package struct BanditProblem: Sendable, Equatable {
    /// Which bandit.
    package var bandit: BanditName
    /// The policy whose gradient is estimated.
    package var initialMixture: InitialMixture
    /// The entropy temperature alpha of the soft objective.
    package var alpha: Double

    /// A bandit problem (alpha 0.2 by default, as in the estimator tests).
    package init(bandit: BanditName, initialMixture: InitialMixture = .spread, alpha: Double = 0.2) {
        self.bandit = bandit
        self.initialMixture = initialMixture
        self.alpha = alpha
    }

    /// Half-width and centre of the action interval [-2, 2].
    static let actionScale = 2.0, actionBias = 0.0

    /// The exact reference: the gradient of the actor loss `-J` with respect to
    /// (logits, means, log-stds) by quadrature over the expected reward.
    package func exactReference(componentCount k: Int) throws(VarianceError) -> ExactSoftObjective {
        let p = try initialMixture.parameters(componentCount: k)
        let reward = bandit.reward
        // A tenth of the narrowest bump's width in u (a = 2 tanh u, da/du = 2 sech^2 u at the centre).
        let widths = reward.modes.map { mode -> Double in
            let t = min(abs(mode.center - Self.actionBias) / Self.actionScale, 0.999)
            return mode.width / (Self.actionScale * (1 - t * t))
        }
        return ExactSoftObjective(logits: p.logits, means: p.means, logStds: p.logStds, scale: Self.actionScale,
                                  bias: Self.actionBias, alpha: alpha, panelWidth: min(0.004, 0.1 * (widths.min() ?? 0.04)),
                                  reward: { reward.expectedReward($0) })
    }

    /// What the estimators see at `componentCount` components: one state, the mixture's
    /// parameters, the squash to [-2, 2] and the reward as a critic.
    func estimationProblem(componentCount k: Int) throws(VarianceError) -> EstimationProblem<Double> {
        let p = try initialMixture.parameters(componentCount: k)
        let reward = bandit.reward
        return EstimationProblem(
            states: .zeros(Shape(1, 1)),
            logits: Tensor(shape: Shape(1, k), scalars: p.logits),
            means: Tensor(shape: Shape(1, k), scalars: p.means),
            logStds: Tensor(shape: Shape(1, k), scalars: p.logStds),
            squash: TanhSquash(uncheckedScale: [Self.actionScale], bias: [Self.actionBias]),
            alpha: alpha,
            makeCritic: { tape, random in BanditProblem.critic(reward, on: tape, random: random) })
    }

    /// The reward as a critic on the tape (the state is ignored). A deterministic surface
    /// is the sum of its bumps; a stochastic one pays, per row, `modes.count` times one
    /// mode drawn uniformly from `random` (as ``BanditReward/sampleReward(_:using:)``), so
    /// the estimators see the noise of single pulls.
    static func critic(_ reward: BanditReward, on tape: Tape<Double>, random: RandomSource) -> CriticFunction {
        { _, actions in
            let rows = tape.shape(of: actions)[0]
            guard reward.drawsOneModePerPull, !reward.modes.isEmpty else {
                var total: Variable?
                for mode in reward.modes {
                    let z = tape.affine(actions, scale: 1 / mode.width, shift: -mode.center / mode.width)
                    let bump = tape.scale(tape.exp(tape.scale(tape.square(z), by: -0.5)), by: mode.height)
                    total = total.map { tape.add($0, bump) } ?? bump
                }
                return total ?? tape.scale(actions, by: 0)
            }
            let count = reward.modes.count
            var centers = [Double](repeating: 0, count: rows), inverseWidths = centers, heights = centers
            for i in 0..<rows {
                let mode = reward.modes[min(Int(random.stream.uniform() * Double(count)), count - 1)]
                centers[i] = mode.center
                inverseWidths[i] = 1 / mode.width
                heights[i] = Double(count) * mode.height
            }
            let shape = Shape(rows, 1)
            let z = tape.multiply(tape.subtract(actions, tape.input(Tensor(shape: shape, scalars: centers))),
                                  tape.input(Tensor(shape: shape, scalars: inverseWidths)))
            return tape.multiply(tape.exp(tape.scale(tape.square(z), by: -0.5)), tape.input(Tensor(shape: shape, scalars: heights)))
        }
    }
}
