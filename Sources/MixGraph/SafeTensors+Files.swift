import MixTensor
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// File I/O for safetensors, and saving/loading parameters and optimizer state. No
// numerics here: tensors are only copied.

extension SafeTensors {
    /// Reads and validates the file at `path`; see ``decode(_:path:)`` for the checks.
    public static func read(_ path: String) throws(SafeTensorsError) -> SafeTensorsArchive {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) }
        catch { throw SafeTensorsError(path: path, problem: .unreadable(SystemErrorText.reason(error))) }
        return try decode([UInt8](data), path: path)
    }

    /// Writes `bytes` to `path` atomically (a temporary file renamed into place), so a
    /// crash never leaves a half-written checkpoint.
    package static func write(_ bytes: [UInt8], to path: String) throws(SafeTensorsError) {
        do { try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic) }
        catch { throw SafeTensorsError(path: path, problem: .unwritable(SystemErrorText.reason(error))) }
    }

    /// Encodes `tensors` and `metadata` and writes them atomically to `path`.
    public static func write<Scalar: TensorScalar>(_ tensors: [(name: String, tensor: Tensor<Scalar>)],
                                                   metadata: [String: String] = [:], to path: String) throws(SafeTensorsError) {
        try write(encode(tensors, metadata: metadata), to: path)
    }
}

extension ParameterSet {
    /// `(prefix + name, value)` for every parameter (values shared, O(1) each), for
    /// combining several networks in one file.
    public func namedValues(prefix: String = "") -> [(name: String, tensor: Tensor<Scalar>)] {
        map { (prefix + $0.name, $0.value) }
    }

    /// Saves every value under its name to a safetensors file (atomically).
    public func save(to path: String, metadata: [String: String] = [:]) throws(SafeTensorsError) {
        try SafeTensors.write(namedValues(), metadata: metadata, to: path)
    }

    /// Loads every parameter's value from the file at `path` (extra tensors in the file
    /// are ignored). All tensors are checked (present, dtype, shape) before any value
    /// changes, so a failed load leaves the parameters as they were.
    public func load(from path: String) throws(SafeTensorsError) {
        try load(from: SafeTensors.read(path))
    }

    /// Loads every parameter's value from `archive` under `prefix + name`; all-or-nothing.
    public func load(from archive: SafeTensorsArchive, prefix: String = "") throws(SafeTensorsError) {
        var loaded: [Tensor<Scalar>] = []
        for p in self {
            loaded.append(try archive.tensor(prefix + p.name, as: Scalar.self, shape: p.value.shape))
        }
        for (p, v) in zip(self, loaded) { p.value.copyElements(from: v) }
    }
}

extension Adam {
    /// The moment tensors as `<prefix><name>.exp_avg` and `<prefix><name>.exp_avg_sq`
    /// (PyTorch's state names) and the step count and hyperparameters as metadata.
    public func stateTensors(prefix: String = "") -> (tensors: [(name: String, tensor: Tensor<Scalar>)], metadata: [String: String]) {
        var tensors: [(name: String, tensor: Tensor<Scalar>)] = []
        for (k, p) in parameters.enumerated() {
            tensors.append((prefix + p.name + ".exp_avg", firstMoments[k]))
            tensors.append((prefix + p.name + ".exp_avg_sq", secondMoments[k]))
        }
        let metadata = [
            prefix + "step": String(stepCount),
            prefix + "lr": "\(learningRate)", prefix + "beta1": "\(beta1)",
            prefix + "beta2": "\(beta2)", prefix + "eps": "\(epsilon)",
        ]
        return (tensors, metadata)
    }

    /// Saves the step count and both moments (bit-exact) to a safetensors file. The
    /// hyperparameters are recorded in the metadata for reference but not restored.
    public func save(to path: String) throws(SafeTensorsError) {
        let (tensors, metadata) = stateTensors()
        try SafeTensors.write(tensors, metadata: metadata, to: path)
    }

    /// Restores the state saved by ``save(to:)``; all-or-nothing.
    public func load(from path: String) throws(SafeTensorsError) {
        try load(from: SafeTensors.read(path))
    }

    /// Restores the state stored in `archive` under `prefix`; all-or-nothing.
    public func load(from archive: SafeTensorsArchive, prefix: String = "") throws(SafeTensorsError) {
        guard let text = archive.metadata[prefix + "step"], let step = Int(text), step >= 0 else {
            throw SafeTensorsError(path: archive.path, problem: .invalidMetadata("\"\(prefix)step\" is missing or not a step count"))
        }
        var first: [Tensor<Scalar>] = [], second: [Tensor<Scalar>] = []
        for p in parameters {
            first.append(try archive.tensor(prefix + p.name + ".exp_avg", as: Scalar.self, shape: p.value.shape))
            second.append(try archive.tensor(prefix + p.name + ".exp_avg_sq", as: Scalar.self, shape: p.value.shape))
        }
        restore(AdamState(stepCount: step, names: parameters.map(\.name), firstMoments: first, secondMoments: second))
    }
}
