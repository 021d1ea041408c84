/// The sweep `mixrl sweep` runs without a spec: MixRL's point in a few minutes on two
/// cores, no Python needed. Gaussian RP against mixtures with K in {2, 5} trained with MRP
/// and with LR, on the bimodal bandit and Pendulum-v1, two seeds each, short budgets.
public enum DefaultSweep {
    /// The spec's TOML text (also a starting point for your own; `mixrl sweep plan` shows its runs).
    public static let text = """
        # MixRL's default sweep: does a mixture policy help, and does the estimator matter?
        # Gaussian RP against mixtures with K in {2, 5} under MRP and LR, two seeds each.
        # The budgets are short on purpose (a few minutes on two cores: 64x64 networks,
        # 1k bandit steps, 6k Pendulum steps); raise them and the seeds for results worth
        # publishing.

        [sweep]
        name = "default"
        out = "sweeps/default"
        jobs = 2

        [grid]
        environment = ["BimodalBandit-v0", "Pendulum-v1"]
        seeds = 2
        hidden_sizes = [64, 64]

        [[grid.variant]]
        policy = "gaussian"
        components = 1
        estimator = "rp"

        [[grid.variant]]
        policy = "mixture"
        components = [2, 5]
        estimator = ["mrp", "lr"]

        [preset."BimodalBandit-v0"]
        steps = 1_000
        random_steps = 200
        eval_every = 200
        eval_episodes = 20
        checkpoint_every = 1_000

        [preset."Pendulum-v1"]
        steps = 6_000
        random_steps = 1_000
        eval_every = 1_000
        eval_episodes = 5
        checkpoint_every = 2_000

        [report.thresholds]
        "BimodalBandit-v0" = 1.4
        "Pendulum-v1" = -400

        """

    /// The default spec, with `--set` overrides applied.
    public static func spec(overrides: [String] = []) throws(SweepSpecError) -> SweepSpec {
        try SweepSpec.parse(text, source: "<default sweep>", defaultName: "default", overrides: overrides)
    }
}
