/// A training configuration that cannot run, with the option and what was expected.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The option at fault, as spelled in `config.json` and on the command line (snake_case).
    public var option: String
    public var message: String
    public init(option: String, message: String) {
        self.option = option
        self.message = message
    }
    public var description: String { "invalid \(option): \(message)" }
}

extension TrainingConfiguration {
    /// Checks every option and every combination (estimator against policy and K)
    /// before any work starts. Throws the first problem found.
    public func validate() throws(ConfigurationError) {
        func require(_ ok: Bool, _ option: String, _ message: @autoclosure () -> String) throws(ConfigurationError) {
            if !ok { throw ConfigurationError(option: option, message: message()) }
        }
        try require(!environment.isEmpty, "environment", "expected an environment id such as Pendulum-v1")
        try require(components >= 1 && components <= 64, "components", "expected 1...64 mixture components, got \(components)")
        switch policy {
        case .gaussian:
            try require(components == 1, "components", "a gaussian policy has 1 component, got \(components) (use --policy mixture)")
            try require(estimator == .rp, "estimator", "a gaussian policy trains with rp, got \(estimator.rawValue) (mrp, lr, hybrid and gumbel need --policy mixture)")
        case .mixture:
            try require(estimator != .rp, "estimator", "rp cannot differentiate through a mixture's component choice; use mrp, lr, hybrid or gumbel")
        }
        try require(samples >= 1, "samples", "expected at least 1 sample, got \(samples)")
        try require(baseline == .none || samples >= 2, "baseline", "leave-one-out needs samples >= 2, got \(samples)")
        try require(gumbelTemperature > 0, "gumbel_temperature", "expected a positive temperature, got \(gumbelTemperature)")
        try require(steps >= 1, "steps", "expected at least 1 step, got \(steps)")
        try require(randomSteps >= 0, "random_steps", "expected 0 or more, got \(randomSteps)")
        try require(updatesPerStep >= 1, "updates_per_step", "expected at least 1, got \(updatesPerStep)")
        try require(policyDelay >= 1, "policy_delay", "expected at least 1, got \(policyDelay)")
        try require(batchSize >= 1, "batch_size", "expected at least 1, got \(batchSize)")
        try require(replayCapacity >= batchSize, "replay_capacity", "expected at least batch_size (\(batchSize)), got \(replayCapacity)")
        try require(!hiddenSizes.isEmpty && hiddenSizes.allSatisfy { $0 >= 1 }, "hidden_sizes", "expected positive layer sizes, got \(hiddenSizes)")
        for (name, rate) in [("actor_learning_rate", actorLearningRate), ("critic_learning_rate", criticLearningRate),
                             ("temperature_learning_rate", temperatureLearningRate)] {
            try require(rate > 0 && rate.isFinite, name, "expected a positive learning rate, got \(rate)")
        }
        try require(gamma >= 0 && gamma <= 1, "gamma", "expected a discount in [0, 1], got \(gamma)")
        try require(tau > 0 && tau <= 1, "tau", "expected a Polyak rate in (0, 1], got \(tau)")
        try require(initialTemperature > 0, "initial_temperature", "expected a positive temperature, got \(initialTemperature)")
        try require(logStdMin < logStdMax, "log_std_min", "expected log_std_min < log_std_max, got \(logStdMin) and \(logStdMax)")
        if let clip = gradientClipNorm { try require(clip > 0, "gradient_clip_norm", "expected a positive norm, got \(clip)") }
        try require(evalEvery >= 0, "eval_every", "expected 0 (only at the end) or more, got \(evalEvery)")
        try require(evalEpisodes >= 1, "eval_episodes", "expected at least 1 episode, got \(evalEpisodes)")
        try require(checkpointEvery >= 1, "checkpoint_every", "expected at least 1, got \(checkpointEvery)")
    }
}
