import MixGraph
import Testing

@Suite("Layers and parameter sets")
struct LayerTests {
    @Test func pytorchDefaultInitializationIsUniformWithinOneOverSqrtFanIn() {
        var rng = RandomStream(seed: 1)
        let layer = Linear<Double>(inputSize: 64, outputSize: 200, using: &rng)
        let bound = 1 / 8.0
        let w = layer.weight.value.scalars
        #expect(layer.weight.value.shape == Shape(200, 64))
        #expect(w.allSatisfy { Swift.abs($0) <= bound })
        #expect(layer.bias?.value.scalars.allSatisfy { Swift.abs($0) <= bound } == true)
        // Uniform(-b, b): mean 0, variance b^2 / 3 (12,800 draws: a few standard errors).
        let mean = w.reduce(0, +) / Double(w.count)
        let variance = w.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(w.count)
        #expect(Swift.abs(mean) < 4 * bound / (3 * Double(w.count)).squareRoot())
        #expect(Swift.abs(variance / (bound * bound / 3) - 1) < 0.05)
    }

    @Test func orthogonalInitializationHasOrthonormalRowsAndZeroBias() {
        var rng = RandomStream(seed: 2)
        let layer = Linear<Double>(inputSize: 12, outputSize: 5, initialization: .orthogonal(gain: 2), using: &rng)
        let w = layer.weight.value
        let gram = Tensor.matmul(w, transposed: false, w, transposed: true)
        for i in 0..<5 { for j in 0..<5 { #expect(Swift.abs(gram[i, j] - (i == j ? 4 : 0)) < 1e-12) } }
        #expect(layer.bias?.value.scalars == [Double](repeating: 0, count: 5))
    }

    @Test func mlpNamesParametersLikeTorchSequential() {
        var rng = RandomStream(seed: 3)
        let mlp = MLP<Float>(inputSize: 23, hiddenSizes: [256, 256], outputSize: 1, namePrefix: "q1.", using: &rng)
        #expect(mlp.parameters.map(\.name) == ["q1.0.weight", "q1.0.bias", "q1.2.weight", "q1.2.bias", "q1.4.weight", "q1.4.bias"])
        #expect(mlp.parameters.map(\.value.shape) == [Shape(256, 23), Shape(256), Shape(256, 256), Shape(256), Shape(1, 256), Shape(1)])
        #expect(mlp.parameters.scalarCount == 23 * 256 + 256 + 256 * 256 + 256 + 256 + 1)
    }

    @Test func mlpComputesTheLayersInOrder() {
        var rng = RandomStream(seed: 4)
        let mlp = MLP<Double>(inputSize: 3, hiddenSizes: [4], outputSize: 2, activation: .tanh, outputActivation: .sigmoid, using: &rng)
        let x = Tensor<Double>.randomUniform(Shape(5, 3), lower: -1, upper: 1, using: &rng)
        let tape = Tape<Double>()
        let y = tape.value(of: mlp(tape.input(x), on: tape))
        // Reference: plain tensor arithmetic.
        let l0 = mlp.layers[0], l1 = mlp.layers[1]
        let h = (Tensor.matmul(x, transposed: false, l0.weight.value, transposed: true) + (l0.bias?.value ?? .zeros(Shape(4)))).tanh()
        let out = (Tensor.matmul(h, transposed: false, l1.weight.value, transposed: true) + (l1.bias?.value ?? .zeros(Shape(2)))).sigmoid()
        for (a, b) in zip(y.scalars, out.scalars) { #expect(Swift.abs(a - b) < 1e-14) }
    }

    @Test func copiesAreIndependentAndPolyakAveragingIsExact() {
        var rng = RandomStream(seed: 5)
        let online = MLP<Double>(inputSize: 2, hiddenSizes: [3], outputSize: 1, using: &rng)
        let target = online.copy()
        #expect(zip(online.parameters, target.parameters).allSatisfy { $0 !== $1 && $0.value == $1.value && $0.name == $1.name })
        let before = target.parameters.map(\.value.scalars)
        for p in online.parameters { p.value.setAll(1) }
        #expect(target.parameters.map(\.value.scalars) == before)

        target.parameters.polyakUpdate(toward: online.parameters, tau: 0.25)
        for (p, old) in zip(target.parameters, before) {
            for (v, o) in zip(p.value.scalars, old) { #expect(v == 0.25 * 1 + 0.75 * o) }
        }
        target.parameters.copyValues(from: online.parameters)
        #expect(zip(online.parameters, target.parameters).allSatisfy { $0.value == $1.value })
    }

    @Test func parameterSetHousekeepingAllocatesNothing() {
        var rng = RandomStream(seed: 6)
        let a = MLP<Float>(inputSize: 8, hiddenSizes: [16], outputSize: 2, using: &rng)
        let b = a.copy()
        let pointers = b.parameters.map { p in p.value.withUnsafePointer { UInt(bitPattern: $0) } }
        b.parameters.polyakUpdate(toward: a.parameters, tau: 0.005)
        b.parameters.copyValues(from: a.parameters)
        b.parameters.zeroGradients()
        _ = b.parameters.gradientNorm()
        #expect(b.parameters.map { p in p.value.withUnsafePointer { UInt(bitPattern: $0) } } == pointers)
    }

    @Test func gradientNormIsTheGlobalL2Norm() {
        let p = Parameter(name: "a", value: Tensor<Double>([0, 0])), q = Parameter(name: "b", value: Tensor<Double>([0]))
        p.gradient = Tensor([3, 0]); q.gradient = Tensor([4])
        #expect(ParameterSet([p, q]).gradientNorm() == 5)
    }
}
