import MixGraph
import Testing
import MixTensorTestSupport

@Suite("Tape bookkeeping")
struct TapeTests {
    /// One SAC-like critic step on a small network.
    final class Step {
        var rng = RandomStream(seed: 1)
        let tape = Tape<Float>()
        let critic: MLP<Float>
        let target: MLP<Float>
        let adam: Adam<Float>
        var x: Tensor<Float>, y: Tensor<Float>

        init() {
            critic = MLP(inputSize: 5, hiddenSizes: [16, 16], outputSize: 1, using: &rng)
            target = critic.copy()
            adam = Adam(parameters: critic.parameters, learningRate: 1e-3)
            x = Tensor.randomUniform(Shape(32, 5), lower: -1, upper: 1, using: &rng)
            y = Tensor.randomUniform(Shape(32, 1), lower: -1, upper: 1, using: &rng)
        }

        func run() {
            tape.reset()
            x.fillUniform(lower: -1, upper: 1, using: &rng)   // refilled in place: the tape let go of it
            let input = tape.input(x)
            let q = critic(input, on: tape)
            let bootstrap = tape.stopGradient(tape.minimum(target(input, on: tape, frozen: true), tape.input(y)))
            let loss = tape.mean(tape.square(tape.subtract(q, bootstrap)))
            tape.backward(from: loss)
            adam.step()
            target.parameters.polyakUpdate(toward: critic.parameters, tau: 0.005)
        }
    }

    @Test func repeatingAStepReusesEveryBuffer() {
        let step = Step()
        step.run()
        step.run()
        // Every buffer the tape and the networks own, by address: none may move.
        func addresses() -> [UInt] {
            let ps = step.critic.parameters.elements + step.target.parameters.elements
            return ps.flatMap { p in [p.value.withUnsafePointer { UInt(bitPattern: $0) }, p.gradient.withUnsafePointer { UInt(bitPattern: $0) }] }
                + [step.x.withUnsafePointer { UInt(bitPattern: $0) }]
        }
        let before = addresses()
        // The strict count lives in `mixrl bench critic`; here a quiet run is enough
        // evidence, with buffer addresses as the hard check.
        #expect(someRunAllocatesNoTensorStorage { step.run() }, "no step ran without tensor allocations in 50 tries")
        #expect(addresses() == before)
    }

    @Test func frozenParametersPassGradientsButKeepTheirOwn() {
        var rng = RandomStream(seed: 2)
        let net = MLP<Double>(inputSize: 2, hiddenSizes: [3], outputSize: 1, activation: .tanh, using: &rng)
        for p in net.parameters { p.gradient.setAll(7) }
        let tape = Tape<Double>()
        let a = tape.input(Tensor(rows: [[0.3, -0.2]]), requiresGradient: true)
        tape.backward(from: tape.sum(net(a, on: tape, frozen: true)))
        #expect(net.parameters.allSatisfy { $0.gradient.scalars.allSatisfy { $0 == 7 } })
        #expect(tape.gradient(of: a).scalars.contains { $0 != 0 })
    }

    @Test func backwardOverwritesOrAccumulatesParameterGradients() {
        let p = Parameter(name: "p", value: Tensor<Double>([1, 2]))
        let unused = Parameter(name: "u", value: Tensor<Double>([5]))
        unused.gradient.setAll(3)
        let tape = Tape<Double>()
        let v = tape.bind(p)
        _ = tape.bind(unused)
        #expect(tape.bind(p) == v)
        let loss = tape.sum(tape.square(v))   // gradient 2p = [2, 4]
        tape.backward(from: loss)
        #expect(p.gradient.scalars == [2, 4])
        #expect(unused.gradient.scalars == [0])   // bound, not reached: zero
        tape.backward(from: loss, accumulate: true)
        #expect(p.gradient.scalars == [4, 8])
        tape.backward(from: loss)
        #expect(p.gradient.scalars == [2, 4])
    }

    @Test func shapesMayChangeBetweenSteps() {
        let tape = Tape<Double>()
        let w = Parameter(name: "w", value: Tensor<Double>(rows: [[1, 2], [3, 4]]))
        for rows in [4, 2, 6, 4] {
            tape.reset()
            let x = tape.input(Tensor<Double>.ones(Shape(rows, 2)))
            let loss = tape.sum(tape.matmul(x, transposed: false, tape.bind(w), transposed: false))
            tape.backward(from: loss)
            #expect(tape.value(of: loss).scalar == Double(rows) * 10)
            #expect(w.gradient.scalars == [Double](repeating: Double(rows), count: 4))
        }
    }

    @Test func aVariableKeptPastResetStopsTheProgram() async {
        await #expect(processExitsWith: .failure) {
            let tape = Tape<Double>()
            let x = tape.input(Tensor([1, 2]))
            tape.reset()
            _ = tape.exp(x)
        }
    }
}
