import Foundation
import MixGraph
import Testing

/// Every tape operation against central finite differences in Double (relative error of
/// the whole gradient below 1e-6), on random inputs, with broadcasting and repeated use.
@Suite("Gradients match finite differences")
struct GradientTests {
    static let tolerance = 1e-6

    func expectPasses(_ check: GradientCheck, _ what: Comment, sourceLocation: SourceLocation = #_sourceLocation) {
        if ProcessInfo.processInfo.environment["MIXRL_PRINT_GRADIENT_ERRORS"] != nil { print("gradient check \(what): \(check.worstRelativeError)") }
        #expect(check.worstRelativeError < GradientTests.tolerance, what, sourceLocation: sourceLocation)
    }

    @Test func matmulWithEveryTransposition() {
        var r = Inputs(seed: 1)
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = r.any(ta ? Shape(4, 3) : Shape(3, 4)), b = r.any(tb ? Shape(5, 4) : Shape(4, 5))
            expectPasses(GradientCheck([a, b]) { t, v in t.matmul(v[0], transposed: ta, v[1], transposed: tb) },
                         "matmul transposeA \(ta) transposeB \(tb)")
        }
    }

    @Test func matmulOfStackedRowsFoldsIntoOneProduct() {
        var r = Inputs(seed: 2)
        let a = r.any(Shape(2, 3, 4)), b = r.any(Shape(4, 5)), bt = r.any(Shape(5, 4))
        expectPasses(GradientCheck([a, b]) { t, v in t.matmul(v[0], v[1]) }, "stacked matmul")
        expectPasses(GradientCheck([a, bt]) { t, v in t.matmul(v[0], transposed: false, v[1], transposed: true) }, "stacked matmul, transposed weight")
    }

    @Test func batchedMatmulWithEveryTransposition() {
        var r = Inputs(seed: 3)
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = r.any(ta ? Shape(2, 4, 3) : Shape(2, 3, 4)), b = r.any(tb ? Shape(2, 5, 4) : Shape(2, 4, 5))
            expectPasses(GradientCheck([a, b]) { t, v in t.batchedMatmul(v[0], transposed: ta, v[1], transposed: tb) },
                         "batchedMatmul transposeA \(ta) transposeB \(tb)")
        }
    }

    @Test func linearWithAndWithoutBias() {
        var r = Inputs(seed: 4)
        let x = r.any(Shape(6, 3)), w = r.any(Shape(4, 3)), b = r.any(Shape(4)), stacked = r.any(Shape(2, 3, 3))
        expectPasses(GradientCheck([x, w, b]) { t, v in t.linear(v[0], weight: v[1], bias: v[2]) }, "linear")
        expectPasses(GradientCheck([x, w]) { t, v in t.linear(v[0], weight: v[1]) }, "linear without bias")
        expectPasses(GradientCheck([stacked, w, b]) { t, v in t.linear(v[0], weight: v[1], bias: v[2]) }, "linear on stacked rows")
    }

    @Test("binary ops with every broadcast layout", arguments: [BinaryOp.add, .subtract, .multiply, .divide])
    func binaryBroadcasting(_ op: BinaryOp) {
        var r = Inputs(seed: 5)
        let layouts: [(Shape, Shape)] = [
            (Shape(3, 4), Shape(3, 4)), (Shape(3, 4), Shape(1, 4)), (Shape(3, 4), Shape(4)),
            (Shape(3, 4), Shape(3, 1)), (Shape(3, 4), Shape()), (Shape(3, 1), Shape(1, 4)),
            (Shape(1, 4), Shape(3, 4)), (Shape(2, 3, 4), Shape(4)),
        ]
        for (sa, sb) in layouts {
            let a = r.any(sa), b = op == .divide ? r.awayFromZero(sb) : r.any(sb)
            expectPasses(GradientCheck([a, b]) { t, v in
                switch op {
                case .add: return t.add(v[0], v[1])
                case .subtract: return t.subtract(v[0], v[1])
                case .multiply: return t.multiply(v[0], v[1])
                default: return t.divide(v[0], v[1])
                }
            }, "\(op) of \(sa) and \(sb)")
        }
    }

    @Test func minimumAndMaximumAwayFromTies() {
        var r = Inputs(seed: 6)
        let a = r.any(Shape(5, 3)), b = r.any(Shape(5, 3)), column = r.any(Shape(5, 1))
        expectPasses(GradientCheck([a, b]) { t, v in t.minimum(v[0], v[1]) }, "minimum")
        expectPasses(GradientCheck([a, b]) { t, v in t.maximum(v[0], v[1]) }, "maximum")
        expectPasses(GradientCheck([a, column]) { t, v in t.minimum(v[0], v[1]) }, "minimum with broadcasting")
    }

    @Test func minimumSplitsTiesEvenly() {
        let tape = Tape<Double>()
        let x = tape.input(Tensor([1, -2, 3]), requiresGradient: true)
        tape.backward(from: tape.sum(tape.minimum(x, x)))
        #expect(tape.gradient(of: x).scalars == [1, 1, 1])
    }

    @Test func unaryOps() {
        var r = Inputs(seed: 7)
        let any = r.any(Shape(4, 5)), positive = r.positive(Shape(4, 5)), offZero = r.awayFromZero(Shape(4, 5))
        let cases: [(String, Tensor<Double>, (Tape<Double>, Variable) -> Variable)] = [
            ("negate", any, { $0.negate($1) }), ("exp", any, { $0.exp($1) }), ("log", positive, { $0.log($1) }),
            ("tanh", any, { $0.tanh($1) }), ("relu", offZero, { $0.relu($1) }), ("softplus", any, { $0.softplus($1) }),
            ("sigmoid", any, { $0.sigmoid($1) }), ("square", any, { $0.square($1) }), ("sqrt", positive, { $0.sqrt($1) }),
            ("abs", offZero, { $0.abs($1) }), ("scale", any, { $0.scale($1, by: -1.5) }), ("shift", any, { $0.shift($1, by: 0.25) }),
            ("affine", any, { $0.affine($1, scale: 0.5, shift: 2) }),
            ("clamp", offZero, { $0.clamp($1, lower: -0.05, upper: 0.05) }),
            ("clamp", any, { $0.clamp($1, lower: -2.5, upper: 2.5) }),
        ]
        for (name, x, f) in cases {
            expectPasses(GradientCheck([x]) { t, v in f(t, v[0]) }, "\(name)")
        }
    }

    @Test func reductionsAlongEveryAxis() {
        var r = Inputs(seed: 8)
        let x = r.any(Shape(2, 3, 4))
        for axis in 0..<3 {
            expectPasses(GradientCheck([x]) { t, v in t.sum(v[0], axis: axis) }, "sum axis \(axis)")
            expectPasses(GradientCheck([x]) { t, v in t.mean(v[0], axis: axis) }, "mean axis \(axis)")
            expectPasses(GradientCheck([x]) { t, v in t.logSumExp(v[0], axis: axis) }, "logSumExp axis \(axis)")
            expectPasses(GradientCheck([x]) { t, v in t.softmax(v[0], axis: axis) }, "softmax axis \(axis)")
            expectPasses(GradientCheck([x]) { t, v in t.logSoftmax(v[0], axis: axis) }, "logSoftmax axis \(axis)")
        }
        expectPasses(GradientCheck([x]) { t, v in t.sum(v[0]) }, "sum of all")
        expectPasses(GradientCheck([x]) { t, v in t.mean(v[0]) }, "mean of all")
    }

    @Test func logSumExpOfLargeInputsStaysFinite() {
        var r = Inputs(seed: 9)
        var x = r.any(Shape(3, 4))
        x.withUnsafeMutablePointer { p in for i in 0..<12 { p[i] += 800 } }
        let check = GradientCheck([x]) { t, v in t.logSumExp(v[0], axis: 1) }
        #expect(check.worstRelativeError < GradientTests.tolerance)
        #expect(check.gradients[0].analytic.allSatisfy { $0.isFinite })
    }

    @Test func structuralOps() {
        var r = Inputs(seed: 10)
        let a = r.any(Shape(3, 4)), b = r.any(Shape(2, 4)), c = r.any(Shape(3, 2)), x = r.any(Shape(4, 3, 5))
        expectPasses(GradientCheck([a, b]) { t, v in t.concatenate([v[0], v[1], v[0]], axis: 0) }, "concatenate axis 0, repeated part")
        expectPasses(GradientCheck([a, c]) { t, v in t.concatenate(v[0], v[1], axis: 1) }, "concatenate axis 1")
        for axis in 0..<3 {
            let range = 1..<(x.shape[axis] - 1)
            expectPasses(GradientCheck([x]) { t, v in t.slice(v[0], axis: axis, range: range) }, "slice axis \(axis)")
        }
        expectPasses(GradientCheck([x]) { t, v in t.gather(v[0], rows: [3, 0, 3, 1]) }, "gather with a repeated row")
        expectPasses(GradientCheck([x]) { t, v in t.tanh(t.reshape(v[0], to: Shape(12, 5))) }, "reshape")
    }

    @Test func valuesUsedMoreThanOnce() {
        var r = Inputs(seed: 11)
        let x = r.any(Shape(3, 4)), w = r.any(Shape(4, 4))
        expectPasses(GradientCheck([x]) { t, v in t.multiply(v[0], v[0]) }, "x * x")
        expectPasses(GradientCheck([x]) { t, v in t.add(t.tanh(v[0]), t.multiply(t.exp(v[0]), v[0])) }, "tanh(x) + exp(x) x")
        expectPasses(GradientCheck([x]) { t, v in t.matmul(v[0], transposed: false, v[0], transposed: true) }, "x xᵀ")
        expectPasses(GradientCheck([x, w]) { t, v in
            let h = t.matmul(v[0], v[1])
            return t.subtract(t.matmul(h, v[1]), t.multiply(h, t.sum(h, axis: 1)))
        }, "x W W - (x W) * rowsum(x W)")
        expectPasses(GradientCheck([x]) { t, v in
            let s = t.softmax(v[0], axis: 1)
            return t.multiply(s, t.logSoftmax(v[0], axis: 1))
        }, "softmax * logSoftmax (an entropy term)")
    }

    @Test func stopGradientBlocksOnlyItsPath() {
        let tape = Tape<Double>()
        let x = tape.input(Tensor([1.5, -2, 0.5]), requiresGradient: true)
        // d/dx sum(x * stop(x)) = stop(x), not 2x.
        tape.backward(from: tape.sum(tape.multiply(x, tape.stopGradient(x))))
        #expect(tape.gradient(of: x).scalars == [1.5, -2, 0.5])
    }

    @Test func theCheckerCatchesAWrongGradient() {
        // x * stopGradient(x) has tape gradient x but finite-difference gradient 2x: the
        // check must see the difference (guards against a checker that always passes).
        var r = Inputs(seed: 14)
        let check = GradientCheck([r.any(Shape(3, 2))]) { t, v in t.multiply(v[0], t.stopGradient(v[0])) }
        #expect(check.worstRelativeError > 0.1)
    }

    @Test func inputGradientsAndVectorJacobianProducts() {
        var r = Inputs(seed: 12)
        let tape = Tape<Double>()
        let w = r.any(Shape(3, 2)), seed = r.any(Shape(4, 2)), xValue = r.any(Shape(4, 3))
        let x = tape.input(xValue, requiresGradient: true)
        let y = tape.matmul(x, tape.input(w))
        tape.backward(from: y, seed: seed)
        // d(sum(seed * x W))/dx = seed Wᵀ.
        let expected = Tensor.matmul(seed, transposed: false, w, transposed: true)
        for (a, b) in zip(tape.gradient(of: x).scalars, expected.scalars) { #expect(Swift.abs(a - b) < 1e-12) }
    }

    @Test func wholeMLPWithScalarLoss() {
        var rng = RandomStream(seed: 13)
        for activation in [Activation.tanh, .relu, .softplus] {
            let mlp = MLP<Double>(inputSize: 3, hiddenSizes: [6, 5], outputSize: 2, activation: activation,
                                  outputActivation: .identity, using: &rng)
            let x = Tensor<Double>.randomUniform(Shape(7, 3), lower: -1, upper: 1, using: &rng)
            let y = Tensor<Double>.randomUniform(Shape(7, 2), lower: -1, upper: 1, using: &rng)
            let values = mlp.parameters.map(\.value)
            let check = GradientCheck(values) { t, v in
                var h = t.input(x)
                for k in mlp.layers.indices {
                    h = t.linear(h, weight: v[2 * k], bias: v[2 * k + 1])
                    if k < mlp.layers.count - 1 { h = activation.applied(to: h, on: t) }
                }
                return t.mean(t.square(t.subtract(h, t.input(y))))
            }
            expectPasses(check, "MLP with \(activation)")
            // The layer API computes the same gradients as the hand-built graph.
            let tape = Tape<Double>()
            tape.backward(from: tape.mean(tape.square(tape.subtract(mlp(tape.input(x), on: tape), tape.input(y)))))
            for (p, g) in zip(mlp.parameters, check.gradients) {
                for (a, b) in zip(p.gradient.scalars, g.analytic) { #expect(Swift.abs(a - b) <= 1e-12 * max(1, Swift.abs(b))) }
            }
        }
    }
}

/// ReLU is fused into its linear layer's node (bias and activation in one pass, the
/// gradient masked in place): in `Float`, with widths that are not multiples of the
/// eight-lane loop, the fused MLP gives the bits of separate linear and ReLU nodes.
@Test func fusedLinearReLUGivesTheBitsOfSeparateNodes() {
    var rng = RandomStream(seed: 21)
    let mlp = MLP<Float>(inputSize: 5, hiddenSizes: [13, 16], outputSize: 3, activation: .relu,
                         outputActivation: .identity, using: &rng)
    let x = Tensor<Float>.randomUniform(Shape(9, 5), lower: -1, upper: 1, using: &rng)
    let target = Tensor<Float>.randomUniform(Shape(9, 3), lower: -1, upper: 1, using: &rng)

    let fused = Tape<Float>()
    let input = fused.input(x, requiresGradient: true)
    let yFused = mlp(input, on: fused)
    fused.backward(from: fused.mean(fused.square(fused.subtract(yFused, fused.input(target)))))
    let fusedGradients = mlp.parameters.map { $0.gradient.scalars.map(\.bitPattern) }
    let fusedInputGradient = fused.gradient(of: input).scalars.map(\.bitPattern)

    let separate = Tape<Float>()
    let input2 = separate.input(x, requiresGradient: true)
    var h = input2
    for (k, layer) in mlp.layers.enumerated() {
        h = separate.linear(h, weight: separate.bind(layer.weight), bias: layer.bias.map { separate.bind($0) })
        if k < mlp.layers.count - 1 { h = separate.relu(h) }
    }
    separate.backward(from: separate.mean(separate.square(separate.subtract(h, separate.input(target)))))

    #expect(fused.value(of: yFused).scalars.map(\.bitPattern) == separate.value(of: h).scalars.map(\.bitPattern))
    #expect(fusedGradients == mlp.parameters.map { $0.gradient.scalars.map(\.bitPattern) })
    #expect(fusedInputGradient == separate.gradient(of: input2).scalars.map(\.bitPattern))
    // Some hidden units are inactive, so the mask mattered.
    #expect(fused.value(of: yFused).scalars.contains { $0 != 0 })
}

extension Activation {
    func applied(to x: Variable, on t: Tape<Double>) -> Variable {
        switch self {
        case .identity: return x
        case .relu: return t.relu(x)
        case .tanh: return t.tanh(x)
        case .sigmoid: return t.sigmoid(x)
        case .softplus: return t.softplus(x)
        }
    }
}
