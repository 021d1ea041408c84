/// The shape of a dense row-major tensor: up to four dimensions, stored inline.
///
/// A shape is a value with no heap storage, so creating, comparing and passing
/// shapes inside a training step allocates nothing.
public struct Shape: Hashable, Sendable, CustomStringConvertible {
    /// The maximum number of dimensions a tensor may have.
    public static let maxRank = 4

    /// The number of dimensions.
    public let rank: Int
    @usableFromInline let d0: Int, d1: Int, d2: Int, d3: Int

    /// Creates a shape from its dimensions (at most ``maxRank``, each non-negative).
    public init(_ dims: Int...) { self.init(dims) }

    /// Creates a shape from an array of dimensions (at most ``maxRank``, each non-negative).
    public init(_ dims: [Int]) {
        precondition(dims.count <= Shape.maxRank, "MixTensor: rank \(dims.count) exceeds \(Shape.maxRank) in shape \(dims)")
        precondition(dims.allSatisfy { $0 >= 0 }, "MixTensor: negative dimension in shape \(dims)")
        rank = dims.count
        d0 = dims.count > 0 ? dims[0] : 1
        d1 = dims.count > 1 ? dims[1] : 1
        d2 = dims.count > 2 ? dims[2] : 1
        d3 = dims.count > 3 ? dims[3] : 1
    }

    /// The size of dimension `i`.
    @inlinable public subscript(i: Int) -> Int {
        precondition(i >= 0 && i < rank, "MixTensor: axis \(i) out of range for shape \(self)")
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
        default: let c = self[rank - 1]; return (c == 0 ? 0 : count / c, c)
        }
    }

    /// The decomposition (outer, length, inner) around `axis`, used by reductions.
    @inlinable public func split(at axis: Int) -> (outer: Int, length: Int, inner: Int) {
        precondition(axis >= 0 && axis < rank, "MixTensor: axis \(axis) out of range for shape \(self)")
        var outer = 1, inner = 1
        for i in 0..<axis { outer *= self[i] }
        for i in (axis + 1)..<rank { inner *= self[i] }
        return (outer, self[axis], inner)
    }

    /// This shape with dimension `axis` replaced by `size`.
    public func replacing(axis: Int, with size: Int) -> Shape {
        var d = dims
        d[axis] = size
        return Shape(d)
    }

    public var description: String { "[" + dims.map(String.init).joined(separator: ", ") + "]" }
}
