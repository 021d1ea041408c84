/// Why a landscape request cannot run (raised before any optimization, naming the option
/// at fault and what it accepts), or why a numerical step failed.
package enum LandscapeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A value outside what the option accepts.
    case invalidValue(option: String, message: String)
    /// A bandit name that does not exist.
    case unknownBandit(String, known: [String], suggestion: String?)
    /// LAPACK failed or the objective was not finite.
    case numerical(String)

    /// What was asked, what is wrong, and what would be accepted.
    package var description: String {
        switch self {
        case let .invalidValue(option, message):
            "\(option): \(message)"
        case let .unknownBandit(name, known, suggestion):
            "--bandit: unknown bandit '\(name)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
                + " (known bandits: \(known.joined(separator: ", ")))"
        case .numerical(let message):
            "numerical failure: \(message)"
        }
    }
}
