import COpenBLAS
import MixTensor
#if canImport(Glibc)
import Glibc
#endif

/// `Tensor.matmul(into:)` against raw `cblas_sgemm` (OpenBLAS) and raw `bli_sgemm`
/// (BLIS, when installed) on the same buffers, for every matrix product of a SAC update
/// (`mixrl bench gemm`). The tensor side runs through the selected ``GemmBackend``
/// (`MIXRL_GEMM`); its ratio is taken against the raw call of the library it used.
///
/// Layer convention (row-major, activations `[rows, features]`, weights `[out, in]`):
/// forward `Y = X Wᵀ` (NT), input gradient `dX = dY W` (NN), weight gradient
/// `dW = dYᵀ X` (TN). The critic products on `rows * K` rows (one action per mixture
/// component, stacked) feed the tensor layer a rank-3 `[K, rows, in]` input, so they
/// also measure the stacked-rows path.
package struct GemmBenchmark {
    /// Observation size.
    package var observation: Int
    /// Action size.
    package var action: Int
    /// Batch size (rows of a minibatch).
    package var batch: Int
    /// Width of both hidden layers.
    package var hidden: Int
    /// Mixture components K (the critic also runs on `batch * components` rows).
    package var components: Int
    /// Repetitions per shape (the median is reported).
    package var repetitions: Int
    /// Target duration of one repetition of one side, in seconds.
    package var repetitionSeconds: Double
    /// OpenBLAS threads.
    package var threads: Int
    /// Tensor/raw throughput ratio every shape should reach.
    package var targetRatio: Double
    /// Extra square products n x n x n to time.
    package var squares: [Int]

    package init(observation: Int, action: Int, batch: Int, hidden: Int, components: Int, repetitions: Int,
                 repetitionSeconds: Double, threads: Int, targetRatio: Double, squares: [Int]) {
        self.observation = observation; self.action = action; self.batch = batch; self.hidden = hidden
        self.components = components; self.repetitions = repetitions; self.repetitionSeconds = repetitionSeconds
        self.threads = threads; self.targetRatio = targetRatio; self.squares = squares
    }

    /// Times every shape and prints the table to standard output, with the lowest ratio
    /// against `targetRatio`.
    package func run() -> BenchmarkVerdict {
        BLAS.setThreadCount(threads)
        let environment = getenv("OPENBLAS_NUM_THREADS").map { String(cString: $0) } ?? "unset"
        print("# CPU: \(cpuDescription())")
        print("# OpenBLAS core: \(BLAS.coreName) | config: \(BLAS.configuration) | threads: \(BLAS.threadCount)",
              "(--threads \(threads), OPENBLAS_NUM_THREADS=\(environment))")
        print("# BLIS: \(BLISLibrary.shared.map { "\($0.version), kernels \($0.architecture), \($0.path)" } ?? "not installed (\(BLISLibrary.loadFailure))")")
        print("# gemm backend of the tensor side (MIXRL_GEMM): \(GemmBackend.summary)")
        print("# \(repetitions) interleaved repetitions of ~\(format(repetitionSeconds * 1e3, 1)) ms per side;",
              "GFLOP/s = 2 M N K / median time; ratio = median over repetitions of raw time (of the library the tensor side used) / tensor time")
        let shapes = GemmShape.sacUpdate(observation: observation, action: action, batch: batch,
                                         hidden: hidden, components: components)
            + squares.map { GemmShape(name: "square \($0)^3", transposeA: false, transposeB: false, m: $0, n: $0, k: $0) }
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
        return worst >= targetRatio ? .met : .missed
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
        let blis = BLISLibrary.shared
        let rawBLIS: (Int) -> Void = { [a, b] iterations in
            guard let blis else { return }
            var out = Tensor<Float>.zeros(Shape())
            swap(&out, &c)
            defer { swap(&out, &c) }
            a.withUnsafePointer { pa in
                b.withUnsafePointer { pb in
                    out.withUnsafeMutablePointer { pc in
                        for _ in 0..<iterations {
                            blis.gemm(transposeA: shape.transposeA, transposeB: shape.transposeB, m: m, n: n, k: k,
                                      alpha: 1, a: pa, lda: Int(lda), b: pb, ldb: Int(ldb), beta: 0, c: pc, ldc: Int(ldc))
                        }
                    }
                }
            }
        }
        let iterations = Timing.calibrate(targetSeconds: repetitionSeconds, raw)
        _ = Timing.calibrate(targetSeconds: repetitionSeconds, tensor)
        let candidates = blis == nil ? [raw, tensor] : [raw, tensor, rawBLIS]
        let summaries = Timing.interleaved(repetitions: repetitions, iterations: iterations, candidates)
        let used = GemmBackend.forProduct(transposeB: shape.transposeB, m: m, n: n, k: k)
        let reference = used == .blis && summaries.count > 2 ? summaries[2] : summaries[0]
        // The steady-state path must not allocate: count tensor buffers over plain calls.
        let buffersBefore = AllocationCounter.bufferCount
        for _ in 0..<8 { Tensor.matmul(a, transposed: shape.transposeA, b, transposed: shape.transposeB, into: &c) }
        let allocations = AllocationCounter.bufferCount - buffersBefore
        let flops = 2 * Double(m) * Double(n) * Double(k)
        return GemmRow(shape: shape, rawSeconds: summaries[0].median, blisSeconds: summaries.count > 2 ? summaries[2].median : nil,
                       tensorSeconds: summaries[1].median, tensorBackend: used,
                       ratio: Timing.pairedRatio(reference: reference, candidate: summaries[1]),
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
    var rawSeconds: Double, blisSeconds: Double?, tensorSeconds: Double
    /// The library the tensor side used.
    var tensorBackend: GemmBackend
    /// Tensor throughput over raw throughput (of the library the tensor side used) (paired median, see ``Timing/pairedRatio(reference:candidate:)``).
    var ratio: Double
    var flops: Double
    var allocations: Int

    static let header = pad("shape", 34) + " tr " + lpad("M", 5) + lpad("N", 5) + lpad("K", 5)
        + lpad("OpenBLAS", 10) + lpad("BLIS", 8) + lpad("tensor", 8) + " (by)    " + lpad("ratio", 7)
        + lpad("OpenBLAS us", 12) + lpad("BLIS us", 9) + lpad("tensor us", 10) + "   (GFLOP/s, then us per call)"

    func line(target: Double) -> String {
        pad(shape.name, 34) + " " + shape.flags + " " + lpad("\(shape.m)", 5) + lpad("\(shape.n)", 5) + lpad("\(shape.k)", 5)
            + lpad(format(flops / rawSeconds / 1e9, 2), 10) + lpad(blisSeconds.map { format(flops / $0 / 1e9, 2) } ?? "-", 8)
            + lpad(format(flops / tensorSeconds / 1e9, 2), 8) + " (" + pad(tensorBackend.rawValue, 8) + ")"
            + lpad(format(ratio, 3), 6) + lpad(format(rawSeconds * 1e6, 2), 12)
            + lpad(blisSeconds.map { format($0 * 1e6, 2) } ?? "-", 9) + lpad(format(tensorSeconds * 1e6, 2), 10)
            + (ratio < target ? "  < target" : "")
    }
}

private func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }
private func lpad(_ s: String, _ width: Int) -> String { s.count >= width ? s : String(repeating: " ", count: width - s.count) + s }
