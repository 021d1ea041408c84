// `import MixRL` brings in every layer of the framework.
@_exported import MixProcess
@_exported import MixTensor
@_exported import MixGraph
@_exported import MixPolicy
@_exported import MixEnvs
@_exported import MixAgents
@_exported import MixCharts
@_exported import MixAnalysis
@_exported import MixSweeps
@_exported import MixReports

/// The version of MixRL (semantic versioning), as `mixrl --version` prints it.
///
/// It changes with every release; a run does not record it (a run's `config.json` and its
/// checkpoints carry their own format versions).
public let mixRLVersion = "0.1.0"
