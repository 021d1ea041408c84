import Dispatch
import Foundation
import MixTensor
import Synchronization

/// A thread that performs one ``CriticLane``'s jobs on request, so that the calling
/// thread can run the other lane at the same time: a plain thread and two semaphores.
///
/// **Sharing.** The lane is handed over with each job: between ``start(_:)`` and
/// ``wait()`` only this thread touches it (and whatever its job reads: the critic and
/// target networks of that lane, and the job's input tensors, which no one writes
/// meanwhile); outside that window only the caller does. The semaphores order the
/// hand-over (signal happens-before the wait it releases), so everything written before
/// `start` is visible to the job and everything the job wrote is visible after `wait`.
/// That protocol, not the type system, is what makes the `@unchecked Sendable` sound;
/// one caller at a time may use a worker.
final class LaneWorker: GemmHelper, @unchecked Sendable {
    private let lane: CriticLane
    /// Signalled once per job by the caller.
    private let requested = DispatchSemaphore(value: 0)
    /// Signalled once per finished job by the thread.
    private let completed = DispatchSemaphore(value: 0)
    /// Signalled when the thread's loop has ended.
    private let ended = DispatchSemaphore(value: 0)
    /// The job to run; written by the caller before `requested` is signalled, read by the thread after.
    private var job: CriticLane.Job = .stop
    /// Jobs started and not yet waited for (the caller's own count).
    private var outstanding = 0
    private var running = false
    // MEASUREMENT ONLY (temporary): spin before sleeping on the semaphores.
    static let spin: Int = ProcessInfo.processInfo.environment["MIXRL_LANE_SPIN"].flatMap { Int($0) } ?? 0
    private let startedCount = Atomic<Int>(0)
    private let finishedCount = Atomic<Int>(0)
    private var issued = 0

    /// Starts the thread for `lane`.
    init(lane: CriticLane) {
        self.lane = lane
        // The thread holds a reference until its loop ends (see `stop()`).
        let thread = Thread { [self] in
            loop()
            ended.signal()
        }
        thread.name = "mixrl critic lane"
        thread.stackSize = 8 << 20
        thread.start()
        running = true
    }

    /// Runs one half of a split product (``GemmSplit``) between the lanes' jobs.
    func start(_ product: SGemmArguments) { start(.gemm(product)) }

    /// Hands `job` to the thread and returns at once.
    func start(_ job: CriticLane.Job) {
        self.job = job
        outstanding += 1
        issued += 1
        startedCount.store(issued, ordering: .releasing)
        requested.signal()
    }

    /// Returns when every started job has finished.
    func wait() {
        if LaneWorker.spin > 0 {
            var n = 0
            while finishedCount.load(ordering: .acquiring) != issued && n < LaneWorker.spin { n += 1 }
        }
        while outstanding > 0 {
            completed.wait()
            outstanding -= 1
        }
    }

    /// Ends the thread (after its current job) and waits for it.
    func stop() {
        guard running else { return }
        wait()
        start(.stop)
        outstanding = 0
        ended.wait()
        running = false
    }

    private func loop() {
        var seen = 0
        while true {
            if LaneWorker.spin > 0 {
                var n = 0
                while startedCount.load(ordering: .acquiring) == seen && n < LaneWorker.spin { n += 1 }
            }
            requested.wait()
            seen += 1
            do {  // the job's tensors are released before completion is reported
                let current = job
                job = .stop
                if case .stop = current { return }
                lane.perform(current)
            }
            finishedCount.store(seen, ordering: .releasing)
            completed.signal()
        }
    }
}
