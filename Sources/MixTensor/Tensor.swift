/// A dense row-major tensor of `Float` or `Double` with value semantics.
///
/// Storage is shared copy-on-write: copying a tensor is O(1) and the first mutation of
/// a shared tensor copies its buffer. Operations that write into an existing tensor
/// (the `into:` forms) reuse its buffer when it is uniquely referenced and large
/// enough, which is how the autodiff tape reaches zero allocations per step.
///
/// Shape mismatches are programmer errors: they stop the program with a message
/// naming both shapes.
public struct Tensor<Scalar: TensorScalar>: @unchecked Sendable {
    /// The tensor's dimensions.
    @inlinable public var shape: Shape { _shape }
    @usableFromInline var _shape: Shape
    @usableFromInline var storage: TensorStorage<Scalar>

    /// Creates a tensor of the given shape with every element set to `value`.
    public init(shape: Shape, repeating value: Scalar) {
        self._shape = shape
        storage = TensorStorage(capacity: shape.count)
        withElements { $0.initialize(repeating: value, count: shape.count) }
    }

    /// Creates a tensor of the given shape from row-major `scalars`.
    public init(shape: Shape, scalars: [Scalar]) {
        require(scalars.count == shape.count,
                     "MixTensor: \(scalars.count) scalars given for shape \(shape) (\(shape.count) elements)")
        self._shape = shape
        storage = TensorStorage(capacity: shape.count)
        withElements { _ = UnsafeMutableBufferPointer(start: $0, count: shape.count).initialize(from: scalars) }
    }

    /// Creates a rank-1 tensor from `scalars`.
    public init(_ scalars: [Scalar]) { self.init(shape: Shape(scalars.count), scalars: scalars) }

    /// Creates a rank-2 tensor from rows of equal length.
    public init(rows: [[Scalar]]) {
        let columns = rows.first?.count ?? 0
        require(rows.allSatisfy { $0.count == columns }, "MixTensor: ragged rows in Tensor(rows:)")
        self.init(shape: Shape(rows.count, columns), scalars: rows.flatMap { $0 })
    }

    /// Creates a rank-0 tensor holding one scalar.
    public init(scalar: Scalar) { self.init(shape: Shape(), repeating: scalar) }

    /// A tensor of zeros.
    public static func zeros(_ shape: Shape) -> Tensor { Tensor(shape: shape, repeating: 0) }
    /// A tensor of ones.
    public static func ones(_ shape: Shape) -> Tensor { Tensor(shape: shape, repeating: 1) }

    @usableFromInline init(uninitializedShape shape: Shape) {
        self._shape = shape
        storage = TensorStorage(capacity: shape.count)
    }

    /// The number of elements.
    @inlinable public var count: Int { shape.count }
    /// The number of dimensions.
    @inlinable public var rank: Int { shape.rank }

    /// The elements in row-major order (allocates an array).
    public var scalars: [Scalar] { withElements { Array(UnsafeBufferPointer(start: $0, count: count)) } }

    /// The single element of a one-element tensor.
    public var scalar: Scalar {
        require(count == 1, "MixTensor: .scalar on a tensor of shape \(shape)")
        return withElements { $0[0] }
    }

    /// Reads or writes the element at a multi-index (slow path; for tests and small tensors).
    public subscript(indices: Int...) -> Scalar {
        get { let i = flatIndex(indices); return withElements { $0[i] } }
        set {
            let i = flatIndex(indices)
            withUnsafeMutablePointer { $0[i] = newValue }
        }
    }

    func flatIndex(_ indices: [Int]) -> Int {
        require(indices.count == rank, "MixTensor: \(indices.count) indices for shape \(shape)")
        var flat = 0
        for (axis, i) in indices.enumerated() {
            require(i >= 0 && i < shape[axis], "MixTensor: index \(indices) out of range for shape \(shape)")
            flat = flat * shape[axis] + i
        }
        return flat
    }

    /// Calls `body` with a pointer to the elements for reading.
    @inlinable public func withUnsafePointer<R, E: Error>(_ body: (UnsafePointer<Scalar>) throws(E) -> R) throws(E) -> R {
        try withElements { (p) throws(E) -> R in try body(p) }
    }

    /// Calls `body` with a pointer to the elements for writing, copying the buffer
    /// first if it is shared.
    @inlinable public mutating func withUnsafeMutablePointer<R, E: Error>(_ body: (UnsafeMutablePointer<Scalar>) throws(E) -> R) throws(E) -> R {
        makeUnique()
        return try withElements { (p) throws(E) -> R in try body(p) }
    }

    @inlinable mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            let n = count
            storage = withElements { TensorStorage(copying: $0, count: n) }
        }
    }

    /// Gives this tensor the shape `shape`, reusing its buffer when it is unshared and
    /// large enough. The contents are unspecified afterwards. This is how buffers are
    /// recycled between training steps.
    @inlinable package mutating func prepare(shape newShape: Shape) {
        if isKnownUniquelyReferenced(&storage) && storage.capacity >= newShape.count {
            _shape = newShape
        } else {
            self = Tensor(uninitializedShape: newShape)
        }
    }

    /// The same elements viewed with another shape of equal element count (O(1)).
    public func reshaped(_ newShape: Shape) -> Tensor {
        require(newShape.count == count, "MixTensor: cannot reshape \(shape) to \(newShape)")
        var t = self
        t._shape = newShape
        return t
    }

    /// The same elements viewed with another shape of equal element count (O(1)).
    public func reshaped(_ dims: Int...) -> Tensor { reshaped(Shape(dims)) }

    /// Sets every element to `value`.
    @inlinable public mutating func fill(_ value: Scalar) {
        let n = count
        withUnsafeMutablePointer { $0.update(repeating: value, count: n) }
    }

    /// Copies `source` into this tensor, reshaping it to `source.shape` (reuses the buffer when possible).
    package mutating func assign(_ source: Tensor) {
        prepare(shape: source.shape)
        let n = count
        withElements { dst in source.withElements { dst.update(from: $0, count: n) } }
    }

    /// Converts the elements to another scalar type.
    public func converted<Other: TensorScalar>(to: Other.Type = Other.self) -> Tensor<Other> {
        var out = Tensor<Other>(uninitializedShape: shape)
        let n = count
        withElements { src in out.withUnsafeMutablePointer { dst in for i in 0..<n { dst[i] = Other(src[i]) } } }
        return out
    }
}

extension Tensor: Equatable {
    /// Two tensors are equal when their shapes and every element are equal.
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        guard lhs.shape == rhs.shape else { return false }
        let n = lhs.count
        return lhs.withElements { l in rhs.withElements { r in
            for i in 0..<n where l[i] != r[i] { return false }
            return true
        } }
    }
}

extension Tensor: CustomStringConvertible {
    /// `Tensor[shape](e0, e1, ...)` with at most the first 16 elements, for logs and test failures.
    public var description: String {
        let shown = scalars.prefix(16).map { "\($0)" }.joined(separator: ", ")
        return "Tensor\(shape)(\(shown)\(count > 16 ? ", ..." : ""))"
    }
}

/// Stops with a message naming both shapes when they differ.
@inlinable func checkSameShape(_ a: Shape, _ b: Shape, _ what: StaticString,
                              file: StaticString = #fileID, line: UInt = #line) {
    require(a == b, "MixTensor: \(what): shapes \(a) and \(b) differ", file: file, line: line)
}
