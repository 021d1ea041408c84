/// The sweep `mixrl sweep` runs without a spec: MixRL's point in a few minutes on two
/// cores, no Python needed. Gaussian RP against a K = 5 mixture trained with MRP and with
/// LR at equal critic cost (M = 5 samples per state, leave-one-out baseline: the fair
/// LR), on Pendulum-v1, three seeds each, 5k steps with 64x64 networks and batch 128.
/// Wall times and results: docs/results.md.
package enum DefaultSweep {
    /// The spec's TOML text (also a starting point for your own; `mixrl sweep plan` shows its runs).
    package static let text = """
        # MixRL's default sweep: does a mixture policy learn as well as a Gaussian, and does
        # the estimator matter? Gaussian RP against a K = 5 mixture trained with MRP and with
        # LR (M = K = 5 samples per state and a leave-one-out baseline: the same critic cost
        # as MRP, the strongest fair LR), three seeds each. The budget is short on purpose
        # (a few minutes on two cores: 64x64 networks, batch 128, 5k steps); raise it and
        # the seeds for results worth publishing (scripts/specs/ has larger sweeps).

        [sweep]
        name = "default"
        out = "sweeps/default"
        jobs = 2

        [grid]
        environment = "Pendulum-v1"
        seeds = 3
        steps = 5_000
        random_steps = 1_000
        eval_every = 1_000
        eval_episodes = 5
        checkpoint_every = 2_500
        hidden_sizes = [64, 64]
        batch_size = 128

        [[grid.variant]]
        policy = "gaussian"
        components = 1
        estimator = "rp"

        [[grid.variant]]
        policy = "mixture"
        components = 5
        estimator = ["mrp", "lr"]

        [report.thresholds]
        "Pendulum-v1" = -400

        """

    /// The default spec, with `--set` overrides applied.
    package static func spec(overrides: [String] = []) throws(SweepSpecError) -> SweepSpec {
        try SweepSpec.parse(text, source: "<default sweep>", defaultName: "default", overrides: overrides)
    }
}
