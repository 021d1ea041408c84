import Foundation
import MixAnalysis
import Testing

/// Requests the benchmark refuses, each with a message that names the problem, before any
/// gradient is sampled (the refusal comes from `VarianceBenchmark.init`; sampling happens
/// only in `run()`).
@Suite struct VarianceRejectionTests {
    static let bandit = VarianceRequest.Problem.bandit(BanditProblem(bandit: .symmetricBimodal))

    static func rejection(_ request: VarianceRequest) -> VarianceError? {
        do { _ = try VarianceBenchmark(request); return nil } catch { return error }
    }

    @Test func fewerThanTwoEstimates() {
        #expect(Self.rejection(VarianceRequest(problem: Self.bandit, estimateCount: 1)) == .tooFewEstimates(1))
        #expect(VarianceError.tooFewEstimates(1).description.contains("at least 2"))
    }

    @Test(arguments: [VarianceEstimatorKind.hybrid, .hybridLeaveOneOut, .gumbel])
    func mixtureEstimatorAtOneComponent(kind: VarianceEstimatorKind) throws {
        let error = try #require(Self.rejection(VarianceRequest(problem: Self.bandit, componentCounts: [1, 2], estimators: [.mrp, kind])))
        guard case let .estimatorNotApplicable(name, k, _) = error else { Issue.record("unexpected \(error)"); return }
        #expect(name == kind.rawValue && k == 1)
        #expect(error.description.contains("needs a mixture"))
    }

    @Test func reparameterizationOfAMixture() throws {
        let error = try #require(Self.rejection(VarianceRequest(problem: Self.bandit, componentCounts: [1, 3], estimators: [.rp])))
        #expect(error.description.hasPrefix("rp cannot run at K = 3"))
    }

    @Test func leaveOneOutWithoutTwoSamples() throws {
        let error = try #require(Self.rejection(VarianceRequest(problem: Self.bandit, componentCounts: [1], estimators: [.lrLeaveOneOut])))
        #expect(error.description.contains("at least 2 samples"))
        // With K >= 2 its equal-compute rows have K samples, so the request is fine...
        #expect(Self.rejection(VarianceRequest(problem: Self.bandit, componentCounts: [2], estimators: [.lrLeaveOneOut])) == nil)
        // ...unless they are switched off.
        #expect(Self.rejection(VarianceRequest(problem: Self.bandit, componentCounts: [2], estimators: [.lrLeaveOneOut],
                                               includesEqualCompute: false)) != nil)
    }

    @Test func unknownNames() {
        #expect(throws: VarianceError.unknownEstimator("reinforce", known: VarianceEstimatorKind.allCases.map(\.rawValue))) {
            try VarianceEstimatorKind(parsing: "reinforce")
        }
        #expect(throws: VarianceError.self) { try BanditName(parsing: "trimodal") }
        #expect((try? BanditName(parsing: "StochasticBimodalBandit-v0")) == .stochasticBimodal)
        #expect((try? VarianceEstimatorKind(parsing: " LR-LOO ")) == .lrLeaveOneOut)
    }

    @Test func malformedLists() {
        #expect(Self.rejection(VarianceRequest(problem: Self.bandit, samplesPerState: [])) != nil)
        #expect(Self.rejection(VarianceRequest(problem: Self.bandit, samplesPerState: [0])) != nil)
        #expect(Self.rejection(VarianceRequest(problem: Self.bandit, componentCounts: [])) != nil)
        #expect(Self.rejection(VarianceRequest(problem: Self.bandit, componentCounts: [0, 2])) != nil)
        #expect(Self.rejection(VarianceRequest(problem: Self.bandit, gumbelTemperature: 0)) != nil)
    }

    @Test func initialMixtureOfAnotherSize() throws {
        let problem = VarianceRequest.Problem.bandit(BanditProblem(bandit: .asymmetricBimodal,
                                                                   initialMixture: .explicit(logits: [0, 0], means: [-1, 1], logStds: [-1, -1])))
        #expect(Self.rejection(VarianceRequest(problem: problem, componentCounts: [2])) == nil)
        let error = try #require(Self.rejection(VarianceRequest(problem: problem, componentCounts: [2, 3])))
        #expect(error.description.contains("K = 3 needs 3 logits"))
    }

    @Test func missingCheckpoint() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-run-\(UUID().uuidString)")
        let error = try #require(Self.rejection(VarianceRequest(problem: .checkpoint(CheckpointOptions(location: folder)))))
        guard case .checkpointUnreadable = error else { Issue.record("unexpected \(error)"); return }
    }
}
