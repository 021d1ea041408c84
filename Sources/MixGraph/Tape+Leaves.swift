import MixTensor

/// Leaves that the tape owns: values written in place into a node's reused buffer, so
/// a step that draws fresh noise every time allocates nothing once warmed up (unlike
/// `input(Tensor.randomNormal(...))`, which allocates a tensor per step).
extension Tape {
    /// Records a leaf of `shape` whose elements `fill` writes into the node's own buffer
    /// (reused from the node recorded at the same position last step; its previous
    /// contents are unspecified, so `fill` must write every element). No gradient flows
    /// into it. `fill` must not use the tape.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func constant(shape: Shape, _ fill: (inout Tensor<Scalar>) -> Void) -> Variable {
        let i = push(.constant, requiresGradient: false)
        nodes[i].value.prepare(shape: shape)
        fill(&nodes[i].value)
        graphRequire(nodes[i].value.shape == shape, "a constant leaf of shape \(shape) was filled as \(nodes[i].value.shape)")
        return finish(i)
    }

    /// A leaf of independent standard normals of `shape`, drawn from `rng` in row-major
    /// order: the same draws, in the same order, as `Tensor.randomNormal(shape, using:)`,
    /// written into a reused buffer.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func randomNormal(_ shape: Shape, using rng: inout RandomStream) -> Variable {
        constant(shape: shape) { $0.fillNormal(using: &rng) }
    }
}
