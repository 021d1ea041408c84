/// Why a distribution, a policy or a squash rejected the values it was given. The
/// ``description`` names the call, what it expected and what it got; nothing in MixPolicy
/// traps on a caller's shapes or bounds.
public enum DistributionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Values whose shapes do not fit together (`expected` and `got` in words, shapes as `[B, d]`).
    case shapeMismatch(operation: String, expected: String, got: String)
    /// Bounds, scales, sizes or indices outside what the call accepts.
    case invalidValue(operation: String, message: String)

    /// `operation: expected ..., got ...`, or `operation: message`.
    public var description: String {
        switch self {
        case let .shapeMismatch(operation, expected, got): "\(operation): expected \(expected), got \(got)"
        case let .invalidValue(operation, message): "\(operation): \(message)"
        }
    }
}
