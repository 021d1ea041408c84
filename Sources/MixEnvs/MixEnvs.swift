// The MixEnvs layer; see docs/architecture.md and docs/bridge.md. One concern: the
// environments an agent acts in, with Gymnasium's semantics. Core/ (the `Environment`
// protocol, spaces, the registry of ids), Native/ (tasks written in Swift, checked against
// Gymnasium's trajectories), Wrappers/ (time limits, observation normalization), Bridge/
// (Gymnasium MuJoCo, DeepMind Control, Meta-World and MyoSuite driven through a Python
// worker, a `MixProcess` child).
