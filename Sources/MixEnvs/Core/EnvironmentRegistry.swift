import MixTensor

/// A parsed environment identifier.
package enum EnvironmentID: Sendable, Equatable, CustomStringConvertible {
    /// A native Swift environment, e.g. `Pendulum-v1`.
    case native(String)
    /// `gym:ID`: any registered Gymnasium id, through the bridge.
    case gym(String)
    /// `dmc:DOMAIN-TASK`: a DeepMind Control Suite task, through the bridge.
    case dmc(domain: String, task: String)
    /// `metaworld:TASK`: a Meta-World v3 task, through the bridge.
    case metaWorld(String)

    /// Parses `gym:…`, `dmc:DOMAIN-TASK`, `metaworld:…`, or a bare native name.
    /// Malformed bridge ids throw; whether a native name exists is the registry's call.
    package init(parsing id: String) throws(EnvironmentError) {
        guard let colon = id.firstIndex(of: ":") else {
            self = .native(id)
            return
        }
        let prefix = String(id[..<colon]), rest = String(id[id.index(after: colon)...])
        func require(_ ok: Bool, _ message: String) throws(EnvironmentError) {
            if !ok { throw .invalidArgument(environment: id, message: message) }
        }
        switch prefix {
        case "gym":
            try require(!rest.isEmpty, "expected gym:ID, e.g. gym:HalfCheetah-v5")
            self = .gym(rest)
        case "dmc":
            let parts = rest.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            try require(parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty,
                        "expected dmc:DOMAIN-TASK, e.g. dmc:cheetah-run")
            self = .dmc(domain: String(parts[0]), task: String(parts[1]))
        case "metaworld":
            try require(!rest.isEmpty, "expected metaworld:TASK, e.g. metaworld:reach-v3")
            self = .metaWorld(rest)
        default:
            let hint = Suggestion.closest(to: prefix, in: ["gym", "dmc", "metaworld"]).map { "; did you mean '\($0):'?" } ?? ""
            throw .invalidArgument(environment: id, message: "unknown suite prefix '\(prefix):'\(hint); use gym:, dmc: or metaworld: (or a native name without prefix)")
        }
    }

    /// The identifier as text (parsing it again gives the same value).
    package var description: String {
        switch self {
        case .native(let name): name
        case .gym(let id): "gym:\(id)"
        case .dmc(let domain, let task): "dmc:\(domain)-\(task)"
        case .metaWorld(let task): "metaworld:\(task)"
        }
    }

    /// Whether the environment runs in a Python worker.
    package var isBridged: Bool {
        if case .native = self { return false }
        return true
    }

    func bridgeSuite(environment: String) throws(EnvironmentError) -> String {
        switch self {
        case .native(let name):
            throw .invalidArgument(environment: environment, message: "'\(name)' is not a bridge id (gym:, dmc:, metaworld:)")
        case .gym: return "gym"
        case .dmc: return "dmc"
        case .metaWorld: return "metaworld"
        }
    }
}

/// Options for making environments by identifier.
public struct EnvironmentOptions: Sendable {
    /// How to start bridge workers (Python, imports, timeouts).
    public var bridge: BridgeConfiguration
    /// Seed of a native environment's initial random stream (used by resets without a seed).
    public var seed: UInt64

    /// Options; the defaults suit most uses.
    public init(bridge: BridgeConfiguration = BridgeConfiguration(), seed: UInt64 = 0) {
        self.bridge = bridge
        self.seed = seed
    }
}

/// Native environments by identifier; bridge identifiers are handled without
/// registration. ``standard`` holds the built-in tasks; add your own with
/// ``register(_:summary:make:)`` on a copy.
///
/// ```swift
/// var registry = EnvironmentRegistry.standard
/// registry.register("Corridor-v0", summary: "my corridor") { _ in TimeLimit(Corridor(), maxEpisodeSteps: 100) }
/// var env = try registry.make(id: "Corridor-v0")
/// ```
public struct EnvironmentRegistry: Sendable {
    /// One registered environment.
    public struct Entry: Sendable {
        /// Its identifier.
        public let id: String
        /// One line saying what it is.
        public let summary: String
        /// Makes a fresh instance.
        public let make: @Sendable (EnvironmentOptions) -> any Environment
    }

    /// The registered environments by identifier.
    public private(set) var entries: [String: Entry] = [:]

    /// An empty registry.
    public init() {}

    /// Adds (or replaces) a native environment.
    public mutating func register(_ id: String, summary: String,
                                  make: @escaping @Sendable (EnvironmentOptions) -> any Environment) {
        entries[id] = Entry(id: id, summary: summary, make: make)
    }

    /// Registered identifiers, sorted.
    public var nativeIDs: [String] { entries.keys.sorted() }

    /// Makes the environment `id`: a registered native one, or a bridge worker for
    /// `gym:`, `dmc:` and `metaworld:` ids. An unknown id throws
    /// ``EnvironmentError/unknownID(_:known:)`` listing what exists.
    public func make(id: String, options: EnvironmentOptions = EnvironmentOptions()) throws(EnvironmentError) -> any Environment {
        switch try EnvironmentID(parsing: id) {
        case .native(let name):
            guard let entry = entries[name] else { throw .unknownID(id, known: nativeIDs) }
            return entry.make(options)
        default:
            return try BridgeEnvironment(id: id, configuration: options.bridge)
        }
    }

    /// Makes `copies` copies of `id` stepped together: one Python worker hosting all
    /// copies for a bridge id, a ``SerialVectorEnvironment`` for a native one (copy `i`
    /// seeded with `options.seed + i`).
    package func makeVector(id: String, copies: Int, options: EnvironmentOptions = EnvironmentOptions()) throws(EnvironmentError) -> any VectorEnvironment {
        guard copies >= 1 else { throw .invalidArgument(environment: id, message: "copies must be at least 1, not \(copies)") }
        switch try EnvironmentID(parsing: id) {
        case .native(let name):
            guard let entry = entries[name] else { throw .unknownID(id, known: nativeIDs) }
            var copyOptions = options
            return try SerialVectorEnvironment(copies: (0..<copies).map { i in
                copyOptions.seed = options.seed &+ UInt64(i)
                return entry.make(copyOptions)
            })
        default:
            return try BridgeVectorEnvironment(id: id, copies: copies, configuration: options.bridge)
        }
    }

    /// The built-in native environments (with Gymnasium's time limits where they have twins).
    public static let standard: EnvironmentRegistry = {
        var r = EnvironmentRegistry()
        r.register("Pendulum-v1", summary: "Gymnasium's pendulum swing-up, 200 steps") { o in
            TimeLimit(Pendulum(seed: o.seed), maxEpisodeSteps: 200)
        }
        r.register("PendulumUnshaped-v1", summary: "pendulum, reward -1 per step until upright and slow, 200 steps") { o in
            TimeLimit(Pendulum(rewardKind: .unshaped, seed: o.seed), maxEpisodeSteps: 200)
        }
        r.register("MountainCarContinuous-v0", summary: "Gymnasium's continuous mountain car, 999 steps") { o in
            TimeLimit(MountainCarContinuous(seed: o.seed), maxEpisodeSteps: 999)
        }
        r.register("MountainCarContinuousUnshaped-v0", summary: "mountain car, reward -1 per step until the goal, 999 steps") { o in
            TimeLimit(MountainCarContinuous(rewardKind: .unshaped, seed: o.seed), maxEpisodeSteps: 999)
        }
        r.register("BimodalBandit-v0", summary: "one-step bandit, two equal modes at ±1") { o in
            ContinuousBandit(id: "BimodalBandit-v0", reward: .symmetricBimodal, seed: o.seed)
        }
        r.register("AsymmetricBimodalBandit-v0", summary: "one-step bandit, modes 1.5 at -1 and 0.75 at +1") { o in
            ContinuousBandit(id: "AsymmetricBimodalBandit-v0", reward: .asymmetricBimodal, seed: o.seed)
        }
        r.register("StochasticBimodalBandit-v0", summary: "one-step bandit, one random mode per pull") { o in
            ContinuousBandit(id: "StochasticBimodalBandit-v0", reward: .stochasticBimodal, seed: o.seed)
        }
        return r
    }()
}

/// Makes an environment by identifier from ``EnvironmentRegistry/standard``:
/// `Pendulum-v1`, `MountainCarContinuous-v0`, their `…Unshaped…` variants, the bandits,
/// `gym:ID`, `dmc:DOMAIN-TASK`, `metaworld:TASK`.
public func makeEnvironment(id: String, options: EnvironmentOptions = EnvironmentOptions()) throws(EnvironmentError) -> any Environment {
    try EnvironmentRegistry.standard.make(id: id, options: options)
}

/// Makes `copies` copies of an environment stepped together (see
/// ``EnvironmentRegistry/makeVector(id:copies:options:)``).
package func makeVectorEnvironment(id: String, copies: Int, options: EnvironmentOptions = EnvironmentOptions()) throws(EnvironmentError) -> any VectorEnvironment {
    try EnvironmentRegistry.standard.makeVector(id: id, copies: copies, options: options)
}
