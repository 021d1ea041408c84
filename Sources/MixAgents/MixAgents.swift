// The MixAgents layer; see docs/architecture.md. One concern: Soft Actor-Critic and its
// training run. SAC/ (the agent: `SACAgent.swift` reads top to bottom as the update: critic
// step, actor step with the configured estimator, temperature, targets; the twin critics'
// lanes and the thread that runs the second one), the replay buffer, the configuration and
// its option table, Training/ (the trainer loop, evaluation, checkpoints that resume
// exactly, the run-folder lock), Logging/ (metrics in CSV, JSON lines and TensorBoard).
