import Foundation
import MixGraph
import Testing
import MixTestSupport

/// A fresh temporary directory, removed by the caller.
func makeScratchDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("mixgraph-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite("safetensors")
struct SafeTensorsTests {
    /// Floats whose bits matter: signed zero, infinities, a NaN with a payload, subnormals.
    static let awkward: [Float] = [0, -0.0, .infinity, -.infinity, Float(bitPattern: 0x7FC0_1234),
                                   .leastNonzeroMagnitude, -.leastNormalMagnitude, .greatestFiniteMagnitude, 1 / 3]

    @Test func roundTripIsBitExact() throws {
        var rng = RandomStream(seed: 1)
        let a = Tensor<Float>(shape: Shape(3, 3), scalars: SafeTensorsTests.awkward)
        let b = Tensor<Float>.randomNormal(Shape(2, 3, 4), using: &rng)
        let scalar = Tensor<Float>(scalar: 2.5)
        let empty = Tensor<Float>.zeros(Shape(0, 7))
        let metadata = ["format": "pt", "note": "quote \" backslash \\ newline \n tab \t é"]
        let bytes = SafeTensors.encode([("weird \"name\"", a), ("b", b), ("scalar", scalar), ("empty", empty)], metadata: metadata)

        // Header rules: 8-byte little-endian length, JSON starting with '{', space padding
        // to an 8-byte boundary.
        let n = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect((8 + n) % 8 == 0)
        #expect(bytes[8] == UInt8(ascii: "{"))

        let dir = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("t.safetensors").path
        try SafeTensors.write(bytes, to: path)
        let archive = try SafeTensors.read(path)
        #expect(archive.metadata == metadata)
        #expect(archive.names == ["b", "empty", "scalar", "weird \"name\""])
        #expect(try archive.tensor("weird \"name\"", as: Float.self).scalars.map(\.bitPattern) == a.scalars.map(\.bitPattern))
        #expect(try archive.tensor("b", as: Float.self) == b)
        #expect(try archive.tensor("scalar", as: Float.self, shape: Shape()).scalar == 2.5)
        #expect(try archive.tensor("empty", as: Float.self).shape == Shape(0, 7))
        // Encoding is deterministic: what was read re-encodes to the same bytes.
        let again = SafeTensors.encode(try archive.names.map { ($0, try archive.tensor($0, as: Float.self)) }, metadata: archive.metadata)
        #expect(again == bytes)
    }

    @Test func doublesAndParameterSetsRoundTrip() throws {
        var rng = RandomStream(seed: 2)
        let net = MLP<Double>(inputSize: 4, hiddenSizes: [5], outputSize: 3, using: &rng)
        let dir = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("net.safetensors").path
        try net.parameters.save(to: path, metadata: ["epoch": "3"])
        let other = MLP<Double>(inputSize: 4, hiddenSizes: [5], outputSize: 3, using: &rng)
        try other.parameters.load(from: path)
        for (p, q) in zip(net.parameters, other.parameters) {
            #expect(p.value.scalars.map(\.bitPattern) == q.value.scalars.map(\.bitPattern))
        }
        #expect(try SafeTensors.read(path).entries["0.weight"]?.dtype == "F64")
    }

    @Test(.needsVenv) func fileWrittenByPythonLoads() throws {
        let dir = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("py.safetensors").path
        _ = try TestEnvironment.runPython("""
            import sys, numpy as np
            from safetensors.numpy import save_file
            save_file({
                "fc1.weight": (np.arange(6, dtype=np.float32) / np.float32(7)).reshape(2, 3),
                "fc1.bias": np.array([-1.5, 0.25], dtype=np.float32),
                "log_alpha": np.array(0.125, dtype=np.float32),
                "scale": np.array([[1e-300, -2.0], [3.0, np.pi]], dtype=np.float64),
                "steps": np.array([1, 2, 3], dtype=np.int64),
            }, sys.argv[1], metadata={"format": "np", "source": "python"})
            """, arguments: [path])
        let archive = try SafeTensors.read(path)
        #expect(archive.metadata == ["format": "np", "source": "python"])
        let w = try archive.tensor("fc1.weight", as: Float.self, shape: Shape(2, 3))
        #expect(w.scalars == (0..<6).map { Float($0) / 7 })
        #expect(try archive.tensor("fc1.bias", as: Float.self).scalars == [-1.5, 0.25])
        #expect(try archive.tensor("log_alpha", as: Float.self, shape: Shape()).scalar == 0.125)
        #expect(try archive.tensor("scale", as: Double.self).scalars == [1e-300, -2, 3, Double.pi])
        #expect(archive.entries["steps"]?.dtype == "I64" && archive.entries["steps"]?.shape == [3])
        #expect(throws: SafeTensorsError(path: path, problem: .wrongDtype(tensor: "steps", expected: "F64", found: "I64"))) {
            try archive.tensor("steps", as: Double.self)
        }
        // Loading into a network by name, as a PyTorch state dict would.
        let layer = Linear<Float>(weight: Parameter(name: "fc1.weight", value: .zeros(Shape(2, 3))),
                                  bias: Parameter(name: "fc1.bias", value: .zeros(Shape(2))))
        try layer.parameters.load(from: archive)
        #expect(layer.weight.value == w)
    }

    @Test(.needsVenv) func fileWrittenHereLoadsInPython() throws {
        var rng = RandomStream(seed: 3)
        let net = MLP<Float>(inputSize: 3, hiddenSizes: [4], outputSize: 2, using: &rng)
        let dir = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("net.safetensors").path
        try net.parameters.save(to: path, metadata: ["format": "pt"])
        let output = try TestEnvironment.runPython("""
            import sys
            from safetensors import safe_open
            with safe_open(sys.argv[1], framework="np") as f:
                print(f.metadata()["format"])
                for k in sorted(f.keys()):
                    t = f.get_tensor(k)
                    print(k, t.dtype, list(t.shape), " ".join(v.hex() for v in t.astype(float).ravel()))
            """, arguments: [path])
        var expected = ["pt"]
        for p in net.parameters.sorted(by: { $0.name < $1.name }) {
            expected.append("\(p.name) float32 \(p.value.shape.dims) " + p.value.scalars.map { Double($0).hexLiteral }.joined(separator: " "))
        }
        #expect(output.split(separator: "\n").map(String.init) == expected)
    }

    // MARK: Corrupt files, one per kind of problem

    func writeCorrupt(_ bytes: [UInt8], _ name: String, in dir: URL) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try SafeTensors.write(bytes, to: path)
        return path
    }

    func goodFile() -> [UInt8] {
        SafeTensors.encode([("a", Tensor<Float>(shape: Shape(2, 2), scalars: [1, 2, 3, 4])), ("b", Tensor<Float>([5, 6]))])
    }

    /// Replaces the JSON header of a valid file (re-padding and re-measuring it).
    func withHeader(_ json: String, body: [UInt8]) -> [UInt8] {
        var h = Array(json.utf8)
        h.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - h.count % 8) % 8))
        var n = UInt64(h.count).littleEndian
        return withUnsafeBytes(of: &n) { Array($0) } + h + body
    }

    func expectProblem(_ path: String, _ expected: SafeTensorsError.Problem? = nil, mentioning words: [String],
                       sourceLocation: SourceLocation = #_sourceLocation, _ load: (String) throws(SafeTensorsError) -> Void) {
        do {
            try load(path)
            Issue.record("loading \(path) should have failed", sourceLocation: sourceLocation)
        } catch {
            if let expected { #expect(error.problem == expected, sourceLocation: sourceLocation) }
            #expect(error.path == path, sourceLocation: sourceLocation)
            for w in words { #expect(error.description.contains(w), "\(error.description) lacks \(w)", sourceLocation: sourceLocation) }
        }
    }

    func loadAB(_ path: String) throws(SafeTensorsError) {
        let ps = ParameterSet([Parameter(name: "a", value: Tensor<Float>.zeros(Shape(2, 2))), Parameter(name: "b", value: Tensor<Float>.zeros(Shape(2)))])
        try ps.load(from: path)
    }

    @Test func missingTensor() throws {
        let dir = try makeScratchDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeCorrupt(SafeTensors.encode([("a", Tensor<Float>.zeros(Shape(2, 2)))]), "missing.safetensors", in: dir)
        expectProblem(path, .missingTensor("b"), mentioning: ["missing.safetensors", "missing tensor \"b\""], loadAB)
    }

    @Test func wrongShapeLeavesParametersUnchanged() throws {
        let dir = try makeScratchDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeCorrupt(SafeTensors.encode([("a", Tensor<Float>.ones(Shape(2, 2))), ("b", Tensor<Float>.ones(Shape(3)))]),
                                    "shape.safetensors", in: dir)
        expectProblem(path, .wrongShape(tensor: "b", expected: [2], found: [3]), mentioning: ["shape.safetensors", "\"b\"", "[3]", "[2]"], loadAB)
        let a = Parameter(name: "a", value: Tensor<Float>.zeros(Shape(2, 2))), b = Parameter(name: "b", value: Tensor<Float>.zeros(Shape(2)))
        #expect(throws: SafeTensorsError.self) { try ParameterSet([a, b]).load(from: path) }
        #expect(a.value.scalars == [0, 0, 0, 0])   // all-or-nothing: "a" was valid but not applied
    }

    @Test func wrongDtype() throws {
        let dir = try makeScratchDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeCorrupt(SafeTensors.encode([("a", Tensor<Double>.zeros(Shape(2, 2))), ("b", Tensor<Double>.zeros(Shape(2)))]),
                                    "dtype.safetensors", in: dir)
        expectProblem(path, .wrongDtype(tensor: "a", expected: "F32", found: "F64"), mentioning: ["dtype.safetensors", "F64", "F32"], loadAB)
    }

    @Test func truncatedBody() throws {
        let dir = try makeScratchDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        let good = goodFile()
        let path = try writeCorrupt(Array(good.dropLast(3)), "cut.safetensors", in: dir)
        expectProblem(path, .truncatedBody(expectedBytes: 24, actualBytes: 21), mentioning: ["cut.safetensors", "truncated", "24", "21"], loadAB)
    }

    /// Every way a header can be malformed, one test case each: the error names the file
    /// and says what is wrong.
    @Test("malformed header", arguments: MalformedHeader.allCases)
    func malformedHeader(_ kind: MalformedHeader) throws {
        let dir = try makeScratchDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeCorrupt(kind.bytes(good: goodFile(), withHeader: withHeader), "\(kind).safetensors", in: dir)
        expectProblem(path, mentioning: ["\(kind).safetensors", "malformed safetensors header", kind.message]) { p throws(SafeTensorsError) in
            _ = try SafeTensors.read(p)
        }
    }

    @Test func unreadableFile() {
        expectProblem("/nonexistent/dir/x.safetensors", mentioning: ["/nonexistent/dir/x.safetensors", "cannot read"]) { p throws(SafeTensorsError) in
            _ = try SafeTensors.read(p)
        }
    }

    @Test func adamStateWithoutStepIsRejected() throws {
        let dir = try makeScratchDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        let p = Parameter(name: "w", value: Tensor<Float>.zeros(Shape(2)))
        let path = try writeCorrupt(SafeTensors.encode([("w.exp_avg", Tensor<Float>.zeros(Shape(2))), ("w.exp_avg_sq", Tensor<Float>.zeros(Shape(2)))]),
                                    "adam.safetensors", in: dir)
        expectProblem(path, mentioning: ["adam.safetensors", "step"]) { path throws(SafeTensorsError) in
            try Adam(parameters: ParameterSet([p])).load(from: path)
        }
    }
}

/// The corruptions of a safetensors header (length prefix and JSON) that must be rejected.
enum MalformedHeader: String, CaseIterable, Sendable, CustomStringConvertible {
    case shortFile, lengthBeyondFile, lengthOverLimit, notAnObject, unterminatedJSON, missingComma, invalidUTF8,
         duplicateKey, unknownDtype, sizeMismatch, holeBetweenTensors, unindexedTrailingBytes, nonStringMetadata, reversedOffsets

    var description: String { rawValue }

    static let body = [UInt8](repeating: 0, count: 24)
    static let entryA = "\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}"
    static let entryB = "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]}"

    /// The corrupt file, from a valid one (`a` [2, 2] and `b` [2], F32) or a new header.
    func bytes(good: [UInt8], withHeader: (String, [UInt8]) -> [UInt8]) -> [UInt8] {
        let (a, b, body) = (MalformedHeader.entryA, MalformedHeader.entryB, MalformedHeader.body)
        switch self {
        case .shortFile: return [1, 2, 3]
        case .lengthBeyondFile: var g = good; g[0] = 0xFF; g[1] = 0xFF; return g
        case .lengthOverLimit: var g = good; g[6] = 0x01; return g
        case .notAnObject: return withHeader("[\(a)]", body)
        case .unterminatedJSON: return withHeader("{\(a),\(b)", body)
        case .missingComma: return withHeader("{\(a) \(b)}", body)
        case .invalidUTF8: return withHeader("{\"\u{00E9}\":1}", []).enumerated().map { $0.offset == 11 ? 0xFF : $0.element }
        case .duplicateKey: return withHeader("{\(a),\(a),\(b)}", body)
        case .unknownDtype: return withHeader("{\(a),\(b.replacingOccurrences(of: "F32", with: "F33"))}", body)
        case .sizeMismatch: return withHeader("{\(a),\(b.replacingOccurrences(of: "[2]", with: "[3]"))}", body)
        case .holeBetweenTensors: return withHeader("{\(a),\(b.replacingOccurrences(of: "[16,24]", with: "[20,28]"))}", body + [0, 0, 0, 0])
        case .unindexedTrailingBytes: return withHeader("{\(a),\(b)}", body + [0])
        case .nonStringMetadata: return withHeader("{\"__metadata__\":{\"k\":1},\(a),\(b)}", body)
        case .reversedOffsets: return withHeader("{\(a),\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[24,16]}}", body)
        }
    }

    /// Words the error must contain.
    var message: String {
        switch self {
        case .shortFile: return "fewer than the 8-byte header length"
        case .lengthBeyondFile: return "exceeds the"
        case .lengthOverLimit: return "limit"
        case .notAnObject: return "does not start with '{'"
        case .unterminatedJSON: return "unterminated object"
        case .missingComma: return "expected ',' or '}'"
        case .invalidUTF8: return "UTF-8"
        case .duplicateKey: return "duplicate key \"a\""
        case .unknownDtype: return "unknown dtype \"F33\""
        case .sizeMismatch: return "needs 12"
        case .holeBetweenTensors: return "hole or overlap"
        case .unindexedTrailingBytes: return "indexes 24 data bytes but 25"
        case .nonStringMetadata: return "not a string"
        case .reversedOffsets: return "data_offsets"
        }
    }
}

extension Double {
    /// Python's `float.hex()` spelling, for exact comparison of printed values.
    var hexLiteral: String {
        if self == 0 { return sign == .minus ? "-0x0.0p+0" : "0x0.0p+0" }
        let exponent = self.exponent
        var mantissa = significandBitPattern
        var digits = ""
        for _ in 0..<13 { digits = String(mantissa & 0xF, radix: 16) + digits; mantissa >>= 4 }
        return (sign == .minus ? "-" : "") + "0x1." + digits + "p" + (exponent >= 0 ? "+" : "") + "\(exponent)"
    }
}
