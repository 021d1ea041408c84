#if _endian(big)
#error("safetensors data is little-endian; MixGraph copies tensor bytes as they are in memory")
#endif

/// The safetensors format (https://github.com/huggingface/safetensors), encoded and
/// decoded in memory; reading and writing files is in `SafeTensors+Files.swift`.
///
/// Layout: an 8-byte little-endian unsigned header length `N`; `N` bytes of UTF-8 JSON
/// starting with `{` (trailing spaces allowed), mapping each tensor name to
/// `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to the data
/// buffer) plus an optional `"__metadata__"` map of strings to strings; then the data
/// buffer, little-endian, row-major, entirely indexed with no holes or overlaps.
/// Writers here pad the header with spaces so the data starts 8-byte aligned, as the
/// reference implementation does.
public enum SafeTensors {
    /// The reference implementation's limit on the header length (100 MB), which keeps a
    /// corrupt length from requesting an absurd allocation.
    public static let maximumHeaderLength = 100_000_000

    /// Bits per element of every dtype the format defines (sub-byte float formats included,
    /// so any valid file can be validated even if its tensors cannot be converted).
    static let dtypeBits: [String: Int] = [
        "BOOL": 8, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8,
        "I16": 16, "U16": 16, "F16": 16, "BF16": 16,
        "I32": 32, "U32": 32, "F32": 32, "I64": 64, "U64": 64, "F64": 64,
        "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6, "C64": 64,
    ]

    /// The bytes of a safetensors file holding `tensors` (stored in name order) and
    /// `metadata` (omitted when empty). Pure: the same input gives the same bytes.
    public static func encode<Scalar: TensorScalar>(_ tensors: [(name: String, tensor: Tensor<Scalar>)],
                                                    metadata: [String: String] = [:]) -> [UInt8] {
        let sorted = tensors.sorted { $0.name < $1.name }
        var names = Set<String>()
        for t in sorted { graphRequire(names.insert(t.name).inserted && t.name != "__metadata__", "tensor name \"\(t.name)\" repeated or reserved") }
        var header = "{"
        var fields: [String] = []
        if !metadata.isEmpty {
            let entries = metadata.sorted { $0.key < $1.key }.map { "\(jsonQuoted($0.key)):\(jsonQuoted($0.value))" }
            fields.append("\"__metadata__\":{" + entries.joined(separator: ",") + "}")
        }
        var offset = 0
        let width = MemoryLayout<Scalar>.stride
        for t in sorted {
            let size = t.tensor.count * width
            let shape = t.tensor.shape.dims.map(String.init).joined(separator: ",")
            fields.append("\(jsonQuoted(t.name)):{\"dtype\":\"\(Scalar.dtypeName)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + size)]}")
            offset += size
        }
        header += fields.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        headerBytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - headerBytes.count % 8) % 8))
        var out: [UInt8] = []
        out.reserveCapacity(8 + headerBytes.count + offset)
        var n = UInt64(headerBytes.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(contentsOf: headerBytes)
        for t in sorted { t.tensor.withUnsafeBytes { out.append(contentsOf: $0) } }
        return out
    }

    /// Parses and validates a whole file's bytes. `path` only names the source in errors.
    ///
    /// Rejects (as ``SafeTensorsError``): fewer than 8 bytes, a header length beyond the
    /// file or the 100 MB limit, a header that is not UTF-8 JSON starting with `{`,
    /// duplicate keys, entries without a known dtype, a shape of non-negative integers
    /// and two ordered offsets, a byte count that does not match dtype and shape, holes
    /// or overlaps between tensors, a data buffer shorter than indexed (truncated body) or
    /// longer (unindexed bytes).
    public static func decode(_ bytes: [UInt8], path: String = "<memory>") throws(SafeTensorsError) -> SafeTensorsArchive {
        func malformed(_ message: String) -> SafeTensorsError { SafeTensorsError(path: path, problem: .malformedHeader(message)) }
        guard bytes.count >= 8 else {
            throw malformed("the file has \(bytes.count) bytes, fewer than the 8-byte header length")
        }
        var declared: UInt64 = 0
        for k in 0..<8 { declared |= UInt64(bytes[k]) << (8 * UInt64(k)) }
        guard declared <= UInt64(maximumHeaderLength) else {
            throw malformed("header length \(declared) exceeds the \(maximumHeaderLength)-byte limit")
        }
        let headerLength = Int(declared)
        guard headerLength <= bytes.count - 8 else {
            throw malformed("header length \(headerLength) exceeds the \(bytes.count - 8) bytes after it (file cut short?)")
        }
        guard headerLength >= 2, bytes[8] == UInt8(ascii: "{") else {
            throw malformed("the header does not start with '{'")
        }
        let headerBytes = bytes[8..<(8 + headerLength)]
        guard String(validating: headerBytes, as: UTF8.self) != nil else { throw malformed("the header is not valid UTF-8") }

        let root: SafeTensorsJSON
        do {
            var parser = JSONParser(bytes: Array(headerBytes))
            root = try parser.parseDocument()
        } catch {
            throw malformed(error.message)
        }
        guard case .object(let members) = root else { throw malformed("the header is not a JSON object") }

        var metadata: [String: String] = [:]
        var entries: [String: SafeTensorsArchive.Entry] = [:]
        for (name, value) in members {
            if name == "__metadata__" {
                guard case .object(let pairs) = value else { throw malformed("__metadata__ is not an object") }
                for (k, v) in pairs {
                    guard case .string(let s) = v else { throw malformed("__metadata__ value for \"\(k)\" is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard case .object(let fields) = value else { throw malformed("entry \"\(name)\" is not an object") }
            func field(_ key: String) -> SafeTensorsJSON? { fields.first { $0.0 == key }?.1 }
            guard case .string(let dtype)? = field("dtype") else { throw malformed("tensor \"\(name)\" has no string dtype") }
            guard let bits = dtypeBits[dtype] else { throw malformed("tensor \"\(name)\" has unknown dtype \"\(dtype)\"") }
            guard case .array(let shapeValues)? = field("shape") else { throw malformed("tensor \"\(name)\" has no shape array") }
            var shape: [Int] = []
            for s in shapeValues {
                guard case .integer(let d) = s, d >= 0 else { throw malformed("tensor \"\(name)\" has a shape entry that is not a non-negative integer") }
                shape.append(d)
            }
            guard case .array(let offsetValues)? = field("data_offsets"), offsetValues.count == 2,
                  case .integer(let begin) = offsetValues[0], case .integer(let end) = offsetValues[1],
                  begin >= 0, end >= begin
            else { throw malformed("tensor \"\(name)\" needs data_offsets [begin, end] with 0 <= begin <= end") }
            var elements = 1
            for d in shape {
                let (p, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow else { throw malformed("tensor \"\(name)\" has a shape \(shape) too large to index") }
                elements = p
            }
            let (totalBits, overflow) = elements.multipliedReportingOverflow(by: bits)
            guard !overflow, totalBits % 8 == 0 else { throw malformed("tensor \"\(name)\": \(elements) elements of \(dtype) are not a whole number of bytes") }
            guard end - begin == totalBits / 8 else {
                throw malformed("tensor \"\(name)\" spans \(end - begin) bytes but \(dtype) \(shape) needs \(totalBits / 8)")
            }
            entries[name] = SafeTensorsArchive.Entry(dtype: dtype, shape: shape, byteRange: begin..<end)
        }

        let bodyLength = bytes.count - 8 - headerLength
        var expected = 0
        for (name, entry) in entries.sorted(by: { ($0.value.byteRange.lowerBound, $0.value.byteRange.upperBound) < ($1.value.byteRange.lowerBound, $1.value.byteRange.upperBound) }) {
            guard entry.byteRange.lowerBound == expected else {
                throw malformed("tensor \"\(name)\" starts at data byte \(entry.byteRange.lowerBound) where \(expected) was expected (hole or overlap)")
            }
            expected = entry.byteRange.upperBound
        }
        if expected > bodyLength {
            throw SafeTensorsError(path: path, problem: .truncatedBody(expectedBytes: expected, actualBytes: bodyLength))
        }
        if expected < bodyLength {
            throw malformed("the header indexes \(expected) data bytes but \(bodyLength) follow it")
        }
        return SafeTensorsArchive(path: path, metadata: metadata, entries: entries, bytes: bytes, dataStart: 8 + headerLength)
    }
}

/// A decoded safetensors file: its metadata and the location of every tensor.
/// Tensors are converted on request, with checks of dtype and shape.
public struct SafeTensorsArchive: Sendable {
    /// Where one tensor lives in the data buffer.
    public struct Entry: Sendable, Equatable {
        /// The safetensors dtype name (`F32`, `F64`, `BF16`, ...).
        public var dtype: String
        /// The dimensions (`[]` for a scalar).
        public var shape: [Int]
        /// Byte offsets in the data buffer.
        public var byteRange: Range<Int>
    }

    /// The file the archive was read from (`<memory>` when decoded from bytes).
    public let path: String
    /// The `__metadata__` map (empty when absent).
    public let metadata: [String: String]
    /// Every tensor by name.
    public let entries: [String: Entry]
    let bytes: [UInt8]
    let dataStart: Int

    /// The tensor names, sorted.
    public var names: [String] { entries.keys.sorted() }

    /// The tensor `name` as `Scalar`, checking that it exists, that its dtype is
    /// `Scalar.dtypeName` (no silent conversion) and, when given, its shape. Copies the
    /// bytes exactly (bit-exact round trips, NaN payloads included).
    public func tensor<Scalar: TensorScalar>(_ name: String, as type: Scalar.Type = Scalar.self,
                                             shape expected: Shape? = nil) throws(SafeTensorsError) -> Tensor<Scalar> {
        guard let entry = entries[name] else { throw SafeTensorsError(path: path, problem: .missingTensor(name)) }
        if let expected, entry.shape != expected.dims {
            throw SafeTensorsError(path: path, problem: .wrongShape(tensor: name, expected: expected.dims, found: entry.shape))
        }
        guard entry.dtype == Scalar.dtypeName else {
            throw SafeTensorsError(path: path, problem: .wrongDtype(tensor: name, expected: Scalar.dtypeName, found: entry.dtype))
        }
        guard entry.shape.count <= Shape.maxRank else {
            throw SafeTensorsError(path: path, problem: .wrongShape(tensor: name, expected: expected?.dims ?? [], found: entry.shape))
        }
        let range = (dataStart + entry.byteRange.lowerBound)..<(dataStart + entry.byteRange.upperBound)
        return bytes.withUnsafeBytes { raw in
            Tensor(shape: Shape(entry.shape), bytes: UnsafeRawBufferPointer(rebasing: raw[range]))
        }
    }
}

/// A safetensors file that cannot be read, written or used, with the file and the problem.
public struct SafeTensorsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong.
    public enum Problem: Equatable, Sendable {
        /// The file could not be opened or read.
        case unreadable(String)
        /// The file could not be written.
        case unwritable(String)
        /// The length prefix or JSON header is invalid (the message says how).
        case malformedHeader(String)
        /// The data buffer ends before the last tensor the header indexes.
        case truncatedBody(expectedBytes: Int, actualBytes: Int)
        /// A tensor that was asked for is not in the file.
        case missingTensor(String)
        /// A tensor has another shape than the one it is loaded into.
        case wrongShape(tensor: String, expected: [Int], found: [Int])
        /// A tensor has another dtype than the one it is loaded into.
        case wrongDtype(tensor: String, expected: String, found: String)
        /// A `__metadata__` entry needed to restore state is missing or unreadable.
        case invalidMetadata(String)
    }

    /// The file (or `<memory>`).
    public var path: String
    /// What is wrong with it.
    public var problem: Problem

    /// An error about the file at `path`.
    package init(path: String, problem: Problem) {
        self.path = path
        self.problem = problem
    }

    /// The file, then the problem in words.
    public var description: String {
        switch problem {
        case .unreadable(let m): return "\(path): cannot read: \(m)"
        case .unwritable(let m): return "\(path): cannot write: \(m)"
        case .malformedHeader(let m): return "\(path): malformed safetensors header: \(m)"
        case let .truncatedBody(expected, actual):
            return "\(path): truncated safetensors body: the header indexes \(expected) data bytes but only \(actual) are present"
        case .missingTensor(let name): return "\(path): missing tensor \"\(name)\""
        case let .wrongShape(name, expected, found): return "\(path): tensor \"\(name)\" has shape \(found), expected \(expected)"
        case let .wrongDtype(name, expected, found): return "\(path): tensor \"\(name)\" has dtype \(found), expected \(expected)"
        case .invalidMetadata(let m): return "\(path): invalid metadata: \(m)"
        }
    }
}
