import Synchronization

/// A handle to one value recorded on a ``Tape``: the node's position on the tape plus a
/// stamp naming the tape and the step, so a handle kept past ``Tape/reset()`` or used on
/// another tape stops with a message instead of reading the wrong node.
public struct Variable: Hashable, Sendable, CustomStringConvertible {
    /// The node's position on its tape (in recording order).
    package let index: Int
    let stamp: UInt64

    /// `Variable(#index)`.
    public var description: String { "Variable(#\(index))" }
}

/// What a node computed; the backward rule is chosen from it (one switch,
/// `Tape.backwardRule`, calling the rule defined beside the operation in `Ops/`). A plain
/// enum (no closures, no arrays) so recording an operation allocates nothing.
enum NodeKind {
    case input(slot: Int)
    /// A leaf whose value lives in the node's own reused buffer, written by the caller
    /// when recorded (noise drawn in place); no gradient.
    case constant
    case parameter(slot: Int)
    case matmul(transposeA: Bool, transposeB: Bool)
    case batchedMatmul(transposeA: Bool, transposeB: Bool)
    /// `x Wᵀ + b`, with `relu` followed by ReLU in the same node.
    case linear(hasBias: Bool, relu: Bool)
    case unary(UnaryOp)
    case binary(BinaryOp)
    case reduce(ReductionOp, axis: Int)
    case reduceAll(mean: Bool)
    case normalize(NormalizationOp, axis: Int)
    /// Parts are `tape.extraInputs[first ..< first + count]`.
    case concatenate(axis: Int, first: Int, count: Int)
    case slice(axis: Int, lower: Int, upper: Int)
    /// Row indices are `tape.indexStorage[first ..< first + count]`.
    case gather(first: Int, count: Int)
    /// Views: no buffer of their own; the value is the input's, with `shape`.
    case reshape
    case stopGradient
    /// `tape.externals[slot]` computed the value and computes the input's gradient.
    case external(slot: Int)
}

/// One recorded operation with its input positions and its two reusable buffers.
struct Node<Scalar: TensorScalar> {
    var kind: NodeKind
    var a: Int, b: Int, c: Int
    var shape: Shape
    var requiresGradient: Bool
    var gradientWritten: Bool
    var value: Tensor<Scalar>
    var gradient: Tensor<Scalar>
}

private let tapeCounter = Atomic<UInt64>(0)

/// A reverse-mode automatic differentiation tape: every operation computes its value
/// now and records what it needs for its backward rule; ``backward(from:seed:accumulate:)``
/// walks the record in reverse.
///
/// **Buffer reuse.** ``reset()`` forgets the recorded graph but keeps each node's value
/// and gradient buffers, so the node recorded i-th in the next step writes into the
/// buffers of the i-th node of the previous one. When a step repeats the same
/// operations on the same shapes, it allocates no tensor storage at all
/// (`AllocationCounter.bufferCount` does not move); shapes that change reuse a buffer
/// when it is large enough.
///
/// **Leaves.** Data enters through ``input(_:requiresGradient:)`` (shared, O(1)) and
/// trainable tensors through ``bind(_:frozen:)``: a ``Parameter`` lives outside the
/// tape; its gradient is written straight into `parameter.gradient`.
///
/// **Gradients.** Each node's gradient is written by the first backward rule that
/// reaches it and accumulated by the others, so a value used several times gets the sum
/// of its contributions with no zeroing pass. Nodes that do not depend on a trainable
/// leaf are never differentiated.
///
/// **Cost.** Recording is generic code; the entry points carry
/// `@_specialize(where Scalar == Float/Double)`, so a call from generic layers pays one
/// type check and then runs specialized bookkeeping: forward plus backward of one
/// node costs 0.4-0.8 us on tiny tensors (1.6-2.7 us unspecialized), most of it in
/// the MixTensor call.
///
/// Not thread-safe: one task records on a tape at a time.
public final class Tape<Scalar: TensorScalar> {
    var nodes: [Node<Scalar>] = []
    /// The number of nodes recorded since the last ``reset()``.
    public private(set) var count = 0
    var inputs: [Tensor<Scalar>] = []
    var parameters: [Parameter<Scalar>] = []
    var parameterNodes: [Int] = []
    var parameterFrozen: [Bool] = []
    var parameterWritten: [Bool] = []
    var extraInputs: [Int] = []
    var indexStorage: [Int32] = []
    var externals: [any ExternalFunction<Scalar>] = []
    let id: UInt64
    var generation: UInt64 = 0
    /// Shared by fresh nodes so that their first `prepare` allocates a buffer of their own.
    let placeholder: Tensor<Scalar>

    /// Creates an empty tape.
    public init() {
        id = tapeCounter.add(1, ordering: .relaxed).newValue
        placeholder = Tensor.zeros(Shape(0))
    }

    var stamp: UInt64 { (id << 32) | (generation & 0xFFFF_FFFF) }

    /// Forgets the recorded graph (all ``Variable``s become invalid) and releases the
    /// tape's references to inputs and parameters, keeping the node buffers for the next
    /// step. Call it at the start of a step, before refilling the tensors passed to
    /// ``input(_:requiresGradient:)``, so that those refills do not copy. O(1) apart
    /// from dropping references.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func reset() {
        count = 0
        generation &+= 1
        inputs.removeAll(keepingCapacity: true)
        parameters.removeAll(keepingCapacity: true)
        parameterNodes.removeAll(keepingCapacity: true)
        parameterFrozen.removeAll(keepingCapacity: true)
        parameterWritten.removeAll(keepingCapacity: true)
        extraInputs.removeAll(keepingCapacity: true)
        indexStorage.removeAll(keepingCapacity: true)
        externals.removeAll(keepingCapacity: true)
    }

    /// ``reset()`` and also frees every node buffer (the next step allocates again).
    public func releaseBuffers() {
        reset()
        nodes.removeAll()
    }

    // MARK: Recording

    func variable(_ i: Int) -> Variable { Variable(index: i, stamp: stamp) }

    @inline(__always)
    func index(_ v: Variable) -> Int {
        graphRequire(v.stamp == stamp && v.index < count,
                     "\(v) is not on this tape in its current step (kept past reset(), or from another tape)")
        return v.index
    }

    /// Appends a node, reusing the buffers of the node recorded at the same position last step.
    func push(_ kind: NodeKind, _ a: Int = -1, _ b: Int = -1, _ c: Int = -1, requiresGradient: Bool) -> Int {
        let i = count
        if i == nodes.count {
            nodes.append(Node(kind: kind, a: a, b: b, c: c, shape: Shape(), requiresGradient: requiresGradient,
                              gradientWritten: false, value: placeholder, gradient: placeholder))
        } else {
            nodes[i].kind = kind
            nodes[i].a = a; nodes[i].b = b; nodes[i].c = c
            nodes[i].requiresGradient = requiresGradient
            nodes[i].gradientWritten = false
        }
        count = i + 1
        return i
    }

    /// Records that node `i` finished its forward computation into its own buffer.
    @inline(__always)
    func finish(_ i: Int) -> Variable {
        nodes[i].shape = nodes[i].value.shape
        return variable(i)
    }

    /// The current value of node `i` (O(1), shares storage).
    func value(_ i: Int) -> Tensor<Scalar> {
        switch nodes[i].kind {
        case .input(let slot): return inputs[slot]
        case .parameter(let slot): return parameters[slot].value
        case .reshape, .stopGradient: return value(nodes[i].a).reshaped(nodes[i].shape)
        default: return nodes[i].value
        }
    }

    // MARK: Leaves

    /// Records `tensor` as a leaf. The tape shares its storage (O(1), no copy) until the
    /// next ``reset()``. With `requiresGradient`, ``gradient(of:)`` returns d output / d
    /// tensor after a backward pass (for gradient checks and per-input sensitivities).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func input(_ tensor: Tensor<Scalar>, requiresGradient: Bool = false) -> Variable {
        inputs.append(tensor)
        let i = push(.input(slot: inputs.count - 1), requiresGradient: requiresGradient)
        nodes[i].shape = tensor.shape
        return variable(i)
    }

    /// Records a ``Parameter`` as a leaf (binding the same parameter again in the same
    /// step returns the same variable). A backward pass writes its gradient into
    /// `parameter.gradient`. With `frozen`, the parameter acts as a constant: gradients
    /// flow through it to other inputs (for example to the actions in an actor loss) but
    /// its own gradient is neither computed nor touched, which also skips the weight
    /// products of the backward pass.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func bind(_ parameter: Parameter<Scalar>, frozen: Bool = false) -> Variable {
        for slot in parameters.indices where parameters[slot] === parameter && parameterFrozen[slot] == frozen {
            return variable(parameterNodes[slot])
        }
        parameters.append(parameter)
        parameterFrozen.append(frozen)
        parameterWritten.append(false)
        let i = push(.parameter(slot: parameters.count - 1), requiresGradient: !frozen)
        parameterNodes.append(i)
        nodes[i].shape = parameter.value.shape
        return variable(i)
    }

    // MARK: Reading

    /// The value of `v` (O(1): shares the tape's buffer). Drop it before the next step,
    /// or the tape's node must allocate a fresh buffer instead of reusing this one.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func value(of v: Variable) -> Tensor<Scalar> { value(index(v)) }

    /// The shape of `v`.
    public func shape(of v: Variable) -> Shape { nodes[index(v)].shape }

    /// d output / d `v` from the last ``backward(from:seed:accumulate:)`` (O(1), shared).
    /// A bound parameter's gradient is `parameter.gradient`. A value the backward pass did
    /// not reach has gradient zero (returned as a new zero tensor).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func gradient(of v: Variable) -> Tensor<Scalar> {
        let i = index(v)
        if case .parameter(let slot) = nodes[i].kind, !parameterFrozen[slot] { return parameters[slot].gradient }
        if nodes[i].gradientWritten { return nodes[i].gradient }
        return Tensor.zeros(nodes[i].shape)
    }
}
