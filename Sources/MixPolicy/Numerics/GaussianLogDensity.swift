/// The log-density of diagonal Gaussians, row by row: the one formula every Gaussian and
/// mixture density in MixPolicy is built from.
///
/// `sum_d log N(u_d; mu_d, sigma_d) = -1/2 sum_d ((u_d - mu_d) / sigma_d)^2 - sum_d log sigma_d - d/2 log(2 pi)`,
/// computed from the log-std (never from `log(sigma)` of a rounded `sigma`), with the
/// standardized residual formed before squaring so that nothing overflows for the
/// bounded log-stds of a policy (`sigma >= exp(-5)`).
enum GaussianLogDensity {
    /// Rows of `u`, `means` and `logStds` (all `[n, d]`) to `[n, 1]`.
    static func rows<Scalar>(_ u: Variable, means: Variable, logStds: Variable, on tape: Tape<Scalar>) -> Variable {
        let d = tape.shape(of: u)[1]
        let z = tape.divide(tape.subtract(u, means), tape.exp(logStds))
        let perDimension = tape.subtract(tape.scale(tape.square(z), by: -0.5), logStds)
        return tape.shift(tape.sum(perDimension, axis: 1), by: Scalar(-0.5 * Double(d) * Double.log(2 * Double.pi)))
    }

    /// The exact entropy `sum_d log sigma_d + d/2 (1 + log(2 pi))` per row of `logStds` (`[n, d]` to `[n, 1]`).
    static func entropy<Scalar>(logStds: Variable, on tape: Tape<Scalar>) -> Variable {
        let d = tape.shape(of: logStds)[1]
        return tape.shift(tape.sum(logStds, axis: 1), by: Scalar(0.5 * Double(d) * (1 + Double.log(2 * Double.pi))))
    }
}
