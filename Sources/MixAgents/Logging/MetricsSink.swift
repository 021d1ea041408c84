import Foundation

/// One logged scalar.
public struct MetricEvent: Sendable, Equatable {
    /// Environment step at which it was logged.
    public var step: Int
    /// Seconds since the run started (excluding time before a resume's checkpoint is included).
    public var wallSeconds: Double
    /// `train` (update statistics), `episode` (a training episode ended) or `eval`.
    public var kind: String
    /// The metric's name (`return_mean`, `alpha`, `critic_loss`, ...).
    public var name: String
    /// Its value.
    public var value: Double

    /// An event with the given fields.
    public init(step: Int, wallSeconds: Double, kind: String, name: String, value: Double) {
        self.step = step
        self.wallSeconds = wallSeconds
        self.kind = kind
        self.name = name
        self.value = value
    }
}

/// Where metrics go: CSV, JSON lines, TensorBoard, or a user's own sink.
package protocol MetricsSink: AnyObject {
    /// Records events (buffered; ``flush()`` makes them durable).
    func record(_ events: [MetricEvent]) throws
    /// Writes buffered events to disk.
    func flush() throws
}

/// A file opened for appending, with its own buffer.
final class AppendFile {
    let url: URL
    let handle: FileHandle
    var buffer = Data()

    init(url: URL, header: String?) throws {
        self.url = url
        let fm = FileManager.default
        let exists = fm.fileExists(atPath: url.path)
        if !exists { _ = fm.createFile(atPath: url.path, contents: nil) }
        handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        if !exists, let header { buffer.append(contentsOf: Array(header.utf8)) }
    }

    func append(_ s: String) { buffer.append(contentsOf: Array(s.utf8)) }
    func append(_ d: Data) { buffer.append(d) }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
        try handle.synchronize()
    }

    deinit { try? flush(); try? handle.close() }
}

/// `metrics.csv`: `step,wall_seconds,kind,name,value`.
package final class CSVMetricsSink: MetricsSink {
    let file: AppendFile
    package init(url: URL) throws { file = try AppendFile(url: url, header: "step,wall_seconds,kind,name,value\n") }
    package func record(_ events: [MetricEvent]) throws {
        for e in events { file.append("\(e.step),\(formatSeconds(e.wallSeconds)),\(e.kind),\(e.name),\(e.value)\n") }
    }
    package func flush() throws { try file.flush() }
}

/// `metrics.jsonl`: one JSON object per event.
package final class JSONLinesMetricsSink: MetricsSink {
    let file: AppendFile
    package init(url: URL) throws { file = try AppendFile(url: url, header: nil) }
    package func record(_ events: [MetricEvent]) throws {
        for e in events {
            let v = e.value.isFinite ? "\(e.value)" : "null"
            file.append("{\"step\":\(e.step),\"wall_seconds\":\(formatSeconds(e.wallSeconds)),\"kind\":\"\(e.kind)\",\"name\":\"\(e.name)\",\"value\":\(v)}\n")
        }
    }
    package func flush() throws { try file.flush() }
}

func formatSeconds(_ s: Double) -> String { String(format: "%.3f", s) }
