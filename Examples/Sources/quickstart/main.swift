// The README's quickstart: a custom environment, registered by name, trained with a
// K = 3 Gaussian-mixture policy and the MRP estimator into ./runs/quickstart.
import Foundation
import MixRL

struct Bump: Environment {  // one-step task: the reward peaks at action 0.5
    let id = "Bump-v0"
    let observationSpace = BoxSpace(low: [-1], high: [1])
    let actionSpace = BoxSpace(low: [-1], high: [1])
    mutating func reset(seed: UInt64?) -> [Double] { [0] }
    mutating func step(_ a: [Double]) -> StepResult {
        StepResult(observation: [0], reward: exp(-8 * (a[0] - 0.5) * (a[0] - 0.5)), terminated: true)
    }
}

var registry = EnvironmentRegistry.standard
registry.register("Bump-v0", summary: "one-step bandit") { _ in Bump() }
var config = TrainingConfiguration()
config.environment = "Bump-v0"
config.policy = .mixture; config.components = 3; config.estimator = .mrp
config.steps = 2_000; config.randomSteps = 200; config.hiddenSizes = [64, 64]
let trainer = try Trainer.start(configuration: config, runDirectory: URL(fileURLWithPath: "runs/quickstart"),
                                registry: registry)
if case .finished(let finalReturn) = try trainer.run() { print("final return: \(finalReturn)") }
