import ArgumentParser
import Foundation
import MixRL

/// `mixrl variance`: the gradient-variance benchmark (docs/variance.md). Parses the
/// options into a `VarianceRequest`, lets `VarianceBenchmark` check it (every rejection
/// happens before any sampling), runs it with progress on stderr, writes the report
/// folder and prints the Markdown tables.
struct VarianceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "variance",
        abstract: "Measure the variance, bias and cost of the actor-gradient estimators on a bandit or a trained checkpoint.",
        discussion: """
        For each K, each samples-per-state budget M and each estimator, draws N independent seeded gradient \
        estimates and reports, per parameter group (logits, means, log-stds, all), the trace and largest \
        eigenvalue of their covariance, the bias against a reference (exact quadrature on a bandit, a \
        high-sample MRP average on a checkpoint) and the cost. Equal-sample rows give every estimator M \
        samples (MRP: M per component); equal-compute rows give LR, hybrid and Gumbel K*M samples, as many \
        critic evaluations as MRP. Writes variance.md, variance.csv, reference.csv, report.html and SVG \
        plots into --out and prints the tables.
        """)

    @Option(help: "A bandit: symmetric-bimodal, asymmetric-bimodal or stochastic-bimodal (or its environment id).")
    var bandit: String?

    @Option(help: ArgumentHelp("A trained run folder (or its checkpoint file): its actor, critics and replay states.", valueName: "DIR"))
    var checkpoint: String?

    @Option(name: [.customShort("k"), .customLong("components")],
            help: ArgumentHelp("Mixture components K, comma-separated (default 2,5,8 for a bandit; a checkpoint's own K).", valueName: "K,..."))
    var components: [String] = []

    @Option(help: ArgumentHelp("Samples per state M, comma-separated (MRP: per component).", valueName: "M,..."))
    var samples: [String] = ["1"]

    @Option(name: [.customShort("n"), .customLong("estimates")], help: "Independent gradient estimates per row, N (at least 2).")
    var estimates: Int = 1000

    @Option(help: "Seed of every row's random stream.")
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Estimators, comma-separated: rp, mrp, lr, lr-loo, hybrid, hybrid-loo, gumbel (default: rp, mrp, lr, lr-loo, hybrid, gumbel, each where it applies).",
                               valueName: "NAME,..."))
    var estimators: [String] = []

    @Option(help: "The report folder to write.")
    var out: String = "variance-report"

    @Option(help: "Entropy temperature (default 0.2 for a bandit, the learned one for a checkpoint).")
    var alpha: Double?

    @Option(help: "Relaxation temperature of the Gumbel-softmax estimator.")
    var gumbelTemperature: Double = 1

    @Option(help: ArgumentHelp("Bandit initial mixture: K logits, comma-separated (with --means and --log-stds; a single K).", valueName: "Z,..."))
    var logits: String?

    @Option(help: ArgumentHelp("Bandit initial mixture: K pre-squash means.", valueName: "MU,..."))
    var means: String?

    @Option(help: ArgumentHelp("Bandit initial mixture: K log-standard-deviations.", valueName: "S,..."))
    var logStds: String?

    @Option(help: "Checkpoint: replay states per estimate.")
    var states: Int = 16

    @Option(help: "Checkpoint: samples per component of the MRP reference.")
    var referenceSamples: Int = 32

    @Option(help: "Checkpoint: estimates averaged into the MRP reference.")
    var referenceEstimates: Int = 100

    @Flag(help: "Leave out the equal-compute rows.")
    var noEqualCompute = false

    @Option(help: "Most critic rows per batched pass (memory bound; another value draws other random numbers).")
    var rowsPerPass: Int = 16_384

    /// The request the options describe; every rejection names the option at fault.
    func request() throws -> VarianceRequest {
        func integers(_ values: [String], option: String) throws -> [Int] {
            try values.flatMap { $0.split(separator: ",") }.map { text in
                guard let v = Int(text.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("\(option) expects integers separated by commas, not '\(text)'")
                }
                return v
            }
        }
        func reals(_ text: String, option: String) throws -> [Double] {
            try text.split(separator: ",").map { part in
                guard let v = Double(part.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("\(option) expects numbers separated by commas, not '\(part)'")
                }
                return v
            }
        }
        let problem: VarianceRequest.Problem
        switch (bandit, checkpoint) {
        case (nil, nil), (.some, .some):
            throw ValidationError("give exactly one problem: --bandit NAME (symmetric-bimodal, asymmetric-bimodal, stochastic-bimodal) or --checkpoint DIR")
        case (let name?, nil):
            var initial = InitialMixture.spread
            switch (logits, means, logStds) {
            case (nil, nil, nil): break
            case let (z?, mu?, s?):
                initial = .explicit(logits: try reals(z, option: "--logits"), means: try reals(mu, option: "--means"),
                                    logStds: try reals(s, option: "--log-stds"))
            default:
                throw ValidationError("--logits, --means and --log-stds go together (K values each)")
            }
            problem = .bandit(BanditProblem(bandit: try BanditName(parsing: name), initialMixture: initial, alpha: alpha ?? 0.2))
        case (nil, let dir?):
            if logits != nil || means != nil || logStds != nil {
                throw ValidationError("--logits, --means and --log-stds set a bandit's initial mixture; a checkpoint has its own policy")
            }
            problem = .checkpoint(CheckpointOptions(location: URL(fileURLWithPath: dir), stateCount: states,
                                                    referenceSamplesPerComponent: referenceSamples,
                                                    referenceEstimates: referenceEstimates, alpha: alpha))
        }
        let names = estimators.flatMap { $0.split(separator: ",") }.map(String.init)
        return VarianceRequest(
            problem: problem,
            componentCounts: components.isEmpty ? nil : try integers(components, option: "--components"),
            samplesPerState: try integers(samples, option: "--samples"),
            estimateCount: estimates, seed: seed,
            estimators: names.isEmpty ? nil : try names.map { name throws(VarianceError) in try VarianceEstimatorKind(parsing: name) },
            gumbelTemperature: gumbelTemperature, includesEqualCompute: !noEqualCompute, rowsPerPass: rowsPerPass)
    }

    func run() throws {
        let display = ProgressDisplay(plainInterval: 10)
        // Every rejection (options that do not parse, a request the benchmark refuses) is
        // reported here, before any sampling, as a usage error (exit code 2, with the usage line).
        let benchmark: VarianceBenchmark
        do { benchmark = try VarianceBenchmark(try request()) }
        catch let error as VarianceError { throw ValidationError(error.description) }
        display.line("variance: \(benchmark.plan.count) rows at K = \(benchmark.componentCounts.map(String.init).joined(separator: ",")), "
             + "M = \(benchmark.budgets.map(String.init).joined(separator: ",")), N = \(estimates)")
        let start = Date()
        let report = try benchmark.run { p in display.update("[\(p.completed + 1)/\(p.total)] \(p.activity)", force: p.completed == 0) }
        display.finish(String(format: "variance: %d rows done (%.1f s)", benchmark.plan.count, Date().timeIntervalSince(start)))
        let command = (["mixrl"] + CommandLine.arguments.dropFirst().map(Self.quoted)).joined(separator: " ")
        let folder = URL(fileURLWithPath: out)
        let written = try report.write(to: folder, command: command)
        print(report.markdown(command: command), terminator: "")
        display.line("variance: \(written.count) files in \(folder.path)")
    }

    /// An argument as a shell would need it.
    static func quoted(_ argument: String) -> String {
        let safe = argument.allSatisfy { $0.isLetter || $0.isNumber || "-_.,/=:+".contains($0) }
        return safe && !argument.isEmpty ? argument : "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
