/// Why a variance benchmark request cannot run. Every case is raised while the request
/// is checked, before any gradient is sampled, and its description says what was asked
/// and what would be accepted.
package enum VarianceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Fewer than two estimates per row: a covariance needs at least two.
    case tooFewEstimates(Int)
    /// An empty list, or a value below its minimum (`option` names the command-line option).
    case invalidValue(option: String, message: String)
    /// An estimator name that does not exist.
    case unknownEstimator(String, known: [String])
    /// A bandit name that does not exist.
    case unknownBandit(String, known: [String])
    /// An estimator that cannot run at one of the requested component counts (RP with a
    /// mixture, a mixture-only estimator at K = 1, a leave-one-out baseline with no budget
    /// of at least two samples).
    case estimatorNotApplicable(estimator: String, componentCount: Int, reason: String)
    /// An explicit initial mixture whose lists do not have K entries.
    case initialMixtureMismatch(String)
    /// The checkpoint cannot be read or is not a MixRL checkpoint.
    case checkpointUnreadable(path: String, reason: String)
    /// The checkpoint's policy does not have the shape the request asks for.
    case policyShapeMismatch(String)
    /// LAPACK failed on a covariance matrix.
    case eigenDecompositionFailed(String)

    /// What was asked, what is wrong, and what would be accepted.
    package var description: String {
        switch self {
        case .tooFewEstimates(let n):
            "the number of estimates per row must be at least 2 (a covariance needs two samples), got \(n)"
        case let .invalidValue(option, message):
            "\(option): \(message)"
        case let .unknownEstimator(name, known):
            "unknown estimator '\(name)'; known estimators: \(known.joined(separator: ", "))"
        case let .unknownBandit(name, known):
            "unknown bandit '\(name)'; known bandits: \(known.joined(separator: ", "))"
        case let .estimatorNotApplicable(estimator, k, reason):
            "\(estimator) cannot run at K = \(k): \(reason)"
        case .initialMixtureMismatch(let message):
            "initial mixture: \(message)"
        case let .checkpointUnreadable(path, reason):
            "checkpoint \(path): \(reason)"
        case .policyShapeMismatch(let message):
            "policy shape: \(message)"
        case .eigenDecompositionFailed(let message):
            "eigen-decomposition of a covariance failed: \(message)"
        }
    }
}
