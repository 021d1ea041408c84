import MixGraph

/// Finite-difference gradient checking in Double, independent of the tape's backward
/// rules: the loss `sum(R * f(inputs))` with a fixed random projection `R` (so every
/// output element matters) is evaluated by forward passes only, with central differences
/// `(L(x + h e_i) - L(x - h e_i)) / 2h`, and compared with the tape's gradient.
struct GradientCheck {
    /// The largest relative error over the inputs, `|analytic - numeric| / max(|analytic|, |numeric|)`
    /// in the Euclidean norm of each input's gradient.
    var worstRelativeError: Double
    /// Per input: (analytic, numeric).
    var gradients: [(analytic: [Double], numeric: [Double])]

    static let step = 1e-5

    /// Builds the graph with `build(tape, inputVariables)`; inputs are bound as parameters.
    init(_ inputs: [Tensor<Double>], seed: UInt64 = 7, _ build: (Tape<Double>, [Variable]) -> Variable) {
        let parameters = inputs.enumerated().map { Parameter(name: "x\($0.offset)", value: $0.element) }
        let tape = Tape<Double>()
        var rng = RandomStream(seed: seed)
        var projection: Tensor<Double>?

        func loss() -> Variable {
            tape.reset()
            let vars = parameters.map { tape.bind($0) }
            let out = build(tape, vars)
            let shape = tape.shape(of: out)
            if shape.count == 1 && shape.rank == 0 { return out }
            if projection == nil || projection?.shape != shape {
                projection = Tensor.randomUniform(shape, lower: -1, upper: 1, using: &rng)
            }
            guard let r = projection else { return out }
            return tape.sum(tape.multiply(out, tape.input(r)))
        }

        let l = loss()
        tape.backward(from: l)
        let analytic = parameters.map { $0.gradient.scalars }

        var numeric: [[Double]] = []
        for p in parameters {
            var g = [Double](repeating: 0, count: p.value.count)
            for k in 0..<p.value.count {
                let original = p.value.withUnsafePointer { $0[k] }
                p.value.withUnsafeMutablePointer { $0[k] = original + GradientCheck.step }
                let plus = tape.value(of: loss()).scalar
                p.value.withUnsafeMutablePointer { $0[k] = original - GradientCheck.step }
                let minus = tape.value(of: loss()).scalar
                p.value.withUnsafeMutablePointer { $0[k] = original }
                g[k] = (plus - minus) / (2 * GradientCheck.step)
            }
            numeric.append(g)
        }

        var worst = 0.0
        for (a, n) in zip(analytic, numeric) {
            var diff = 0.0, na = 0.0, nn = 0.0
            for (x, y) in zip(a, n) { diff += (x - y) * (x - y); na += x * x; nn += y * y }
            let scale = max(na.squareRoot(), nn.squareRoot())
            worst = max(worst, scale < 1e-12 ? diff.squareRoot() : diff.squareRoot() / scale)
        }
        worstRelativeError = worst
        gradients = zip(analytic, numeric).map { ($0, $1) }
    }
}

/// Random test inputs.
struct Inputs {
    var rng: RandomStream

    init(seed: UInt64) { rng = RandomStream(seed: seed) }

    /// Uniform in [-2, 2].
    mutating func any(_ shape: Shape) -> Tensor<Double> { Tensor.randomUniform(shape, lower: -2, upper: 2, using: &rng) }

    /// Uniform in [0.5, 2].
    mutating func positive(_ shape: Shape) -> Tensor<Double> { Tensor.randomUniform(shape, lower: 0.5, upper: 2, using: &rng) }

    /// Magnitude in [0.1, 2] with a random sign: away from the kinks of relu and abs at 0.
    mutating func awayFromZero(_ shape: Shape) -> Tensor<Double> {
        var t = Tensor<Double>.randomUniform(shape, lower: 0.1, upper: 2, using: &rng)
        let signs = Tensor<Double>.randomUniform(shape, lower: 0, upper: 1, using: &rng)
        t.withUnsafeMutablePointer { p in signs.withUnsafePointer { s in
            for i in 0..<shape.count where s[i] < 0.5 { p[i] = -p[i] }
        } }
        return t
    }
}
