/// One optimum of a multimodal task in action space: its centre and, per action
/// dimension, how far from the centre an action still counts as near it (the box
/// `center ± halfWidth`). Evaluations report the policy's probability mass in that box
/// (`eval/mode_mass_i`, docs/run-folder.md).
public struct ActionMode: Sendable, Equatable, Codable {
    /// The mode's centre, one entry per action dimension.
    public var center: [Double]
    /// Half the side of the box around ``center`` that counts as near, per action dimension.
    public var halfWidth: [Double]

    /// A mode at `center` with the box `center ± halfWidth` (one entry per action dimension).
    public init(center: [Double], halfWidth: [Double]) {
        self.center = center
        self.halfWidth = halfWidth
    }

    /// A mode at `center` with the same half-width in every dimension.
    public init(center: [Double], halfWidth: Double) {
        self.init(center: center, halfWidth: Array(repeating: halfWidth, count: center.count))
    }

    /// The box near this mode, `center ± halfWidth`, cut to `space` (an empty interval,
    /// `low >= high`, where the box lies outside the space).
    package func region(in space: BoxSpace) -> (low: [Double], high: [Double]) {
        var low: [Double] = [], high: [Double] = []
        for i in center.indices {
            let w = i < halfWidth.count ? halfWidth[i] : 0
            low.append(i < space.low.count ? max(center[i] - w, space.low[i]) : center[i] - w)
            high.append(i < space.high.count ? min(center[i] + w, space.high[i]) : center[i] + w)
        }
        return (low, high)
    }
}

/// An environment whose reward has known optima in action space, such as the bandits:
/// each evaluation then reports how much of the policy's probability sits near each mode
/// (``ActionMode``), which shows whether a mixture holds several modes even when its
/// deterministic action does not.
///
/// Conforming is enough: the wrappers (``TimeLimit``, ``RescaleAction``,
/// ``NormalizeObservation``, ``EpisodeStatistics``) pass the modes on through
/// ``Environment/declaredActionModes`` (``RescaleAction`` maps them into its box).
public protocol MultimodalEnvironment: Environment {
    /// The task's modes, in this environment's action space.
    var actionModes: [ActionMode] { get }
}

extension MultimodalEnvironment {
    /// ``actionModes``.
    public var declaredActionModes: [ActionMode] { actionModes }
}
