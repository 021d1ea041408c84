import Foundation

/// A run folder's `status.json`: how the run ended (written atomically at the end).
public struct TrainingStatus: Codable, Sendable, Equatable {
    /// How a run ended.
    public enum State: String, Codable, Sendable, CaseIterable {
        /// Every step done and evaluated.
        case finished
        /// Stopped with an error (see ``TrainingStatus/error``).
        case failed
        /// Stopped on request, after a checkpoint: it can be resumed.
        case interrupted
    }

    /// How the run ended.
    public var state: State
    /// The environment step reached.
    public var step: Int?
    /// The last evaluation's mean return, if the run evaluated.
    public var finalReturn: Double?
    /// Why the run failed, for `failed`.
    public var error: String?

    /// A status with the given fields.
    public init(state: State, step: Int?, finalReturn: Double?, error: String?) {
        self.state = state
        self.step = step
        self.finalReturn = finalReturn
        self.error = error
    }

    /// The `status.json` of `runDirectory`; nil while the run is in progress, after a kill,
    /// or if the file is not a status (read leniently: unknown fields are ignored).
    package static func read(runDirectory: URL) -> TrainingStatus? {
        guard let data = try? Data(contentsOf: runDirectory.appendingPathComponent("status.json")) else { return nil }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try? decoder.decode(TrainingStatus.self, from: data)
    }

    /// The JSON text of `status.json` (snake_case keys, one line).
    func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(self)) ?? Data(#"{"state":"failed"}"#.utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

/// One evaluation of a run (a row of `eval.csv`).
public struct EvaluationResult: Sendable, Equatable {
    /// The environment step at which the policy was evaluated.
    public var step: Int
    /// Episodes evaluated.
    public var episodes: Int
    /// Mean episode return.
    public var returnMean: Double
    /// Standard deviation of the episode returns.
    public var returnStandardDeviation: Double
    /// Fraction of successful episodes, for tasks that report success (Meta-World).
    public var successRate: Double?
    /// Mean return of as many episodes acting stochastically (sampling the policy); nil
    /// in run folders written before this column existed. Equal to ``returnMean`` when the
    /// evaluation mode is itself `stochastic`.
    public var returnStochasticMean: Double?
    /// Standard deviation of the stochastic episodes' returns (nil as ``returnStochasticMean``).
    public var returnStochasticStandardDeviation: Double?
    /// For a task that declares its modes (``/MixEnvs/MultimodalEnvironment``): the
    /// policy's exact probability mass near each mode, in the task's order; empty otherwise.
    public var modeMasses: [Double] = []
}

/// What a run folder recorded, read back: its configuration, status, evaluations and
/// every logged metric (docs/run-folder.md). Works on finished, interrupted and running
/// runs (a partly written last line is skipped).
///
/// ```swift
/// let log = try TrainingLog.read(runDirectory: run)
/// for e in log.evaluations { print(e.step, e.returnMean) }
/// let alpha = log.series(name: "alpha")   // one value per 1000 steps
/// ```
public struct TrainingLog: Sendable {
    /// The run's `config.json`.
    public var configuration: TrainingConfiguration
    /// The run's `status.json`; nil while it runs (or if it was killed).
    public var status: TrainingStatus?
    /// The rows of `eval.csv`, in order.
    public var evaluations: [EvaluationResult]
    /// The rows of `metrics.csv`, in order.
    public var events: [MetricEvent]

    /// The events named `name` (of `kind` — `train`, `episode` or `eval` — if given): for example `alpha`,
    /// `critic_loss`, `actor_loss`, `entropy`, `q_mean` (kind `train`, means over the
    /// updates since the previous row), `return` and `length` (kind `episode`).
    public func series(name: String, kind: String? = nil) -> [MetricEvent] {
        events.filter { $0.name == name && (kind == nil || $0.kind == kind) }
    }

    /// Reads the run folder `runDirectory`.
    ///
    /// - Throws: ``TrainingError/runFolder(path:reason:)`` if it has no readable
    ///   `config.json`, or a metric file that is not in the documented format.
    public static func read(runDirectory: URL) throws(TrainingError) -> TrainingLog {
        let configuration = try Trainer.readConfiguration(runDirectory)
        let status = TrainingStatus.read(runDirectory: runDirectory)
        let evaluations = try evaluationRows(of: runDirectory.appendingPathComponent("eval.csv"))
        let events = try rows(of: runDirectory.appendingPathComponent("metrics.csv"),
                              header: "step,wall_seconds,kind,name,value") { (f: [String]) -> MetricEvent? in
            guard f.count == 5, let step = Int(f[0]), let wall = Double(f[1]), let value = Double(f[4]) else { return nil }
            return MetricEvent(step: step, wallSeconds: wall, kind: f[2], name: f[3], value: value)
        }
        return TrainingLog(configuration: configuration, status: status, evaluations: evaluations, events: events)
    }

    /// The rows of an `eval.csv`: the five base columns, then (in newer run folders) the
    /// stochastic return and the mode masses, found by their header names.
    static func evaluationRows(of url: URL) throws(TrainingError) -> [EvaluationResult] {
        let base = Trainer.baseEvaluationColumns.joined(separator: ",")
        var columns: [String] = []
        return try rows(of: url, header: { first in
            guard first == base || first.hasPrefix(base + ",") else { return false }
            columns = first.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return true
        }, expected: base + "[,...]") { (f: [String]) -> EvaluationResult? in
            guard f.count == columns.count, let step = Int(f[0]), let episodes = Int(f[1]),
                  let mean = Double(f[2]), let std = Double(f[3]) else { return nil }
            var result = EvaluationResult(step: step, episodes: episodes, returnMean: mean, returnStandardDeviation: std,
                                          successRate: Double(f[4]))
            var masses: [(Int, Double)] = []
            for (name, field) in zip(columns, f).dropFirst(5) where !field.isEmpty {
                guard let value = Double(field) else { return nil }
                if name == "return_stochastic_mean" { result.returnStochasticMean = value }
                else if name == "return_stochastic_std" { result.returnStochasticStandardDeviation = value }
                else if name.hasPrefix("mode_mass_"), let i = Int(name.dropFirst("mode_mass_".count)) { masses.append((i, value)) }
            }
            result.modeMasses = masses.sorted { $0.0 < $1.0 }.map { $0.1 }
            return result
        }
    }

    /// The parsed complete lines of a CSV file with `header` (an absent file has none).
    static func rows<Row>(of url: URL, header: String, parse: ([String]) -> Row?) throws(TrainingError) -> [Row] {
        try rows(of: url, header: { $0 == header }, expected: header, parse: parse)
    }

    /// The parsed complete lines of a CSV file whose first line `acceptsHeader` accepts
    /// (`expected` describes it in the error).
    static func rows<Row>(of url: URL, header acceptsHeader: (String) -> Bool, expected: String,
                          parse: ([String]) -> Row?) throws(TrainingError) -> [Row] {
        guard let data = FileManager.default.contents(atPath: url.path) else { return [] }
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if !text.hasSuffix("\n") { lines.removeLast() }  // a line still being written
        guard let first = lines.first else { return [] }
        guard acceptsHeader(String(first)) else {
            throw .runFolder(path: url.deletingLastPathComponent().path, reason: "\(url.lastPathComponent) starts with \"\(first)\", expected \"\(expected)\"")
        }
        var result: [Row] = []
        for (i, line) in lines.dropFirst().enumerated() where !line.isEmpty {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard let row = parse(fields) else {
                throw .runFolder(path: url.deletingLastPathComponent().path, reason: "\(url.lastPathComponent) line \(i + 2) is not a valid row: \"\(line)\"")
            }
            result.append(row)
        }
        return result
    }
}
