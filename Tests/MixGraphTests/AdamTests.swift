import Foundation
import MixGraph
import Testing

@Suite("Adam")
struct AdamTests {
    /// Three steps on two scalars with changing gradients (lr 0.1), against values worked
    /// out from Algorithm 1 of Kingma and Ba in Python doubles:
    /// step 1 is `theta - lr * sign(g)` up to epsilon, e.g. `1 - 0.1 * 0.5 / (0.5 + 1e-8)`.
    @Test func firstStepsMatchHandComputedValues() {
        let p = Parameter(name: "theta", value: Tensor<Double>([1, -2]))
        let adam = Adam(parameters: ParameterSet([p]), learningRate: 0.1)
        let gradients: [[Double]] = [[0.5, -1], [-0.25, 2], [1, 0]]
        let expected: [[Double]] = [
            [0.900000002, -1.900000001],
            [0.8733662987078463, -1.9366103534720749],
            [0.8075551396770898, -1.9649102620009304],
        ]
        for (g, e) in zip(gradients, expected) {
            p.gradient = Tensor(g)
            adam.step()
            for (a, b) in zip(p.value.scalars, e) { #expect(Swift.abs(a - b) <= 1e-15 * Swift.abs(b), "\(a) vs \(b)") }
        }
        #expect(adam.stepCount == 3)
        let state = adam.state
        for (a, b) in zip(state.firstMoments[0].scalars, [0.118, 0.099]) { #expect(Swift.abs(a - b) < 1e-15) }
        for (a, b) in zip(state.secondMoments[0].scalars, [0.0013119377500000011, 0.004994001000000004]) { #expect(Swift.abs(a - b) < 1e-18) }
    }

    @Test func clippingScalesByTheGlobalNormWithoutTouchingGradients() {
        let a = Parameter(name: "a", value: Tensor<Double>([0, 0])), b = Parameter(name: "b", value: Tensor<Double>([0]))
        let clipped = Adam(parameters: ParameterSet([a, b]), learningRate: 0.1, maxGradientNorm: 1)
        a.gradient = Tensor([3, 0]); b.gradient = Tensor([4])   // norm 5
        clipped.step()
        #expect(clipped.lastGradientNorm == 5)
        #expect(a.gradient.scalars == [3, 0] && b.gradient.scalars == [4])
        // The same as an unclipped Adam fed gradients scaled by 1 / (5 + 1e-6).
        let c = Parameter(name: "a", value: Tensor<Double>([0, 0])), d = Parameter(name: "b", value: Tensor<Double>([0]))
        let plain = Adam(parameters: ParameterSet([c, d]), learningRate: 0.1)
        let s = 1 / (5 + 1e-6)
        c.gradient = Tensor([3 * s, 0]); d.gradient = Tensor([4 * s])
        plain.step()
        for (x, y) in zip(a.value.scalars + b.value.scalars, c.value.scalars + d.value.scalars) { #expect(Swift.abs(x - y) < 1e-15) }
        // Below the threshold nothing is scaled.
        clipped.maxGradientNorm = 10
        let before = a.value.scalars
        clipped.step()
        #expect(a.value.scalars != before)
        #expect(clipped.lastGradientNorm == 5)
    }

    @Test func savedStateContinuesBitExactly() throws {
        var rng = RandomStream(seed: 3)
        let net = MLP<Float>(inputSize: 3, hiddenSizes: [8], outputSize: 2, using: &rng)
        let adam = Adam(parameters: net.parameters, learningRate: 1e-2)
        let x = Tensor<Float>.randomUniform(Shape(5, 3), lower: -1, upper: 1, using: &rng)
        let tape = Tape<Float>()
        func step(_ n: MLP<Float>, _ o: Adam<Float>) {
            tape.reset()
            tape.backward(from: tape.mean(tape.square(n(tape.input(x), on: tape))))
            o.step()
        }
        for _ in 0..<3 { step(net, adam) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mixgraph-adam-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let weights = directory.appendingPathComponent("critic.safetensors").path
        let optimizer = directory.appendingPathComponent("critic-adam.safetensors").path
        try net.parameters.save(to: weights)
        try adam.save(to: optimizer)

        for _ in 0..<4 { step(net, adam) }

        var other = RandomStream(seed: 99)
        let restored = MLP<Float>(inputSize: 3, hiddenSizes: [8], outputSize: 2, using: &other)
        let restoredAdam = Adam(parameters: restored.parameters, learningRate: 1e-2)
        try restored.parameters.load(from: weights)
        try restoredAdam.load(from: optimizer)
        #expect(restoredAdam.stepCount == 3)
        for _ in 0..<4 { step(restored, restoredAdam) }
        for (p, q) in zip(net.parameters, restored.parameters) {
            #expect(p.value.scalars.map(\.bitPattern) == q.value.scalars.map(\.bitPattern), "\(p.name)")
        }
        #expect(adam.state == restoredAdam.state)
    }
}
