/// A trainable tensor: its value and the gradient of the last backward pass, living
/// outside any ``Tape`` and bound into one with ``Tape/bind(_:frozen:)``.
///
/// A reference type, because the tape writes the gradient and the optimizer updates the
/// value in place (no copies). Not thread-safe: one task uses a parameter at a time.
public final class Parameter<Scalar: TensorScalar> {
    /// The name under which the parameter is saved (`0.weight`, `2.bias`, ...).
    public let name: String
    /// The current value; optimizers update it in place.
    public var value: Tensor<Scalar>
    /// d loss / d value from the last backward pass that reached it (zeros initially).
    public var gradient: Tensor<Scalar>

    /// Creates a parameter with a zero gradient of the value's shape.
    public init(name: String, value: Tensor<Scalar>) {
        self.name = name
        self.value = value
        gradient = Tensor.zeros(value.shape)
    }

    /// A new parameter with a copy of this one's value (and a zero gradient).
    public func copy() -> Parameter {
        var v = Tensor<Scalar>.zeros(value.shape)
        v.copyElements(from: value)
        return Parameter(name: name, value: v)
    }
}

/// An ordered collection of ``Parameter``s (a network's, or several networks' for one
/// optimizer) with the whole-network operations of an RL update. None of them allocates,
/// not even on the heap: the loops index the arrays (a `zip` in unspecialized generic
/// code cost one `malloc` per parameter).
public struct ParameterSet<Scalar: TensorScalar>: RandomAccessCollection {
    /// The parameters, in order.
    public let elements: [Parameter<Scalar>]

    /// A set of the given parameters. Names must be unique (they key saved files).
    public init(_ parameters: [Parameter<Scalar>]) {
        var seen = Set<String>()
        for p in parameters {
            graphRequire(seen.insert(p.name).inserted, "duplicate parameter name \"\(p.name)\"")
        }
        elements = parameters
    }

    /// The union of several sets in order (for example both critics under one optimizer).
    public init(joining sets: [ParameterSet<Scalar>]) { self.init(sets.flatMap(\.elements)) }

    /// The first position (0).
    public var startIndex: Int { elements.startIndex }
    /// One past the last position.
    public var endIndex: Int { elements.endIndex }
    /// The parameter at `position` (O(1)).
    public subscript(position: Int) -> Parameter<Scalar> { elements[position] }

    /// The total number of scalars.
    public var scalarCount: Int { elements.reduce(0) { $0 + $1.value.count } }

    /// The parameter called `name`, if any (linear search).
    public func parameter(named name: String) -> Parameter<Scalar>? { elements.first { $0.name == name } }

    /// Copies every value of `source` (same order and shapes) into this set's buffers:
    /// initializing a target network. One pass, no allocation.
    public func copyValues(from source: ParameterSet<Scalar>) {
        graphRequire(count == source.count, "copyValues from \(source.count) parameters into \(count)")
        for k in elements.indices where elements[k] !== source.elements[k] {
            elements[k].value.copyElements(from: source.elements[k].value)
        }
    }

    /// Polyak averaging toward `source`: `value = tau * source + (1 - tau) * value` for
    /// every parameter (the SAC target-network update, tau = 0.005). One fused pass per
    /// parameter, no allocation.
    public func polyakUpdate(toward source: ParameterSet<Scalar>, tau: Scalar) {
        graphRequire(count == source.count, "polyakUpdate toward \(source.count) parameters from \(count)")
        for k in elements.indices { elements[k].value.interpolate(toward: source.elements[k].value, fraction: tau) }
    }

    /// Sets every gradient to zero (only needed before ``Tape/backward(from:seed:accumulate:)``
    /// with `accumulate: true`; a plain backward pass overwrites gradients).
    public func zeroGradients() {
        for p in elements { p.gradient.prepare(shape: p.value.shape); p.gradient.setAll(0) }
    }

    /// The global L2 norm of all gradients (as used for clipping), accumulated in
    /// `Double` across parameters. One read pass.
    public func gradientNorm() -> Scalar {
        var s: Double = 0
        for p in elements { s += Double(p.gradient.sumOfSquares()) }
        return Scalar(s.squareRoot())
    }
}

extension Tensor {
    /// `self = (1 - fraction) * self + fraction * other` in place: Polyak averaging of a
    /// target network. One pass, no allocation when `self` is unshared.
    mutating func interpolate(toward other: Tensor, fraction: Scalar) {
        graphRequire(shape == other.shape, "interpolate: shapes \(shape) and \(other.shape) differ")
        let n = count
        other.withUnsafePointer { x in withUnsafeMutablePointer { GraphKernels.interpolate($0, toward: x, n, fraction) } }
    }
}

extension GraphKernels {
    /// `y = (1 - t) * y + t * x`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func interpolate<T: TensorScalar>(_ y: UnsafeMutablePointer<T>, toward x: UnsafePointer<T>, _ n: Int, _ t: T) {
        let keep = 1 - t
        for i in 0..<n { y[i] = t * x[i] + keep * y[i] }
    }
}
