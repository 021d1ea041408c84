import ArgumentParser
import COpenBLAS
import MixRL
#if canImport(Glibc)
import Glibc
#endif

/// `mixrl bench gemm`: `Tensor.matmul(into:)` against raw `cblas_sgemm` on the same
/// buffers, for every matrix product of a SAC update.
///
/// Layer convention (row-major, activations `[rows, features]`, weights `[out, in]`):
/// forward `Y = X Wᵀ` (NT), input gradient `dX = dY W` (NN), weight gradient
/// `dW = dYᵀ X` (TN). The critic products on `rows * K` rows (one action per mixture
/// component, stacked) feed the tensor layer a rank-3 `[K, rows, in]` input, so they
/// also measure the stacked-rows path.
struct BenchGemm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm",
        abstract: "Tensor matmul against raw cblas_sgemm for the shapes of a SAC update.")

    @Option(help: "Observation size.") var observation = 17
    @Option(help: "Action size.") var action = 6
    @Option(help: "Batch size (rows of a minibatch).") var batch = 256
    @Option(help: "Width of both hidden layers.") var hidden = 256
    @Option(help: "Mixture components K (the critic also runs on batch*K rows).") var components = 5
    @Option(help: "Repetitions per shape (the median is reported).") var repetitions = 61
    @Option(help: "Target duration of one repetition of one side, in seconds (short repetitions dodge preemption).")
    var repetitionSeconds = 0.001
    @Option(help: "OpenBLAS threads.") var threads = 1
    @Option(help: "Tensor/raw throughput ratio every shape should reach.") var targetRatio = 0.95
    @Flag(help: "Exit with an error when a shape misses the target ratio.") var strict = false

    func run() throws {
        BLAS.setThreadCount(threads)
        let environment = getenv("OPENBLAS_NUM_THREADS").map { String(cString: $0) } ?? "unset"
        print("# OpenBLAS core: \(BLAS.coreName) | config: \(BLAS.configuration) | threads: \(BLAS.threadCount)",
              "(--threads \(threads), OPENBLAS_NUM_THREADS=\(environment))")
        print("# \(repetitions) interleaved repetitions of ~\(format(repetitionSeconds * 1e3, 1)) ms per side;",
              "GFLOP/s = 2 M N K / median time; ratio = median over repetitions of raw time / tensor time")
        let shapes = GemmShape.sacUpdate(observation: observation, action: action, batch: batch,
                                         hidden: hidden, components: components)
        print(GemmRow.header)
        var worst = Double.infinity
        var allocations = 0
        for shape in shapes {
            let row = measure(shape)
            worst = min(worst, row.ratio)
            allocations += row.allocations
            print(row.line(target: targetRatio))
        }
        print("# lowest ratio \(format(worst, 3)) (target \(format(targetRatio, 2))): \(worst >= targetRatio ? "met" : "NOT met")",
              "| tensor buffers allocated by steady-state matmul(into:): \(allocations)")
        if strict && worst < targetRatio { throw ExitCode.failure }
    }

    func measure(_ shape: GemmShape) -> GemmRow {
        var rng = RandomStream(seed: 7)
        let (m, n, k) = (shape.m, shape.n, shape.k)
        // Operands as stored: A is m x k (k x m when transposed), B is k x n (n x k when transposed).
        var a = Tensor<Float>.randomUniform(shape.transposeA ? Shape(k, m) : Shape(m, k), lower: -1, upper: 1, using: &rng)
        if let stack = shape.stackedRows { a = a.reshaped(stack, m / stack, k) }
        let b = Tensor<Float>.randomUniform(shape.transposeB ? Shape(n, k) : Shape(k, n), lower: -1, upper: 1, using: &rng)
        var c = Tensor<Float>.zeros(Shape(m, n))
        let lda = Int32(shape.transposeA ? m : k), ldb = Int32(shape.transposeB ? k : n), ldc = Int32(n)
        let ta = shape.transposeA ? CblasTrans : CblasNoTrans, tb = shape.transposeB ? CblasTrans : CblasNoTrans

        // Both sides reach their operands the same way: captured by value, and the output
        // moved into a local for the duration of one batch of calls (a captured `var` is
        // boxed and every access to it would pay a dynamic exclusivity check).
        let raw: (Int) -> Void = { [a, b] iterations in
            var out = Tensor<Float>.zeros(Shape())
            swap(&out, &c)
            defer { swap(&out, &c) }
            a.withUnsafePointer { pa in
                b.withUnsafePointer { pb in
                    out.withUnsafeMutablePointer { pc in
                        for _ in 0..<iterations {
                            cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k),
                                        1, pa, lda, pb, ldb, 0, pc, ldc)
                        }
                    }
                }
            }
        }
        let tensor: (Int) -> Void = { [a, b] iterations in
            var out = Tensor<Float>.zeros(Shape())
            swap(&out, &c)
            defer { swap(&out, &c) }
            let (transposeA, transposeB) = (shape.transposeA, shape.transposeB)
            for _ in 0..<iterations {
                Tensor.matmul(a, transposed: transposeA, b, transposed: transposeB, into: &out)
            }
        }
        let iterations = Timing.calibrate(targetSeconds: repetitionSeconds, raw)
        _ = Timing.calibrate(targetSeconds: repetitionSeconds, tensor)
        let summaries = Timing.interleaved(repetitions: repetitions, iterations: iterations, [raw, tensor])
        // The steady-state path must not allocate: count tensor buffers over plain calls.
        let buffersBefore = AllocationCounter.bufferCount
        for _ in 0..<8 { Tensor.matmul(a, transposed: shape.transposeA, b, transposed: shape.transposeB, into: &c) }
        let allocations = AllocationCounter.bufferCount - buffersBefore
        let flops = 2 * Double(m) * Double(n) * Double(k)
        return GemmRow(shape: shape, rawSeconds: summaries[0].median, tensorSeconds: summaries[1].median,
                       ratio: Timing.pairedRatio(reference: summaries[0], candidate: summaries[1]),
                       flops: flops, allocations: allocations)
    }
}

/// One matrix product of a SAC update, as `cblas_sgemm` sees it.
struct GemmShape {
    var name: String
    var transposeA: Bool, transposeB: Bool
    var m: Int, n: Int, k: Int
    /// When set, the tensor layer receives A as `[stackedRows, m / stackedRows, k]`.
    var stackedRows: Int?

    var flags: String { (transposeA ? "T" : "N") + (transposeB ? "T" : "N") }

    /// Forward, input-gradient and weight-gradient products of every layer of the actor
    /// (on `batch` rows) and the critic (on `batch` and `batch * components` rows);
    /// duplicates (the same flags and sizes) are listed once.
    static func sacUpdate(observation: Int, action: Int, batch: Int, hidden: Int, components: Int) -> [GemmShape] {
        var shapes: [GemmShape] = []
        func layer(_ net: String, _ input: Int, _ output: Int, rows: Int, stack: Int? = nil) {
            let tag = "\(net) \(input)->\(output)" + (stack.map { " rows \($0)x\(rows / $0)" } ?? "")
            let candidates = [
                GemmShape(name: "fwd  " + tag, transposeA: false, transposeB: true, m: rows, n: output, k: input, stackedRows: stack),
                GemmShape(name: "dX   " + tag, transposeA: false, transposeB: false, m: rows, n: input, k: output, stackedRows: stack),
                GemmShape(name: "dW   " + tag, transposeA: true, transposeB: false, m: output, n: input, k: rows),
            ]
            for s in candidates where !shapes.contains(where: { $0.sameProduct(as: s) }) { shapes.append(s) }
        }
        let mixtureHead = components * (2 * action) + components
        layer("actor", observation, hidden, rows: batch)
        layer("actor", hidden, hidden, rows: batch)
        layer("actor", hidden, action, rows: batch)
        layer("actor", hidden, 2 * action, rows: batch)
        layer("actor", hidden, mixtureHead, rows: batch)
        layer("critic", observation + action, hidden, rows: batch)
        layer("critic", hidden, hidden, rows: batch)
        layer("critic", hidden, 1, rows: batch)
        if components > 1 {
            let rows = batch * components
            layer("critic", observation + action, hidden, rows: rows, stack: components)
            layer("critic", hidden, hidden, rows: rows, stack: components)
            layer("critic", hidden, 1, rows: rows, stack: components)
        }
        return shapes
    }

    func sameProduct(as other: GemmShape) -> Bool {
        (transposeA, transposeB, m, n, k, stackedRows) == (other.transposeA, other.transposeB, other.m, other.n, other.k, other.stackedRows)
    }
}

/// One line of the benchmark table.
struct GemmRow {
    var shape: GemmShape
    var rawSeconds: Double, tensorSeconds: Double
    /// Tensor throughput over raw throughput (paired median, see ``Timing/pairedRatio(reference:candidate:)``).
    var ratio: Double
    var flops: Double
    var allocations: Int

    static let header = pad("shape", 34) + " tr " + lpad("M", 5) + lpad("N", 5) + lpad("K", 5)
        + lpad("raw GF/s", 10) + lpad("tensor GF/s", 12) + lpad("ratio", 7) + lpad("raw us", 9) + lpad("tensor us", 10)

    func line(target: Double) -> String {
        pad(shape.name, 34) + " " + shape.flags + " " + lpad("\(shape.m)", 5) + lpad("\(shape.n)", 5) + lpad("\(shape.k)", 5)
            + lpad(format(flops / rawSeconds / 1e9, 2), 10) + lpad(format(flops / tensorSeconds / 1e9, 2), 12)
            + lpad(format(ratio, 3), 7) + lpad(format(rawSeconds * 1e6, 2), 9) + lpad(format(tensorSeconds * 1e6, 2), 10)
            + (ratio < target ? "  < target" : "")
    }
}

private func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }
private func lpad(_ s: String, _ width: Int) -> String { s.count >= width ? s : String(repeating: " ", count: width - s.count) + s }

/// `value` with `digits` digits after the point (no Foundation).
func format(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return "\(value)" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = Int(scaled / scale), fraction = Int(scaled - Double(whole) * scale)
    let sign = value < 0 && scaled > 0 ? "-" : ""
    if digits == 0 { return sign + "\(whole)" }
    let f = "\(fraction)"
    return sign + "\(whole)." + String(repeating: "0", count: digits - f.count) + f
}
