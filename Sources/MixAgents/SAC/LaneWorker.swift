import Dispatch
import Foundation
import MixTensor

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
///
/// **Waiting.** Both sides sleep on the semaphores; there is no spinning. Spinning up to
/// 20,000 atomic loads before sleeping (the earlier hand-off) measured the same within
/// noise on 2 cores (`mixrl bench sac --threads 2 --parallelism critics`, AMD EPYC family
/// 23, three interleaved rounds: 86.8 against 85.7 updates/s at K = 1, 41.4 against 39.0 at
/// K = 5), and a sleeping waiter leaves its core to the other thread.
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
    /// Whether a job was started and not yet waited for (the caller's own flag).
    private var busy = false
    private var running = false

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

    /// Hands `job` to the thread and returns at once. One job at a time: ``wait()`` for
    /// it before starting the next.
    func start(_ job: CriticLane.Job) {
        if busy { wait() }  // never overwrite a job the thread may not have read yet
        self.job = job
        busy = true
        requested.signal()
    }

    /// Returns when the last started job has finished.
    func wait() {
        guard busy else { return }
        completed.wait()
        busy = false
    }

    /// Ends the thread (after its current job) and waits for it.
    func stop() {
        guard running else { return }
        start(.stop)
        busy = false  // the stop job reports through `ended`, not `completed`
        ended.wait()
        running = false
    }

    private func loop() {
        while true {
            requested.wait()
            do {  // the job's tensors are released before completion is reported
                let current = job
                job = .stop
                if case .stop = current { return }
                lane.perform(current)
            }
            completed.signal()
        }
    }
}
