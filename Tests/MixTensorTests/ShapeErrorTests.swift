import MixTensor
import Testing

/// Shape mismatches are programmer errors: they stop the process with a message naming
/// both shapes, in optimized builds too (where `precondition` would trap silently).
/// Each case runs in a child process (a Swift Testing exit test).
@Suite("Shape errors stop with a message naming both shapes")
struct ShapeErrorTests {
    @Test("matmul inner dimensions")
    func matmulMismatch() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.matmul(Tensor<Float>.zeros(Shape(2, 3)), Tensor<Float>.zeros(Shape(4, 5)))
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("[2, 3]") && message.contains("[4, 5]"), "stderr: \(message)")
    }

    @Test("broadcasting")
    func broadcastMismatch() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor<Double>.zeros(Shape(3, 4)) + Tensor<Double>.zeros(Shape(2, 4))
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("[3, 4]") && message.contains("[2, 4]"), "stderr: \(message)")
    }

    @Test("accumulating into a tensor of another shape")
    func accumulateMismatch() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var c = Tensor<Float>.zeros(Shape(3, 3))
            Tensor.matmul(Tensor<Float>.zeros(Shape(2, 3)), Tensor<Float>.zeros(Shape(3, 5)), beta: 1, into: &c)
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("[3, 3]") && message.contains("[2, 5]"), "stderr: \(message)")
    }
}
