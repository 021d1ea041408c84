import Foundation
import MixAgents
import MixSweeps

/// One evaluation of a run (a row of `eval.csv`).
package struct EvaluationPoint: Sendable, Equatable {
    /// The environment step of the evaluation.
    package var step: Int
    /// Mean return over the evaluation episodes.
    package var returnMean: Double
    /// Mean return of the stochastic episodes (`return_stochastic_mean`), where recorded.
    package var returnStochasticMean: Double?
    /// The policy's mass near each mode (`mode_mass_0`, ...), for tasks that declare modes.
    package var modeMasses: [Double]
    /// The fraction of evaluation episodes that succeeded (`success_rate`), for tasks that
    /// report success (Meta-World); nil elsewhere.
    package var successRate: Double?

    /// An evaluation at `step`.
    package init(step: Int, returnMean: Double, returnStochasticMean: Double? = nil, modeMasses: [Double] = [], successRate: Double? = nil) {
        self.step = step
        self.returnMean = returnMean
        self.returnStochasticMean = returnStochasticMean
        self.modeMasses = modeMasses
        self.successRate = successRate
    }
}

/// What a report needs from one run folder.
package struct RunResult: Sendable {
    /// The run id (its folder name).
    package var id: String
    /// The run folder.
    package var folder: URL
    /// `config.json` (or, for a run that has not started, the plan's configuration), by snake_case key.
    package var configuration: [String: JSONValue]
    /// The rows of `eval.csv`, by step.
    package var evaluations: [EvaluationPoint]
    /// The parsed `status.json`, if any.
    package var status: TrainingStatus?
    /// `wall_seconds` of the last line of `metrics.csv`.
    package var wallSeconds: Double?
    /// The step of the last line of `metrics.csv`.
    package var loggedStep: Int?
    /// The training episodes the run has played (the `episode/return` lines of `metrics.csv`).
    package var trainingEpisodes: TrainingEpisodes

    /// A result from its parts.
    package init(id: String, folder: URL, configuration: [String: JSONValue], evaluations: [EvaluationPoint], status: TrainingStatus?,
                 wallSeconds: Double?, loggedStep: Int? = nil, trainingEpisodes: TrainingEpisodes = TrainingEpisodes()) {
        self.id = id
        self.folder = folder
        self.configuration = configuration
        self.evaluations = evaluations
        self.status = status
        self.wallSeconds = wallSeconds
        self.loggedStep = loggedStep
        self.trainingEpisodes = trainingEpisodes
    }

    /// Whether `status.json` says finished.
    package var isFinished: Bool { status?.state == .finished }

    /// The environment step the run has reached, as far as its files tell (`status.json`,
    /// else the last logged or evaluated step); nil for a run that has not started.
    package var stepReached: Int? {
        let known = [status?.step, loggedStep, evaluations.last?.step].compactMap { $0 }
        return known.max()
    }

    /// The run's step budget (`steps` of its configuration).
    package var totalSteps: Int? { configuration["steps"]?.doubleValue.map { Int($0) } }

    /// The run's seed, as written in its configuration.
    package var seedText: String { configuration["seed"]?.description ?? "?" }

    /// The last evaluation's mean return, or `final_return` of `status.json`.
    package var finalReturn: Double? { evaluations.last?.returnMean ?? status?.finalReturn }

    /// The last evaluation's stochastic mean return, where `eval.csv` records it.
    package var finalStochasticReturn: Double? { evaluations.last?.returnStochasticMean }

    /// The last evaluation's mode masses (empty for tasks without declared modes or older runs).
    package var finalModeMasses: [Double] { evaluations.last?.modeMasses ?? [] }

    /// The last evaluation's success rate, for tasks that report success.
    package var finalSuccessRate: Double? { evaluations.last?.successRate }
}

/// The training episodes of a run, summarized: what the agent earned while it learned
/// (the paper's "online" return), as opposed to the evaluations' deterministic episodes.
package struct TrainingEpisodes: Sendable, Equatable {
    /// Episodes that ended (by termination or the time limit), random-action ones included.
    package var count: Int = 0
    /// The sum of their returns.
    package var returnSum: Double = 0
    /// How many ended by termination rather than the time limit (`episode/terminated` is 1:
    /// MountainCar's goal, Hopper's fall); nil for a run logged before that metric existed.
    package var terminated: Int?

    /// No episodes.
    package init() {}

    /// The summary of episodes with these returns, `terminated` of them ended by termination.
    package init(returns: [Double], terminated: Int? = nil) {
        count = returns.count
        returnSum = returns.reduce(0, +)
        self.terminated = terminated
    }

    /// The mean return of the training episodes; nil before the first episode ends.
    package var meanReturn: Double? { count == 0 ? nil : returnSum / Double(count) }
}

/// Reads run folders for reports.
package enum RunResultLoader {
    /// The runs of `folder`: a sweep folder's planned runs (from `plan.json`), else every
    /// folder with a `config.json` under `folder/runs/` or directly under `folder`, or
    /// `folder` itself if it is a run folder.
    package static func load(from folder: URL) -> [RunResult] {
        let sweep = SweepFolder(path: folder.path)
        if let plan = sweep.loadPlan() {
            return plan.plan.runs.map { run in
                let fallback = (try? JSONValue(encoding: run.configuration).objectValue) ?? [:]
                return load(run: sweep.runFolder(run.id), id: run.id, fallbackConfiguration: fallback)
            }
        }
        let fm = FileManager.default
        if fm.fileExists(atPath: folder.appendingPathComponent("config.json").path) {
            return [load(run: RunFolder(url: folder), id: folder.lastPathComponent, fallbackConfiguration: [:])]
        }
        var results: [RunResult] = []
        for parent in [folder.appendingPathComponent("runs"), folder] {
            guard let names = try? fm.contentsOfDirectory(atPath: parent.path) else { continue }
            for name in names.sorted() {
                let run = RunFolder(url: parent.appendingPathComponent(name))
                if fm.fileExists(atPath: run.configFile.path) { results.append(load(run: run, id: name, fallbackConfiguration: [:])) }
            }
            if !results.isEmpty { break }
        }
        return results
    }

    static func load(run: RunFolder, id: String, fallbackConfiguration: [String: JSONValue]) -> RunResult {
        var configuration = fallbackConfiguration
        if let data = FileManager.default.contents(atPath: run.configFile.path), let json = JSONValue(parsing: data), !json.objectValue.isEmpty {
            configuration = json.objectValue
        }
        let metrics = FileManager.default.contents(atPath: run.metricsFile.path).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let lines = metrics.split(separator: "\n")
        let lastCells = lines.last?.split(separator: ",", omittingEmptySubsequences: false)
        let wall = lastCells.flatMap { $0.dropFirst().first }.flatMap { Double($0) }
        let step = lastCells.flatMap { $0.first }.flatMap { Int($0) }
        return RunResult(id: id, folder: run.url, configuration: configuration, evaluations: evaluations(run.evalFile),
                         status: run.status(), wallSeconds: wall, loggedStep: step, trainingEpisodes: trainingEpisodes(lines))
    }

    /// The training episodes among the lines of a `metrics.csv` (its `STEP,WALL,episode,return,VALUE`
    /// and `STEP,WALL,episode,terminated,0|1` lines).
    static func trainingEpisodes(_ lines: [Substring]) -> TrainingEpisodes {
        var returns: [Double] = []
        var terminated: Int?
        for line in lines where line.contains(",episode,") {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            guard cells.count == 5, cells[2] == "episode", let value = Double(cells[4]) else { continue }
            switch cells[3] {
            case "return": returns.append(value)
            case "terminated": terminated = (terminated ?? 0) + (value == 1 ? 1 : 0)
            default: continue
            }
        }
        return TrainingEpisodes(returns: returns, terminated: terminated)
    }

    /// Rows of an `eval.csv` (columns found by their header names, so the older layout
    /// without the stochastic return and mode masses reads too), sorted by step.
    package static func evaluations(_ url: URL) -> [EvaluationPoint] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first, let stepColumn = header.firstIndex(of: "step"), let returnColumn = header.firstIndex(of: "return_mean") else { return [] }
        let stochasticColumn = header.firstIndex(of: "return_stochastic_mean")
        let successColumn = header.firstIndex(of: "success_rate")
        let massColumns = header.indices.compactMap { i -> (mode: Int, column: Int)? in
            guard header[i].hasPrefix("mode_mass_"), let mode = Int(header[i].dropFirst("mode_mass_".count)) else { return nil }
            return (mode, i)
        }.sorted { $0.mode < $1.mode }.map { $0.column }
        var points: [Int: EvaluationPoint] = [:]
        for row in lines.dropFirst() where row.count > max(stepColumn, returnColumn) {
            guard let step = Int(row[stepColumn]), let r = Double(row[returnColumn]) else { continue }
            let stochastic = stochasticColumn.flatMap { $0 < row.count ? Double(row[$0]) : nil }
            let masses = massColumns.compactMap { $0 < row.count ? Double(row[$0]) : nil }
            let success = successColumn.flatMap { $0 < row.count ? Double(row[$0]) : nil }
            points[step] = EvaluationPoint(step: step, returnMean: r, returnStochasticMean: stochastic,
                                           modeMasses: masses.count == massColumns.count ? masses : [], successRate: success)
        }
        return points.keys.sorted().compactMap { points[$0] }
    }
}
