import Foundation
import MixAgents

/// A run's folder, read (never written) by the sweep: `mixrl train` owns its content.
package struct RunFolder: Sendable {
    /// The folder.
    package let url: URL

    /// The run folder at `url` (which need not exist yet).
    package init(url: URL) { self.url = url }

    /// `status.json`: written atomically at the end.
    package var statusFile: URL { url.appendingPathComponent("status.json") }
    /// `config.json`: the resolved configuration.
    package var configFile: URL { url.appendingPathComponent("config.json") }
    /// `eval.csv`: one row per evaluation.
    package var evalFile: URL { url.appendingPathComponent("eval.csv") }
    /// `metrics.csv`: one row per logged event.
    package var metricsFile: URL { url.appendingPathComponent("metrics.csv") }
    /// `checkpoints/latest.ckpt`: what `--resume` continues from.
    package var checkpointFile: URL { url.appendingPathComponent("checkpoints/latest.ckpt") }

    /// Whether the folder exists at all.
    package var exists: Bool { FileManager.default.fileExists(atPath: url.path) }

    /// Whether a checkpoint to resume from exists.
    package var hasCheckpoint: Bool { FileManager.default.fileExists(atPath: checkpointFile.path) }

    /// The parsed `status.json`, if there is a readable one.
    package func status() -> TrainingStatus? { TrainingStatus.read(runDirectory: url) }

    /// A run is finished exactly when its `status.json` says so.
    package var isFinished: Bool { status()?.state == .finished }

    /// The step of the last line of `metrics.csv` (reads only the file's last 4 KiB), for
    /// progress estimates.
    package func lastLoggedStep() -> Int? {
        guard let line = FileTail.lastLines(of: metricsFile, count: 1, maxBytes: 4096).last,
              let field = line.split(separator: ",", maxSplits: 1).first else { return nil }
        return Int(field)
    }
}

/// Reading the end of a file without reading all of it.
package enum FileTail {
    /// The last `count` complete lines within the last `maxBytes` bytes of the file.
    package static func lastLines(of url: URL, count: Int, maxBytes: Int = 16_384) -> [String] {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return [] }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd() else { return [] }
        let start = size > UInt64(maxBytes) ? size - UInt64(maxBytes) : 0
        guard (try? handle.seek(toOffset: start)) != nil, let data = try? handle.readToEnd() else { return [] }
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        if start > 0, !lines.isEmpty { lines.removeFirst() }  // probably cut
        return Array(lines.suffix(count))
    }
}
