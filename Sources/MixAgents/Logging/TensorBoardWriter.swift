import Foundation

/// Writes TensorBoard event files natively: TFRecord framing (length, masked CRC-32C
/// of the length, data, masked CRC-32C of the data) around hand-encoded `Event`
/// protocol buffers carrying scalar summaries. No protobuf dependency.
package final class TensorBoardMetricsSink: MetricsSink {
    let file: AppendFile
    /// The event file's path.
    package var url: URL { file.url }

    /// Creates `events.out.tfevents.<time>.<host>` in `directory`, or continues the
    /// newest such file there (so a resumed run appends to one file).
    package init(directory: URL) throws {
        let fm = FileManager.default
        let existing = (try? fm.contentsOfDirectory(atPath: directory.path))?
            .filter { $0.hasPrefix("events.out.tfevents.") }.sorted().last
        if let existing {
            file = try AppendFile(url: directory.appendingPathComponent(existing), header: nil)
        } else {
            let name = "events.out.tfevents.\(Int(Date().timeIntervalSince1970)).\(ProcessInfo.processInfo.hostName)"
            file = try AppendFile(url: directory.appendingPathComponent(name), header: nil)
            file.append(TensorBoardMetricsSink.record(TensorBoardMetricsSink.fileVersionEvent(wallTime: Date().timeIntervalSince1970)))
        }
    }

    package func record(_ events: [MetricEvent]) throws {
        let now = Date().timeIntervalSince1970
        for e in events {
            file.append(TensorBoardMetricsSink.record(TensorBoardMetricsSink.scalarEvent(
                wallTime: now, step: e.step, tag: "\(e.kind)/\(e.name)", value: Float(e.value))))
        }
    }

    package func flush() throws { try file.flush() }

    static func record(_ data: [UInt8]) -> Data {
        var out = Data()
        let length = withUnsafeBytes(of: UInt64(data.count).littleEndian) { Array($0) }
        out.append(contentsOf: length)
        out.append(contentsOf: withUnsafeBytes(of: CRC32C.masked(length).littleEndian) { Array($0) })
        out.append(contentsOf: data)
        out.append(contentsOf: withUnsafeBytes(of: CRC32C.masked(data).littleEndian) { Array($0) })
        return out
    }

    // Event { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
    // Summary { repeated Value value = 1; }  Value { string tag = 1; float simple_value = 2; }
    static func fileVersionEvent(wallTime: Double) -> [UInt8] {
        var p = Protobuf()
        p.double(field: 1, wallTime)
        p.bytes(field: 3, Array("brain.Event:2".utf8))
        return p.bytes
    }

    static func scalarEvent(wallTime: Double, step: Int, tag: String, value: Float) -> [UInt8] {
        var v = Protobuf()
        v.bytes(field: 1, Array(tag.utf8))
        v.float(field: 2, value)
        var summary = Protobuf()
        summary.bytes(field: 1, v.bytes)
        var event = Protobuf()
        event.double(field: 1, wallTime)
        event.varint(field: 2, UInt64(bitPattern: Int64(step)))
        event.bytes(field: 5, summary.bytes)
        return event.bytes
    }
}

/// The few protobuf wire-format primitives an `Event` needs.
struct Protobuf {
    var bytes: [UInt8] = []

    mutating func rawVarint(_ v: UInt64) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }
    mutating func key(_ field: Int, _ wireType: Int) { rawVarint(UInt64(field << 3 | wireType)) }
    mutating func varint(field: Int, _ v: UInt64) { key(field, 0); rawVarint(v) }
    mutating func double(field: Int, _ v: Double) {
        key(field, 1); withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }
    mutating func float(field: Int, _ v: Float) {
        key(field, 5); withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }
    mutating func bytes(field: Int, _ b: [UInt8]) { key(field, 2); rawVarint(UInt64(b.count)); bytes.append(contentsOf: b) }
}
