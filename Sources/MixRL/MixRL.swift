// `import MixRL` brings in every layer of the framework.
@_exported import MixTensor
@_exported import MixGraph
@_exported import MixPolicy
@_exported import MixEnvs
@_exported import MixAgents
@_exported import MixExperiments
