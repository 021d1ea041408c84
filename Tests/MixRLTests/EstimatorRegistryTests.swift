import Foundation
import MixRL
import Testing

/// One list of built-in estimators (`EstimatorRegistry.builtIn`) behind the configuration's
/// `estimator` key, SAC's estimator, the variance benchmark and docs/estimators.md.
@Suite struct EstimatorRegistryTests {
    @Test func namesAreUniqueAndEveryKindIsRegistered() {
        let names = EstimatorRegistry.names
        #expect(Set(names).count == names.count)
        #expect(EstimatorKind.allCases.map(\.rawValue) == names)
        #expect(EstimatorKind(rawValue: "reinforce") == nil)
        for name in names { #expect(EstimatorKind(rawValue: name)?.registration.name == name) }
    }

    /// The configuration accepts an estimator exactly where its registration says it
    /// trains, and SAC builds the registered estimator with the configuration's options.
    @Test(arguments: EstimatorRegistry.builtIn.map(\.name))
    func configurationAndAgentFollowTheRegistry(name: String) throws {
        let registration = try #require(EstimatorRegistry.named(name))
        let kind = try #require(EstimatorKind(rawValue: name))
        for (policy, k) in [(PolicyKind.gaussian, 1), (.mixture, 1), (.mixture, 2), (.mixture, 5)] {
            var c = TrainingConfiguration()
            c.policy = policy
            c.components = k
            c.estimator = kind
            let refused = c.problems.contains { $0.key == "estimator" }
            #expect(refused == !registration.applicability.admits(componentCount: k, isMixture: policy == .mixture),
                    "\(name) with \(policy.rawValue) K = \(k): \(c.problems)")
            #expect(c.resolvedSamples == registration.defaultSamples(componentCount: k))
            #expect(c.resolvedBaseline == registration.defaultBaseline)
            guard !refused && c.problems.isEmpty else { continue }
            let agent = try SACAgent(configuration: c, observationSize: 3, actionLow: [-1], actionHigh: [1], rng: RandomStream(seed: 1))
            let expected = registration.make(.init(samples: c.resolvedSamples, baseline: c.resolvedBaseline, gumbelTemperature: c.gumbelTemperature))
            #expect(agent.estimator.description == expected.description)
            #expect(agent.estimator.isUnbiased == registration.isUnbiased)
            #expect(agent.estimator.criticEvaluationsPerState(componentCount: k)
                    == registration.criticEvaluationsPerState(componentCount: k, samples: c.resolvedSamples))
        }
    }

    /// The variance benchmark offers every registered estimator, and a `-loo` variant of
    /// each one that takes a baseline.
    @Test func varianceBenchmarkOffersTheRegisteredEstimators() {
        let expected = EstimatorRegistry.builtIn.flatMap { $0.takesBaseline ? [$0.name, $0.name + "-loo"] : [$0.name] }
        #expect(VarianceEstimatorKind.allCases.map(\.rawValue) == expected)
        #expect(VarianceEstimatorKind.allCases.map(\.rawValue) == ["rp", "mrp", "lr", "lr-loo", "hybrid", "hybrid-loo", "gumbel"])
        #expect(VarianceEstimatorKind.defaults.map(\.rawValue) == ["rp", "mrp", "lr", "lr-loo", "hybrid", "gumbel"])
    }

    /// docs/estimators.md's summary table lists the registry: name, label, what it trains,
    /// bias and cost, in the registry's order.
    @Test func documentationTableMatchesTheRegistry() throws {
        let page = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/estimators.md")
        let text = try String(contentsOf: page, encoding: .utf8)
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("| `") }.map { line in
            line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let documented = rows.map { Array($0.prefix(5)) }
        let registered = EstimatorRegistry.builtIn.map { r in
            ["`\(r.name)`", r.label, r.applicability.phrase, r.isUnbiased ? "yes" : "no", r.costFormula]
        }
        #expect(documented == registered)
    }
}
