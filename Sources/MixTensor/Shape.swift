/// The shape of a dense row-major tensor: up to four dimensions, stored inline.
///
/// A shape is a value with no heap storage, so creating, comparing and passing
/// shapes inside a training step allocates nothing. The fixed-arity initializers
/// (`Shape(rows, columns)`) and ``replacing(axis:with:)`` never touch the heap; the
/// array-taking forms exist for convenience off the hot path.
public struct Shape: Hashable, Sendable, CustomStringConvertible {
    /// The maximum number of dimensions a tensor may have.
    public static let maxRank = 4

    /// The number of dimensions.
    public let rank: Int
    // Unused trailing dimensions are 1, so `count` is a plain product.
    @usableFromInline let d0: Int, d1: Int, d2: Int, d3: Int

    @inlinable init(rank: Int, _ d0: Int, _ d1: Int, _ d2: Int, _ d3: Int) {
        require(d0 >= 0 && d1 >= 0 && d2 >= 0 && d3 >= 0,
                     "MixTensor: negative dimension in shape \(Shape.describe(rank, d0, d1, d2, d3))")
        self.rank = rank
        self.d0 = d0; self.d1 = d1; self.d2 = d2; self.d3 = d3
    }

    /// A rank-0 shape (one element).
    @inlinable public init() { self.init(rank: 0, 1, 1, 1, 1) }
    /// A rank-1 shape.
    @inlinable public init(_ d0: Int) { self.init(rank: 1, d0, 1, 1, 1) }
    /// A rank-2 shape (rows, columns).
    @inlinable public init(_ d0: Int, _ d1: Int) { self.init(rank: 2, d0, d1, 1, 1) }
    /// A rank-3 shape.
    @inlinable public init(_ d0: Int, _ d1: Int, _ d2: Int) { self.init(rank: 3, d0, d1, d2, 1) }
    /// A rank-4 shape.
    @inlinable public init(_ d0: Int, _ d1: Int, _ d2: Int, _ d3: Int) { self.init(rank: 4, d0, d1, d2, d3) }

    /// Creates a shape from an array of dimensions (at most ``maxRank``, each non-negative).
    public init(_ dims: [Int]) {
        require(dims.count <= Shape.maxRank, "MixTensor: rank \(dims.count) exceeds \(Shape.maxRank) in shape \(dims)")
        self.init(rank: dims.count,
                  dims.count > 0 ? dims[0] : 1, dims.count > 1 ? dims[1] : 1,
                  dims.count > 2 ? dims[2] : 1, dims.count > 3 ? dims[3] : 1)
    }

    /// The size of dimension `i`.
    @inlinable public subscript(i: Int) -> Int {
        require(i >= 0 && i < rank, "MixTensor: axis \(i) out of range for shape \(self)")
        switch i {
        case 0: return d0
        case 1: return d1
        case 2: return d2
        default: return d3
        }
    }

    /// The dimensions as an array (allocates; not for hot paths).
    public var dims: [Int] { (0..<rank).map { self[$0] } }

    /// The number of elements.
    @inlinable public var count: Int { d0 * d1 * d2 * d3 }

    /// Rows and columns of the matrix view: all leading dimensions folded into rows,
    /// the last dimension as columns. A rank-0 shape is 1 x 1; a rank-1 shape `[n]` is 1 x n.
    @inlinable public var matrixView: (rows: Int, columns: Int) {
        switch rank {
        case 0: return (1, 1)
        case 1: return (1, d0)
        case 2: return (d0, d1)
        case 3: return (d0 * d1, d2)
        default: return (d0 * d1 * d2, d3)
        }
    }

    /// The decomposition (outer, length, inner) around `axis`, used by reductions.
    @inlinable public func split(at axis: Int) -> (outer: Int, length: Int, inner: Int) {
        require(axis >= 0 && axis < rank, "MixTensor: axis \(axis) out of range for shape \(self)")
        var outer = 1, inner = 1
        for i in 0..<axis { outer *= self[i] }
        for i in (axis + 1)..<rank { inner *= self[i] }
        return (outer, self[axis], inner)
    }

    /// This shape with dimension `axis` replaced by `size` (no allocation).
    @inlinable public func replacing(axis: Int, with size: Int) -> Shape {
        require(axis >= 0 && axis < rank, "MixTensor: axis \(axis) out of range for shape \(self)")
        return Shape(rank: rank, axis == 0 ? size : d0, axis == 1 ? size : d1,
                     axis == 2 ? size : d2, axis == 3 ? size : d3)
    }

    /// `[d0, d1, ...]`, for example `[256, 17]` (`[]` for rank 0).
    public var description: String { Shape.describe(rank, d0, d1, d2, d3) }

    @usableFromInline static func describe(_ rank: Int, _ d0: Int, _ d1: Int, _ d2: Int, _ d3: Int) -> String {
        "[" + [d0, d1, d2, d3].prefix(rank).map(String.init).joined(separator: ", ") + "]"
    }
}

/// Stops the program with `message` when `condition` is false, in every build
/// configuration.
///
/// `precondition` drops its message in optimized builds (it traps with "illegal
/// instruction" and nothing else), and MixRL runs optimized. A shape mismatch must say
/// which shapes met, so MixTensor checks through `fatalError`, which always prints.
/// The message is an autoclosure: a passing check costs one branch.
///
/// Every module of the package checks programmer errors through this (and
/// ``requirementFailure(_:file:line:)``) rather than `precondition`; user-facing failures
/// are typed errors instead.
@inlinable @inline(__always)
package func require(_ condition: Bool, _ message: @autoclosure () -> String,
                     file: StaticString = #fileID, line: UInt = #line) {
    if _slowPath(!condition) { requirementFailure(message(), file: file, line: line) }
}

/// Stops the program with `message`, in every build configuration (see ``require(_:_:file:line:)``).
@usableFromInline @inline(never)
package func requirementFailure(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    fatalError(message, file: file, line: line)
}
