import ArgumentParser
import Foundation
import MixRL

/// `mixrl landscape`: the stationary points of the entropy-regularized objective on the
/// built-in bandits (docs/theory.md). Parses the options into a `LandscapeRequest`, lets
/// `LandscapeScan` check it (every rejection happens before any optimization), runs it with
/// progress on stderr, writes the report folder and prints the findings.
struct LandscapeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "landscape",
        abstract: "Find and classify the stationary points of E[r(a)] + alpha H(pi) on a bandit, for Gaussian and mixture policies, across alpha.",
        discussion: """
        For each bandit, each K and each temperature of a geometric grid, runs Newton's method (uphill, and to any \
        stationary point) from starts on the modes, between them and spread, with exact quadrature gradients, and \
        continues the previous temperature's points. Classifies each stationary point by its Hessian's eigenvalues \
        (maximum, saddle, degenerate) and by the modes it covers, then reports up to which temperature each kind of \
        local maximum exists, refined by bisection. Writes landscape.md, landscape.csv, report.html and SVG plots \
        into --out and prints the findings.
        """)

    @Option(name: .customLong("bandit"),
            help: ArgumentHelp("Bandits, comma-separated: symmetric-bimodal, asymmetric-bimodal, stochastic-bimodal (or environment ids).", valueName: "NAME,..."))
    var bandits: [String] = ["symmetric-bimodal,asymmetric-bimodal"]

    @Option(name: [.customShort("k"), .customLong("components")], help: ArgumentHelp("Mixture components K, comma-separated (1 is the Gaussian; at most 4).", valueName: "K,..."))
    var components: [String] = ["1,2"]

    @Option(help: "Smallest temperature alpha.")
    var alphaMin: Double = 0.05

    @Option(help: "Largest temperature alpha.")
    var alphaMax: Double = 3

    @Option(help: "Temperatures on the geometric grid from --alpha-min to --alpha-max.")
    var alphaCount: Int = 12

    @Option(help: "A policy covers a mode when at least this probability lies near the mode's centre.")
    var coverage: Double = 0.2

    @Option(help: "What 'near' means, in bump widths either side of the centre.")
    var coverageWindow: Double = 3

    @Option(help: "Bisection steps refining each temperature at which a kind of maximum disappears.")
    var bisectionSteps: Int = 16

    @Option(help: "The report folder to write.")
    var out: String = "landscape-report"

    /// The request the options describe; every rejection names the option at fault.
    func request() throws -> LandscapeRequest {
        let names = bandits.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        let problems = try names.map { name throws(LandscapeError) -> LandscapeProblem in LandscapeProblem(bandit: try LandscapeProblem.banditName(parsing: name)) }
        let ks = try components.flatMap { $0.split(separator: ",") }.map { text in
            guard let v = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--components expects integers separated by commas, not '\(text)'")
            }
            return v
        }
        return LandscapeRequest(problems: problems, componentCounts: ks, alphaMin: alphaMin, alphaMax: alphaMax, alphaCount: alphaCount,
                                coverageWindow: coverageWindow, coverageThreshold: coverage, bisectionSteps: bisectionSteps)
    }

    func run() throws {
        let display = ProgressDisplay(plainInterval: 10)
        let scan: LandscapeScan
        do { scan = try LandscapeScan(try request()) }
        catch let error as LandscapeError { throw ValidationError(error.description) }
        let r = scan.request
        display.line("landscape: \(r.problems.map(\.name).joined(separator: ", ")) at K = \(r.componentCounts.map(String.init).joined(separator: ",")), "
             + "\(r.alphaCount) temperatures from \(r.alphaMin) to \(r.alphaMax)")
        let result = try scan.run { p in display.update("[\(p.completed)/\(p.total)] \(p.activity)", force: p.completed == 0) }
        display.finish(String(format: "landscape: scan done (%.1f s)", result.seconds))
        let report = LandscapeReport(result)
        let command = (["mixrl"] + CommandLine.arguments.dropFirst().map(VarianceCommand.quoted)).joined(separator: " ")
        let folder = URL(fileURLWithPath: out)
        let written = try report.write(to: folder, command: command)
        print(report.markdown(command: command), terminator: "")
        display.line("landscape: \(written.count) files in \(folder.path)")
    }
}
