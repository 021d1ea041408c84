// The sweeps layer of docs/architecture.md: a sweep from its spec to its finished runs. The
// TOML reader and sweep specs, the plan and its run ids (SHA-256 of the canonical JSON
// configuration) and the compute estimate (Spec/, Support/), the local process pool with its
// file locks and stop handling (Execution/), Slurm job arrays (Cluster/), and `LocalSweep`,
// the in-process sweep of the public API. Nothing here prints: progress goes through
// `SweepProgressReporter`; reading the results is MixReports' job.
