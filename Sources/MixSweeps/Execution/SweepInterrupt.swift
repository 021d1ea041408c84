import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A request to stop a sweep: signals received (SIGINT, SIGTERM), or a trigger from code.
///
/// The first request makes the pool stop starting runs and forward SIGTERM to the running
/// ones, which checkpoint and exit; a second request sends them SIGKILL.
package final class SweepInterrupt: @unchecked Sendable {
    // @unchecked: the signal sources are created once in init and only retained after;
    // all mutable state is atomic.
    private let count = Atomic<Int>(0)
    private let lastSignal = Atomic<Int32>(0)
    private var sources: [any DispatchSourceSignal] = []

    /// An interrupt that only code triggers.
    package init() {}

    /// An interrupt triggered by the given signals, whose default action (ending the
    /// process) is replaced for as long as the process lives. Children started by the
    /// pool get default dispositions back.
    package static func trapping(_ signals: [Int32] = [SIGINT, SIGTERM]) -> SweepInterrupt {
        let interrupt = SweepInterrupt()
        for s in signals {
            _ = Glibc.signal(s, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: s, queue: .global())
            source.setEventHandler { [weak interrupt] in interrupt?.trigger(s) }
            source.resume()
            interrupt.sources.append(source)
        }
        return interrupt
    }

    /// Records a request to stop, as if `signal` had been received.
    package func trigger(_ signal: Int32) {
        lastSignal.store(signal, ordering: .relaxed)
        count.add(1, ordering: .sequentiallyConsistent)
    }

    /// How many requests arrived.
    package var requests: Int { count.load(ordering: .sequentiallyConsistent) }

    /// The signal of the latest request (0 if none).
    package var signal: Int32 { lastSignal.load(ordering: .relaxed) }
}
