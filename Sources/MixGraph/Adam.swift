/// Adam (Kingma and Ba, 2015) over a ``ParameterSet``, with optional clipping of the
/// global gradient norm.
///
/// Each step is one fused pass per parameter (read value, gradient and both moments;
/// write value and moments) and allocates nothing. The bias corrections `1 - beta^t`
/// are computed in `Double`, so they stay exact to `Scalar` precision for any step count.
public final class Adam<Scalar: TensorScalar> {
    /// The parameters updated by ``step()``.
    public let parameters: ParameterSet<Scalar>
    /// The step size (`alpha` in the paper).
    public var learningRate: Scalar
    /// Decay rate of the first-moment (mean) estimate.
    public var beta1: Scalar
    /// Decay rate of the second-moment (uncentered variance) estimate.
    public var beta2: Scalar
    /// Added to `sqrt(v_hat)` so the step stays bounded where gradients vanish.
    public var epsilon: Scalar
    /// When set, gradients are scaled by `maxGradientNorm / (norm + 1e-6)` whenever their
    /// global L2 norm exceeds it (as `torch.nn.utils.clip_grad_norm_`). The scaling is
    /// folded into the update; `parameter.gradient` itself is left unchanged. Costs one
    /// extra read pass over the gradients.
    public var maxGradientNorm: Scalar?
    /// The number of steps taken (`t` in the paper).
    public private(set) var stepCount: Int = 0
    /// The global gradient norm measured by the last step (only when clipping is on).
    public private(set) var lastGradientNorm: Scalar?

    var firstMoments: [Tensor<Scalar>]
    var secondMoments: [Tensor<Scalar>]

    /// An optimizer with zero moments. Defaults are the paper's and SAC's (3e-4).
    public init(parameters: ParameterSet<Scalar>, learningRate: Scalar = 3e-4, beta1: Scalar = 0.9,
                beta2: Scalar = 0.999, epsilon: Scalar = 1e-8, maxGradientNorm: Scalar? = nil) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.maxGradientNorm = maxGradientNorm
        firstMoments = parameters.map { Tensor.zeros($0.value.shape) }
        secondMoments = parameters.map { Tensor.zeros($0.value.shape) }
    }

    /// One update from the current `parameter.gradient`s:
    /// `m = beta1 m + (1 - beta1) g`, `v = beta2 v + (1 - beta2) g^2`,
    /// `value -= lr * m_hat / (sqrt(v_hat) + epsilon)` with `m_hat = m / (1 - beta1^t)`,
    /// `v_hat = v / (1 - beta2^t)`.
    public func step() {
        var scale: Scalar = 1
        if let maxNorm = maxGradientNorm {
            let norm = parameters.gradientNorm()
            lastGradientNorm = norm
            if norm > maxNorm { scale = maxNorm / (norm + 1e-6) }
        }
        stepCount += 1
        let t = Double(stepCount)
        let correction1 = 1 - Double.pow(Double(beta1), t)
        let correction2 = 1 - Double.pow(Double(beta2), t)
        let stepSize = Scalar(Double(learningRate) / correction1)
        let secondCorrection = Scalar(1 / correction2.squareRoot())
        for k in parameters.indices {
            let p = parameters[k]
            Tensor.adamUpdate(&p.value, gradient: p.gradient, firstMoment: &firstMoments[k], secondMoment: &secondMoments[k],
                              gradientScale: scale, beta1: beta1, beta2: beta2, stepSize: stepSize,
                              secondMomentCorrection: secondCorrection, epsilon: epsilon)
        }
    }

    /// The optimizer's state: enough to continue bit-exactly after ``restore(_:)``.
    public var state: AdamState<Scalar> {
        AdamState(stepCount: stepCount, names: parameters.map(\.name),
                  firstMoments: firstMoments, secondMoments: secondMoments)
    }

    /// Continues from a saved state (moments copied into this optimizer's buffers). The
    /// state must come from an optimizer over parameters of the same names and shapes;
    /// anything else stops the program with the first mismatch (files are checked with
    /// typed errors when loaded, see ``load(from:)``).
    public func restore(_ state: AdamState<Scalar>) {
        graphRequire(state.names == parameters.map(\.name),
                     "Adam state for parameters \(state.names) restored into an optimizer over \(parameters.map(\.name))")
        for k in parameters.indices {
            firstMoments[k].copyElements(from: state.firstMoments[k])
            secondMoments[k].copyElements(from: state.secondMoments[k])
        }
        stepCount = state.stepCount
    }
}

/// A snapshot of ``Adam``'s state: the step count and both moment estimates per
/// parameter (the tensors share storage with the optimizer until it next steps).
public struct AdamState<Scalar: TensorScalar>: Equatable, Sendable {
    /// Steps taken (`t`).
    public var stepCount: Int
    /// Parameter names, in the optimizer's order.
    public var names: [String]
    /// First-moment estimates `m`, one per parameter.
    public var firstMoments: [Tensor<Scalar>]
    /// Second-moment estimates `v`, one per parameter.
    public var secondMoments: [Tensor<Scalar>]

    /// A state from its parts (moment tensors in the order of `names`).
    public init(stepCount: Int, names: [String], firstMoments: [Tensor<Scalar>], secondMoments: [Tensor<Scalar>]) {
        self.stepCount = stepCount
        self.names = names
        self.firstMoments = firstMoments
        self.secondMoments = secondMoments
    }
}

extension Tensor {
    /// One fused Adam update of `parameter` in place (Kingma and Ba, Algorithm 1):
    /// `g' = gradientScale * g`, `m = beta1 m + (1 - beta1) g'`,
    /// `v = beta2 v + (1 - beta2) g'^2`,
    /// `p -= stepSize * m / (sqrt(v) * secondMomentCorrection + epsilon)`,
    /// with `stepSize = lr / (1 - beta1^t)` and `secondMomentCorrection = 1 / sqrt(1 - beta2^t)`,
    /// so the denominator is `sqrt(v_hat) + epsilon` exactly as in the paper.
    /// One pass reading four tensors and writing three; the gradient is not modified.
    static func adamUpdate(_ parameter: inout Tensor, gradient: Tensor,
                           firstMoment: inout Tensor, secondMoment: inout Tensor,
                           gradientScale: Scalar, beta1: Scalar, beta2: Scalar,
                           stepSize: Scalar, secondMomentCorrection: Scalar, epsilon: Scalar) {
        graphRequire(parameter.shape == gradient.shape && parameter.shape == firstMoment.shape && parameter.shape == secondMoment.shape,
                     "adamUpdate: parameter \(parameter.shape), gradient \(gradient.shape), moments \(firstMoment.shape), \(secondMoment.shape)")
        let n = parameter.count
        parameter.withUnsafeMutablePointer { p in firstMoment.withUnsafeMutablePointer { m in
            secondMoment.withUnsafeMutablePointer { v in gradient.withUnsafePointer { g in
                GraphKernels.adam(p, g, m, v, n, gradientScale: gradientScale, beta1: beta1, beta2: beta2, stepSize: stepSize,
                                  correction: secondMomentCorrection, epsilon: epsilon)
            } }
        } }
    }
}

extension GraphKernels {
    /// One Adam step over `n` scalars; see ``Tensor/adamUpdate(_:gradient:firstMoment:secondMoment:gradientScale:beta1:beta2:stepSize:secondMomentCorrection:epsilon:)``.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func adam<T: TensorScalar>(_ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>,
                                      _ m: UnsafeMutablePointer<T>, _ v: UnsafeMutablePointer<T>, _ n: Int,
                                      gradientScale: T, beta1: T, beta2: T, stepSize: T, correction: T, epsilon: T) {
        let c1 = 1 - beta1, c2 = 1 - beta2
        for i in 0..<n {
            let gi = g[i] * gradientScale
            let mi = beta1 * m[i] + c1 * gi
            let vi = beta2 * v[i] + c2 * (gi * gi)
            m[i] = mi
            v[i] = vi
            // `abs` is exact here (v >= 0, NaN stays NaN) and lets LLVM prove the square
            // root cannot set errno, so it becomes a vector instruction instead of a
            // guarded scalar call to `sqrtf` (Linux compiles with -fmath-errno): 10x faster.
            p[i] -= stepSize * mi / (Swift.abs(vi).squareRoot() * correction + epsilon)
        }
    }
}
