import MixTensor
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A thread that performs one ``CriticLane``'s jobs on request, so that the calling
/// thread can run the other lane at the same time.
///
/// **Sharing.** The lane is handed over with each job: between ``start(_:)`` and
/// ``wait()`` only this thread touches it (and whatever its job reads: the critic and
/// target networks of that lane, and the job's input tensors, which no one writes
/// meanwhile); outside that window only the caller does. The hand-over is ordered by
/// the two sequence counters (release on publish, acquire on observe), so everything
/// written before `start` is visible to the job and everything the job wrote is visible
/// after `wait`. That protocol, not the type system, is what makes the
/// `@unchecked Sendable` sound; one caller at a time may use a worker.
///
/// **Waiting.** Each side spins briefly on the counters (a job lasts tens of
/// microseconds to a few milliseconds, a futex wake-up about as long as the shortest),
/// then sleeps on a condition variable.
final class LaneWorker: GemmHelper, @unchecked Sendable {
    private let lane: CriticLane
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    /// The job to run; written by the caller before `requested` moves, read by the thread after.
    private var job: CriticLane.Job = .stop
    /// Jobs requested so far (written by the caller only).
    private let requested = Atomic<UInt64>(0)
    /// Jobs finished so far (written by the thread only).
    private let completed = Atomic<UInt64>(0)
    private var thread = pthread_t()
    private var running = false
    /// Atomic loads before a side goes to sleep (tens of microseconds).
    private let spinLimit = 20_000

    /// Starts the thread for `lane`.
    init(lane: CriticLane) {
        self.lane = lane
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        // The thread holds a reference until its loop ends (see `stop()`).
        let context = Unmanaged.passRetained(self).toOpaque()
        let created = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let worker = Unmanaged<LaneWorker>.fromOpaque(raw)
            worker.takeUnretainedValue().loop()
            worker.release()
            return nil
        }, context)
        if created != 0 {
            Unmanaged<LaneWorker>.fromOpaque(context).release()
            preconditionFailure("MixAgents: could not start a critic thread (pthread_create returned \(created))")
        }
        running = true
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs one half of a split product (``GemmSplit``) between the lanes' jobs.
    func start(_ product: SGemmArguments) { start(.gemm(product)) }

    /// Hands `job` to the thread and returns at once.
    func start(_ job: CriticLane.Job) {
        self.job = job
        requested.store(requested.load(ordering: .relaxed) &+ 1, ordering: .releasing)
        pthread_mutex_lock(mutex)
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Returns when the last started job has finished.
    func wait() {
        let target = requested.load(ordering: .relaxed)
        var spins = 0
        while completed.load(ordering: .acquiring) != target && spins < spinLimit { spins += 1 }
        if completed.load(ordering: .acquiring) != target {
            pthread_mutex_lock(mutex)
            while completed.load(ordering: .acquiring) != target { pthread_cond_wait(condition, mutex) }
            pthread_mutex_unlock(mutex)
        }
    }

    /// Ends the thread (after its current job) and joins it.
    func stop() {
        guard running else { return }
        start(.stop)
        pthread_join(thread, nil)
        running = false
    }

    private func loop() {
        var seen: UInt64 = 0
        while true {
            var spins = 0
            while requested.load(ordering: .acquiring) == seen && spins < spinLimit { spins += 1 }
            if requested.load(ordering: .acquiring) == seen {
                pthread_mutex_lock(mutex)
                while requested.load(ordering: .acquiring) == seen { pthread_cond_wait(condition, mutex) }
                pthread_mutex_unlock(mutex)
            }
            seen = requested.load(ordering: .acquiring)
            do {  // the job's tensors are released before completion is reported
                let current = job
                job = .stop
                if case .stop = current { return }
                lane.perform(current)
            }
            completed.store(seen, ordering: .releasing)
            pthread_mutex_lock(mutex)
            pthread_cond_broadcast(condition)
            pthread_mutex_unlock(mutex)
        }
    }
}
