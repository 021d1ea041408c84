/// A differentiable function of one tape value whose forward and backward computations
/// the tape hands to an object: for work that runs outside the tape (on tapes of its
/// own, possibly on other threads) but must sit inside this tape's backward pass. SAC's
/// twin critics use it to run side by side.
///
/// The tape holds the object until its next ``Tape/reset()``.
package protocol ExternalFunction<Scalar>: AnyObject {
    /// The element type of the values.
    associatedtype Scalar: TensorScalar

    /// Writes `f(input)` into `output`, a buffer the tape reuses between steps (set its
    /// shape with `prepare(shape:)` or an `into:` kernel; its old contents are unspecified).
    func forward(_ input: Tensor<Scalar>, into output: inout Tensor<Scalar>)

    /// Writes the vector-Jacobian product `(df/dinput)ᵀ outputGradient` into
    /// `inputGradient`, or adds it when `accumulate` is true (then `inputGradient`
    /// already has the input's shape). Called at most once per backward pass, after
    /// everything recorded later than this node, and only when the input needs a gradient.
    func backward(_ input: Tensor<Scalar>, output: Tensor<Scalar>, outputGradient: Tensor<Scalar>,
                  into inputGradient: inout Tensor<Scalar>, accumulate: Bool)
}

extension Tape {
    /// Records `function(x)`: runs `function.forward` now, into the node's reused buffer,
    /// and `function.backward` when a backward pass reaches the node. Costs what the
    /// function costs, plus one node.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    package func external(_ x: Variable, _ function: any ExternalFunction<Scalar>) -> Variable {
        let xi = index(x)
        let xv = value(xi)
        externals.append(function)
        let i = push(.external(slot: externals.count - 1), xi, requiresGradient: nodes[xi].requiresGradient)
        function.forward(xv, into: &nodes[i].value)
        return finish(i)
    }
}

extension Tape {
    /// The backward rule of ``external(_:_:)`` for node `i`: the object's own backward.
    func externalBackward(_ i: Int, slot: Int) {
        let a = nodes[i].a
        let g = nodes[i].gradient
        let x = value(a), y = nodes[i].value, function = externals[slot]
        writeGradient(a) { d, acc in function.backward(x, output: y, outputGradient: g, into: &d, accumulate: acc) }
    }
}
