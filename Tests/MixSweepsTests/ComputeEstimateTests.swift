import Foundation
import MixSweeps
import Testing

/// `mixrl sweep plan --estimate`: one measurement per distinct configuration, scaled by
/// each run's steps, updates and evaluation episodes.
@Suite struct ComputeEstimateTests {
    @Test func oneRowPerDistinctConfigurationWithItsRunsCost() throws {
        let plan = try SweepSpec.parse("""
            [sweep]
            name = "estimate"
            [grid]
            environment = "Pendulum-v1"
            seeds = 2
            steps = 2000
            random_steps = 100
            eval_every = 1000
            eval_episodes = 2
            hidden_sizes = [16, 16]
            batch_size = 32
            [[grid.variant]]
            policy = "gaussian"
            components = 1
            estimator = "rp"
            [[grid.variant]]
            policy = "mixture"
            components = 3
            estimator = "mrp"
            """, source: "estimate.toml").plan()
        let estimate = try ComputeEstimate.measure(plan, measureSeconds: 0.05)
        #expect(estimate.rows.count == 2)
        for row in estimate.rows {
            #expect(row.runs == 2 && row.steps == 4000)
            #expect(row.secondsPerStep > 0 && row.secondsPerUpdate > 0)
            // Per run: 2000 steps and 2 evaluations of 2 episodes, deterministic and
            // stochastic, of Pendulum's 200 steps; 1900 updates.
            let perRun = Double(2000 + 2 * 2 * 2 * 200) * row.secondsPerStep + 1900 * row.secondsPerUpdate
            #expect(Swift.abs(row.coreHours - 2 * perRun / 3600) <= 1e-12 * row.coreHours)
        }
        #expect(Swift.abs(estimate.coreHours - estimate.rows.reduce(0) { $0 + $1.coreHours }) < 1e-15)
        #expect(estimate.render().contains("total: 4 runs"))
    }
}
