import Foundation
import MixGraph
import MixTensor

/// The checkpoint file: a safetensors file (so its networks load in PyTorch as they are)
/// holding every network, target network, optimizer moment, the temperature and the
/// replay buffer's stored rows, with the trainer's state, the configuration and a
/// CRC-32C of the data section in its metadata. Written atomically (temporary file,
/// fsync, rename).
package enum Checkpoint {
    static let formatVersion = "1"
    static let checksumPlaceholder = "00000000"

    /// The tensors and metadata of `agent`, `buffer` and `state`.
    static func encode(agent: SACAgent, buffer: ReplayBuffer, state: TrainerState) throws(CheckpointError) -> [UInt8] {
        var tensors: [(name: String, tensor: Tensor<Float>)] = []
        tensors += agent.actor.parameters.namedValues()
        for net in agent.critics { tensors += net.parameters.namedValues() }
        for net in agent.targetCritics { tensors += net.parameters.namedValues(prefix: "target.") }
        tensors.append((agent.logAlpha.name, agent.logAlpha.value))
        var metadata: [String: String] = [:]
        for (prefix, optimizer) in [("adam.actor.", agent.actorOptimizer), ("adam.critic.", agent.criticOptimizer),
                                    ("adam.temperature.", agent.temperatureOptimizer)] {
            let (t, m) = optimizer.stateTensors(prefix: prefix)
            tensors += t
            metadata.merge(m) { a, _ in a }
        }
        tensors += buffer.storedTensors.map { ("replay." + $0.name, $0.tensor) }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        do {
            metadata["mixrl.state"] = String(decoding: try encoder.encode(state), as: UTF8.self)
            metadata["mixrl.config"] = String(decoding: try encoder.encode(agent.configuration), as: UTF8.self)
        } catch {
            throw .io(path: "<memory>", reason: "cannot encode the trainer state: \(SystemErrorText.reason(error))")
        }
        do {
            let spaces = AgentSpaces(observationSize: agent.observationSize, actionLow: agent.actionLow, actionHigh: agent.actionHigh)
            metadata["mixrl.spaces"] = String(decoding: try encoder.encode(spaces), as: UTF8.self)
        } catch {
            throw .io(path: "<memory>", reason: "cannot encode the agent's spaces: \(SystemErrorText.reason(error))")
        }
        // Informational: resuming is bit-exact only with the same matrix-product library.
        metadata["mixrl.gemm"] = GemmBackend.summary
        metadata["mixrl.format"] = formatVersion
        metadata["mixrl.checksum"] = checksumPlaceholder
        var bytes = SafeTensors.encode(tensors, metadata: metadata)
        // The placeholder has the checksum's width, so the header keeps its length: write
        // the CRC of the data section over it in place.
        let headerLength = headerSize(bytes)
        let crc = String(format: "%08x", CRC32C.checksum(bytes[(8 + headerLength)...]))
        let needle = Array("\"mixrl.checksum\":\"\(checksumPlaceholder)\"".utf8)
        guard let at = find(needle, in: bytes[8..<(8 + headerLength)]) else {
            throw .io(path: "<memory>", reason: "checksum field not found in the encoded header")
        }
        let valueStart = at + needle.count - 1 - checksumPlaceholder.utf8.count
        for (i, c) in crc.utf8.enumerated() { bytes[valueStart + i] = c }
        return bytes
    }

    static func headerSize(_ bytes: [UInt8]) -> Int {
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        return Int(n)
    }

    static func find(_ needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        var i = haystack.startIndex
        while i + needle.count <= haystack.endIndex {
            if haystack[i] == needle[0] && haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    /// Writes the checkpoint atomically to `url`.
    static func write(agent: SACAgent, buffer: ReplayBuffer, state: TrainerState, to url: URL) throws(CheckpointError) {
        let bytes = try encode(agent: agent, buffer: buffer, state: state)
        do { try AtomicFile.write(Data(bytes), to: url) }
        catch { throw .io(path: url.path, reason: error.reason) }
    }

    /// Reads and verifies the checkpoint at `url` (format, checksum, metadata) without
    /// changing anything.
    package static func read(from url: URL) throws(CheckpointError) -> Contents {
        let path = url.path
        let bytes: [UInt8]
        do { bytes = [UInt8](try Data(contentsOf: url)) }
        catch { throw .io(path: path, reason: "cannot read: \(SystemErrorText.reason(error))") }
        guard bytes.count >= 8 else { throw .corrupt(path: path, reason: "\(bytes.count) bytes, shorter than a safetensors header") }
        let archive: SafeTensorsArchive
        do { archive = try SafeTensors.decode(bytes, path: path) }
        catch { throw .corrupt(path: path, reason: error.description) }
        guard archive.metadata["mixrl.format"] == formatVersion else {
            throw .corrupt(path: path, reason: "format \(archive.metadata["mixrl.format"] ?? "none"), expected \(formatVersion)")
        }
        let crc = String(format: "%08x", CRC32C.checksum(bytes[(8 + headerSize(bytes))...]))
        guard archive.metadata["mixrl.checksum"] == crc else {
            throw .corrupt(path: path, reason: "checksum \(archive.metadata["mixrl.checksum"] ?? "none") does not match the data (\(crc))")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let state: TrainerState, configuration: TrainingConfiguration
        do {
            state = try decoder.decode(TrainerState.self, from: Data((archive.metadata["mixrl.state"] ?? "").utf8))
            configuration = try decoder.decode(TrainingConfiguration.self, from: Data((archive.metadata["mixrl.config"] ?? "").utf8))
        } catch {
            throw .corrupt(path: path, reason: "unreadable trainer state: \(SystemErrorText.reason(error))")
        }
        let spaces = archive.metadata["mixrl.spaces"].flatMap { try? decoder.decode(AgentSpaces.self, from: Data($0.utf8)) }
        return Contents(path: path, archive: archive, state: state, configuration: configuration, spaces: spaces)
    }

    /// Loads the networks, temperature, optimizer moments, random stream and update count
    /// of `contents` into `agent` (whose configuration must be the checkpoint's).
    static func load(_ contents: Contents, into agent: SACAgent) throws(CheckpointError) {
        // The budget (`steps`) is the one option a resume may change (extending a run).
        var written = contents.configuration
        written.steps = agent.configuration.steps
        guard written == agent.configuration else {
            throw .mismatch("the checkpoint was written by a run with another configuration than \(contents.path)'s folder holds")
        }
        let archive = contents.archive
        do {
            try agent.actor.parameters.load(from: archive)
            for net in agent.critics { try net.parameters.load(from: archive) }
            for net in agent.targetCritics { try net.parameters.load(from: archive, prefix: "target.") }
            try ParameterSet([agent.logAlpha]).load(from: archive)
            try agent.actorOptimizer.load(from: archive, prefix: "adam.actor.")
            try agent.criticOptimizer.load(from: archive, prefix: "adam.critic.")
            try agent.temperatureOptimizer.load(from: archive, prefix: "adam.temperature.")
        } catch {
            throw .corrupt(path: contents.path, reason: error.description)
        }
        agent.rng = contents.state.agentStream
        agent.restoreUpdateCount(contents.state.updateCount)
    }

    /// Reads and verifies the checkpoint at `url` and loads it into `agent` and
    /// `buffer`; returns the trainer state. The file-level checks (checksum, format,
    /// configuration) come before anything changes; a tensor missing or misshapen after
    /// that leaves the agent partly loaded, to be discarded with the failed run.
    static func restore(from url: URL, into agent: SACAgent, buffer: inout ReplayBuffer) throws(CheckpointError) -> TrainerState {
        let contents = try read(from: url)
        try load(contents, into: agent)
        let state = contents.state, archive = contents.archive, path = contents.path
        try buffer.restore(count: state.replayCount, nextIndex: state.replayNextIndex) { name throws(CheckpointError) in
            do { return try archive.tensor("replay." + name, as: Float.self) }
            catch { throw CheckpointError.corrupt(path: path, reason: "\(error)") }
        }
        return state
    }

    /// A verified checkpoint file, decoded.
    package struct Contents {
        /// The file read.
        package var path: String
        /// Its tensors and metadata.
        package var archive: SafeTensorsArchive
        var state: TrainerState
        /// The configuration of the run that wrote it.
        package var configuration: TrainingConfiguration
        /// Nil for checkpoints written before the spaces were recorded.
        package var spaces: AgentSpaces?
    }
}

/// The observation size and action box an agent was built for (checkpoint metadata
/// `mixrl.spaces`), so a saved agent loads without its environment.
package struct AgentSpaces: Codable, Equatable {
    package var observationSize: Int
    package var actionLow: [Double]
    package var actionHigh: [Double]

    package init(observationSize: Int, actionLow: [Double], actionHigh: [Double]) {
        self.observationSize = observationSize
        self.actionLow = actionLow
        self.actionHigh = actionHigh
    }
}
