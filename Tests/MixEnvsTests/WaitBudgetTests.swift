import MixEnvs
import Testing

/// The bridge's answer timeout counts the time the waiting process ran, not the time it
/// was suspended (a run stopped with SIGSTOP for longer than the timeout and resumed with
/// SIGCONT used to fail with "did not answer within 60 s").
@Suite struct WaitBudgetTests {
    @Test func checksEvery50msAreChargedInFull() {
        var budget = WaitBudget(seconds: 1, now: 100)
        var now = 100.0
        while !budget.isSpent(now: now + 0.05) { now += 0.05 }
        // Spent at the check 1 s after the start (within one check's rounding).
        #expect(abs((now + 0.05 - 100) - 1) <= 0.05 + 1e-9)
    }

    @Test func aSuspensionIsChargedAsOneSecond() {
        var budget = WaitBudget(seconds: 60, now: 0)
        let first = budget.isSpent(now: 0.05)
        // Suspended for 90 s, longer than the whole timeout: not spent.
        let afterSuspension = budget.isSpent(now: 90.05)
        #expect(!first && !afterSuspension)
        #expect(abs(budget.remaining - (60 - 0.05 - WaitBudget.maximumCharge)) < 1e-9)
        // A worker that then stays silent still times out, after the time it had left.
        var now = 90.05
        while !budget.isSpent(now: now + 0.05) { now += 0.05 }
        #expect(abs((now + 0.05 - 90.05) - (60 - 0.05 - WaitBudget.maximumCharge)) < 0.06)
    }

    @Test func aClockThatDoesNotAdvanceChargesNothing() {
        var budget = WaitBudget(seconds: 2, now: 5)
        let same = budget.isSpent(now: 5)
        let backwards = budget.isSpent(now: 4)  // never a negative charge
        #expect(!same && !backwards)
        #expect(budget.remaining == 2)
    }
}
