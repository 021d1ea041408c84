import MixGraph
import MixTensor

/// One SAC critic update (forward, MSE loss, backward, Adam) on the autodiff tape, timed
/// next to the gemms that step issues, called raw through `Float.gemm` on buffers of the
/// same shapes in the same run (`mixrl bench critic`). The ratio is the cost of
/// everything that is not BLAS: element-wise kernels, bias sums, Adam and bookkeeping.
/// Also counts tensor buffers allocated per step once the tape has warmed up.
///
/// The target is checked on thread CPU time, which a busy machine (other builds on the
/// same cores) does not inflate the way it inflates wall time; both are printed.
package struct CriticBenchmark {
    /// Batch size.
    package var batch: Int
    /// Input width (observation + action).
    package var input: Int
    /// Width of each hidden layer.
    package var hidden: Int
    /// Number of hidden layers.
    package var layers: Int
    /// Interleaved repetitions (medians are reported).
    package var repetitions: Int
    /// Target duration of one repetition of one side, in seconds.
    package var repetitionSeconds: Double
    /// OpenBLAS threads.
    package var threads: Int
    /// Step time / gemm time (CPU) the step should stay within.
    package var targetRatio: Double
    /// Also time forward, backward and Adam separately.
    package var breakdown: Bool

    package init(batch: Int, input: Int, hidden: Int, layers: Int, repetitions: Int, repetitionSeconds: Double,
                 threads: Int, targetRatio: Double, breakdown: Bool) {
        self.batch = batch; self.input = input; self.hidden = hidden; self.layers = layers
        self.repetitions = repetitions; self.repetitionSeconds = repetitionSeconds; self.threads = threads
        self.targetRatio = targetRatio; self.breakdown = breakdown
    }

    /// Times the step against its gemms and prints the comparison to standard output.
    /// Missed when the CPU-time ratio exceeds `targetRatio` or a step allocates.
    package func run() -> BenchmarkVerdict {
        BLAS.setThreadCount(threads)
        let widths = [input] + Array(repeating: hidden, count: layers) + [1]
        var rng = RandomStream(seed: 1)
        let critic = MLP<Float>(inputSize: input, hiddenSizes: Array(widths.dropFirst().dropLast()), outputSize: 1,
                                activation: .relu, using: &rng)
        let adam = Adam(parameters: critic.parameters, learningRate: 3e-4)
        let tape = Tape<Float>()
        let x = Tensor<Float>.randomUniform(Shape(batch, input), lower: -1, upper: 1, using: &rng)
        let y = Tensor<Float>.randomUniform(Shape(batch, 1), lower: -1, upper: 1, using: &rng)

        func forward() -> Variable {
            tape.reset()
            let q = critic(tape.input(x), on: tape)
            return tape.mean(tape.square(tape.subtract(q, tape.input(y))))
        }
        let step: (Int) -> Void = { n in
            for _ in 0..<n {
                tape.backward(from: forward())
                adam.step()
            }
        }

        // The gemms of that step, with its flags and betas: forward Y = X Wᵀ (NT, beta 1
        // over the broadcast bias); backward dW = dYᵀ X (TN) for every layer and
        // dX = dY W (NN) for every layer but the first (the input needs no gradient).
        var calls: [GemmCall] = []
        for l in 0..<(widths.count - 1) {
            calls.append(GemmCall(transposeA: false, transposeB: true, m: batch, n: widths[l + 1], k: widths[l], beta: 1, rng: &rng))
        }
        for l in stride(from: widths.count - 2, through: 0, by: -1) {
            calls.append(GemmCall(transposeA: true, transposeB: false, m: widths[l + 1], n: widths[l], k: batch, beta: 0, rng: &rng))
            if l > 0 { calls.append(GemmCall(transposeA: false, transposeB: false, m: batch, n: widths[l], k: widths[l + 1], beta: 0, rng: &rng)) }
        }
        let gemms: (Int) -> Void = { n in for _ in 0..<n { for call in calls { call.run() } } }

        let iterations = Timing.calibrate(targetSeconds: repetitionSeconds, step)
        step(50)
        let allocationSteps = 200
        let buffersBefore = AllocationCounter.bufferCount, bytesBefore = AllocationCounter.byteCount
        step(allocationSteps)
        let buffers = AllocationCounter.bufferCount - buffersBefore, bytes = AllocationCounter.byteCount - bytesBefore

        let (wall, cpu) = CPUClock.thread.interleaved(repetitions: repetitions, iterations: iterations, [gemms, step])
        let wallRatio = wall[1].median / wall[0].median, cpuRatio = cpu[1].median / cpu[0].median

        print("# OpenBLAS core: \(BLAS.coreName) | threads: \(BLAS.threadCount)")
        print("# critic \(widths.map(String.init).joined(separator: " -> ")) (ReLU), batch \(batch), MSE loss, Float;",
              "\(critic.parameters.scalarCount) parameters; \(calls.count) gemms per step")
        print("# \(repetitions) interleaved repetitions x \(iterations) steps; medians (min, max) per step.",
              "Thread CPU time leaves out time the scheduler gave to other processes (equal to wall time on an idle machine).")
        print("step (forward + backward + Adam): wall \(ms(wall[1])) | cpu \(ms(cpu[1]))")
        print("sum of its gemms (raw Float.gemm): wall \(ms(wall[0])) | cpu \(ms(cpu[0]))")
        print("ratio step / gemm: wall \(format(wallRatio, 3)) | cpu \(format(cpuRatio, 3)) (target <= \(format(targetRatio, 2))):",
              cpuRatio <= targetRatio ? "met" : "NOT met")
        print("tensor buffers allocated per step after warm-up: \(format(Double(buffers) / Double(allocationSteps), 3))",
              "(\(buffers) buffers, \(bytes) bytes over \(allocationSteps) steps)")

        if breakdown {
            let forwardOnly: (Int) -> Void = { n in for _ in 0..<n { _ = forward() } }
            let backwardOnly: (Int) -> Void = { n in let l = forward(); for _ in 0..<n { tape.backward(from: l) } }
            let adamOnly: (Int) -> Void = { n in for _ in 0..<n { adam.step() } }
            let forwardGemms: (Int) -> Void = { n in for _ in 0..<n { for call in calls.prefix(widths.count - 1) { call.run() } } }
            let backwardGemms: (Int) -> Void = { n in for _ in 0..<n { for call in calls.dropFirst(widths.count - 1) { call.run() } } }
            let parts = CPUClock.thread.interleaved(repetitions: repetitions, iterations: iterations,
                                                    [forwardOnly, forwardGemms, backwardOnly, backwardGemms, adamOnly]).cpu
            print("cpu: forward \(ms(parts[0])) vs its gemms \(ms(parts[1]))")
            print("cpu: backward \(ms(parts[2])) vs its gemms \(ms(parts[3]))")
            print("cpu: Adam \(ms(parts[4]))")
        }
        return cpuRatio > targetRatio || buffers > 0 ? .missed : .met
    }

    func ms(_ s: TimingSummary) -> String {
        "\(format(s.median * 1e3, 4)) ms (\(format(s.minimum * 1e3, 4)), \(format(s.maximum * 1e3, 4)))"
    }
}

/// One gemm of the critic step on its own random operands: `C = op(A) op(B) + beta C`.
private struct GemmCall {
    let transposeA: Bool, transposeB: Bool
    let m: Int, n: Int, k: Int
    let beta: Float
    let a: Tensor<Float>, b: Tensor<Float>
    let c: UnsafeMutablePointer<Float>

    init(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, beta: Float, rng: inout RandomStream) {
        self.transposeA = transposeA; self.transposeB = transposeB
        self.m = m; self.n = n; self.k = k; self.beta = beta
        a = Tensor.randomUniform(transposeA ? Shape(k, m) : Shape(m, k), lower: -1, upper: 1, using: &rng)
        b = Tensor.randomUniform(transposeB ? Shape(n, k) : Shape(k, n), lower: -1, upper: 1, using: &rng)
        c = UnsafeMutablePointer<Float>.allocate(capacity: m * n)
        c.initialize(repeating: 0, count: m * n)
    }

    func run() {
        a.withUnsafePointer { pa in
            b.withUnsafePointer { pb in
                Float.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                           alpha: 1, a: pa, lda: transposeA ? m : k, b: pb, ldb: transposeB ? k : n,
                           beta: beta, c: c, ldc: n)
            }
        }
    }
}
