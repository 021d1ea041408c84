import MixTensor

/// One environment transition, as stored in the replay buffer.
public struct Transition: Sendable {
    /// The observation the action was taken in.
    public var observation: [Double]
    /// The action taken.
    public var action: [Double]
    /// The reward that followed.
    public var reward: Double
    /// The observation after the step.
    public var nextObservation: [Double]
    /// The episode ended in a terminal state: the target does not bootstrap.
    public var terminated: Bool
    /// The episode was cut by a time limit: the target still bootstraps.
    public var truncated: Bool

    /// A transition with the given fields.
    public init(observation: [Double], action: [Double], reward: Double, nextObservation: [Double], terminated: Bool, truncated: Bool) {
        self.observation = observation
        self.action = action
        self.reward = reward
        self.nextObservation = nextObservation
        self.terminated = terminated
        self.truncated = truncated
    }
}

/// A uniformly sampled minibatch, in tensors that are reused from one sample to the next.
public struct ReplayBatch: Sendable {
    /// `batch x observationSize`.
    public var observations: Tensor<Float>
    /// `batch x actionSize`.
    public var actions: Tensor<Float>
    /// `batch x 1`.
    public var rewards: Tensor<Float>
    /// `batch x observationSize`.
    public var nextObservations: Tensor<Float>
    /// `batch x 1`: 1 where the transition terminated, else 0.
    public var terminated: Tensor<Float>

    /// Preallocates a batch.
    public init(batchSize: Int, observationSize: Int, actionSize: Int) {
        observations = .zeros(Shape(batchSize, observationSize))
        actions = .zeros(Shape(batchSize, actionSize))
        rewards = .zeros(Shape(batchSize, 1))
        nextObservations = .zeros(Shape(batchSize, observationSize))
        terminated = .zeros(Shape(batchSize, 1))
    }

    /// The number of transitions in the batch.
    public var count: Int { rewards.shape[0] }
}

/// A ring buffer of transitions in contiguous `Float` storage: observations, actions,
/// rewards, next observations, and the terminated and truncated flags kept apart.
///
/// Storage for the full capacity is allocated once; adding and sampling allocate nothing.
public struct ReplayBuffer: Sendable {
    /// Transitions kept; the oldest is overwritten when full.
    public let capacity: Int
    /// The length of each stored observation.
    public let observationSize: Int
    /// The length of each stored action.
    public let actionSize: Int
    /// Transitions stored (at most `capacity`).
    public private(set) var count = 0
    /// Where the next transition goes.
    package private(set) var nextIndex = 0

    var observations: Tensor<Float>
    var actions: Tensor<Float>
    var rewards: Tensor<Float>
    var nextObservations: Tensor<Float>
    var terminated: Tensor<Float>
    var truncated: Tensor<Float>

    /// Creates an empty buffer (allocates `capacity` rows of every field).
    ///
    /// - Throws: ``TrainingError/configuration(_:)`` unless every size is at least 1.
    public init(capacity: Int, observationSize: Int, actionSize: Int) throws(TrainingError) {
        for (key, value) in [("replay_capacity", capacity), ("observation_size", observationSize), ("action_size", actionSize)] where value < 1 {
            throw .configuration(ConfigurationProblem(key: key, message: "must be at least 1, found \(value)"))
        }
        self.capacity = capacity
        self.observationSize = observationSize
        self.actionSize = actionSize
        observations = .zeros(Shape(capacity, observationSize))
        actions = .zeros(Shape(capacity, actionSize))
        rewards = .zeros(Shape(capacity, 1))
        nextObservations = .zeros(Shape(capacity, observationSize))
        terminated = .zeros(Shape(capacity, 1))
        truncated = .zeros(Shape(capacity, 1))
    }

    /// Appends a transition, overwriting the oldest once full. Cost: O(observation + action size).
    ///
    /// - Throws: ``TrainingError/observationSize(expected:got:environment:)`` or
    ///   ``TrainingError/mismatch(_:)`` if the transition's sizes are not the buffer's
    ///   (nothing is stored).
    public mutating func add(_ t: Transition) throws(TrainingError) {
        for o in [t.observation.count, t.nextObservation.count] where o != observationSize {
            throw .observationSize(expected: observationSize, got: o, environment: nil)
        }
        guard t.action.count == actionSize else {
            throw .mismatch("a transition with an action of size \(t.action.count) for a replay buffer of actions of size \(actionSize)")
        }
        let i = nextIndex
        let (o, a) = (observationSize, actionSize)
        observations.withUnsafeMutablePointer { p in for j in 0..<o { p[i * o + j] = Float(t.observation[j]) } }
        nextObservations.withUnsafeMutablePointer { p in for j in 0..<o { p[i * o + j] = Float(t.nextObservation[j]) } }
        actions.withUnsafeMutablePointer { p in for j in 0..<a { p[i * a + j] = Float(t.action[j]) } }
        rewards.withUnsafeMutablePointer { $0[i] = Float(t.reward) }
        terminated.withUnsafeMutablePointer { $0[i] = t.terminated ? 1 : 0 }
        truncated.withUnsafeMutablePointer { $0[i] = t.truncated ? 1 : 0 }
        nextIndex = (nextIndex + 1) % capacity
        count = Swift.min(count + 1, capacity)
    }

    /// Fills `batch` with transitions drawn uniformly with replacement (no allocation).
    ///
    /// - Throws: ``TrainingError/mismatch(_:)`` if the buffer is empty or the batch was
    ///   made for other sizes (the batch is then unchanged).
    public func sample(into batch: inout ReplayBatch, using rng: inout RandomStream) throws(TrainingError) {
        guard count > 0 else { throw .mismatch("cannot sample a batch from an empty replay buffer") }
        let n = batch.count, (o, a) = (observationSize, actionSize)
        guard batch.observations.shape == Shape(n, o), batch.nextObservations.shape == Shape(n, o),
              batch.actions.shape == Shape(n, a), batch.terminated.shape == Shape(n, 1) else {
            throw .mismatch("a batch of observations \(batch.observations.shape) and actions \(batch.actions.shape) for a replay buffer of \(o) observations and \(a) actions")
        }
        let size = UInt64(count)
        observations.withUnsafePointer { obs in
        nextObservations.withUnsafePointer { next in
        actions.withUnsafePointer { act in
        rewards.withUnsafePointer { rew in
        terminated.withUnsafePointer { term in
            batch.observations.withUnsafeMutablePointer { bo in
            batch.nextObservations.withUnsafeMutablePointer { bn in
            batch.actions.withUnsafeMutablePointer { ba in
            batch.rewards.withUnsafeMutablePointer { br in
            batch.terminated.withUnsafeMutablePointer { bt in
                for r in 0..<n {
                    let i = Int(rng.next() % size)
                    (bo + r * o).update(from: obs + i * o, count: o)
                    (bn + r * o).update(from: next + i * o, count: o)
                    (ba + r * a).update(from: act + i * a, count: a)
                    br[r] = rew[i]
                    bt[r] = term[i]
                }
            } } } } }
        } } } } }
    }

    /// The stored rows of every field by name (`count` rows each; copies), for checkpoints.
    package var storedTensors: [(name: String, tensor: Tensor<Float>)] {
        [("observations", observations), ("actions", actions), ("rewards", rewards),
         ("next_observations", nextObservations), ("terminated", terminated), ("truncated", truncated)]
            .map { ($0.0, $0.1.slicing(rows: 0..<count)) }
    }

    /// Restores what ``storedTensors``, ``count`` and ``nextIndex`` saved; `tensor(name)`
    /// looks a field up. All fields are checked before any is copied.
    package mutating func restore(count: Int, nextIndex: Int,
                                 tensor: (String) throws(CheckpointError) -> Tensor<Float>) throws(CheckpointError) {
        // A run extended to a larger budget gets a larger buffer (its capacity is
        // min(replay_capacity, steps)). A buffer that was exactly full (its index wrapped
        // to 0, rows in order) then continues after its last row, as the longer run would.
        var nextIndex = nextIndex
        if count > 0 && count < capacity && nextIndex == 0 { nextIndex = count }
        guard count >= 0 && count <= capacity && nextIndex >= 0 && nextIndex < capacity
                && (count == capacity || nextIndex == count) else {
            throw CheckpointError.mismatch("replay buffer counters count=\(count) next=\(nextIndex) for capacity \(capacity)")
        }
        var fields: [Tensor<Float>] = []
        for (name, width) in [("observations", observationSize), ("actions", actionSize), ("rewards", 1),
                              ("next_observations", observationSize), ("terminated", 1), ("truncated", 1)] {
            let t = try tensor(name)
            guard t.shape == Shape(count, width) else {
                throw CheckpointError.mismatch("replay buffer field \(name) has shape \(t.shape), expected [\(count), \(width)]")
            }
            fields.append(t)
        }
        for (k, t) in fields.enumerated() {
            let n = t.count
            func copy(into target: inout Tensor<Float>) {
                target.withUnsafeMutablePointer { dst in t.withUnsafePointer { src in dst.update(from: src, count: n) } }
            }
            switch k {
            case 0: copy(into: &observations)
            case 1: copy(into: &actions)
            case 2: copy(into: &rewards)
            case 3: copy(into: &nextObservations)
            case 4: copy(into: &terminated)
            default: copy(into: &truncated)
            }
        }
        self.count = count
        self.nextIndex = nextIndex
    }
}

/// A checkpoint could not be written or restored.
public enum CheckpointError: Error, CustomStringConvertible, Sendable {
    /// A part the checkpoint should hold is not there (names it).
    case missing(String)
    /// The checkpoint belongs to another run or another buffer layout (says how).
    case mismatch(String)
    /// The file is damaged: bad header, wrong checksum, unreadable state.
    case corrupt(path: String, reason: String)
    /// The file could not be read or written.
    case io(path: String, reason: String)

    /// What is wrong, naming the file.
    public var description: String {
        switch self {
        case .missing(let what): return "checkpoint is missing \(what)"
        case .mismatch(let what): return "checkpoint does not match this run: \(what)"
        case let .corrupt(path, reason): return "checkpoint \(path) is corrupt: \(reason)"
        case let .io(path, reason): return "checkpoint \(path): \(reason)"
        }
    }
}
