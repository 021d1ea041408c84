import Foundation
import MixGraph
import Testing

@Suite("Training")
struct RegressionTests {
    /// A 2-layer MLP (1 -> 32 tanh -> 1) fits y = sin(2x) on [-1.5, 1.5] with full-batch
    /// Adam (lr 1e-2) in Float: from a loss of 0.26 to below 1e-3 in 1,500 steps (4.4e-5
    /// when written; the bound leaves room for other BLAS builds).
    @Test func twoLayerMLPFitsASine() {
        var rng = RandomStream(seed: 42)
        let mlp = MLP<Float>(inputSize: 1, hiddenSizes: [32], outputSize: 1, activation: .tanh, using: &rng)
        let adam = Adam(parameters: mlp.parameters, learningRate: 1e-2)
        let n = 128
        let xs = (0..<n).map { -1.5 + 3 * Float($0) / Float(n - 1) }
        let x = Tensor(shape: Shape(n, 1), scalars: xs)
        let y = Tensor(shape: Shape(n, 1), scalars: xs.map { Float(sin(2 * Double($0))) })
        let tape = Tape<Float>()
        var first: Float = 0, last: Float = 0
        for step in 0..<1500 {
            tape.reset()
            let loss = tape.mean(tape.square(tape.subtract(mlp(tape.input(x), on: tape), tape.input(y))))
            tape.backward(from: loss)
            adam.step()
            if step == 0 { first = tape.value(of: loss).scalar }
            last = tape.value(of: loss).scalar
        }
        #expect(first > 0.1)
        #expect(last < 1e-3, "final MSE \(last)")
    }
}
