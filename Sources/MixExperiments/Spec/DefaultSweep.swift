/// The sweep `mixrl sweep` runs without a spec: MixRL's point in a few minutes on two
/// cores, no Python needed. Gaussian RP against mixtures with K in {2, 5} trained with MRP
/// and with LR, on Pendulum-v1, three seeds each, 6k steps with 64x64 networks (about
/// 130 CPU-seconds in all). Measured: MRP learns like the Gaussian (final return about
/// -120), LR does not (about -1500).
package enum DefaultSweep {
    /// The spec's TOML text (also a starting point for your own; `mixrl sweep plan` shows its runs).
    package static let text = """
        # MixRL's default sweep: does a mixture policy learn as well as a Gaussian, and does
        # the estimator matter? Gaussian RP against mixtures with K in {2, 5} under MRP and
        # LR, three seeds each. The budget is short on purpose (a few minutes on two cores:
        # 64x64 networks, 6k steps); raise it and the seeds for results worth publishing.

        [sweep]
        name = "default"
        out = "sweeps/default"
        jobs = 2

        [grid]
        environment = "Pendulum-v1"
        seeds = 3
        steps = 6_000
        random_steps = 1_000
        eval_every = 1_000
        eval_episodes = 5
        checkpoint_every = 2_000
        hidden_sizes = [64, 64]

        [[grid.variant]]
        policy = "gaussian"
        components = 1
        estimator = "rp"

        [[grid.variant]]
        policy = "mixture"
        components = [2, 5]
        estimator = ["mrp", "lr"]

        [report.thresholds]
        "Pendulum-v1" = -400

        """

    /// The default spec, with `--set` overrides applied.
    package static func spec(overrides: [String] = []) throws(SweepSpecError) -> SweepSpec {
        try SweepSpec.parse(text, source: "<default sweep>", defaultName: "default", overrides: overrides)
    }
}
