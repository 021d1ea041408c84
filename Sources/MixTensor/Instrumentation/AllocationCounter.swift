import Synchronization

// Instrumentation for benchmarks and tests. It lives in MixTensor, not in the benchmark
// harness, because the event it counts happens only here: `TensorStorage.init` is the
// one place tensor memory is allocated. A hook installed from above (a closure or a
// protocol object) would cost an indirect call on every allocation; two relaxed atomic
// adds cost less, and nothing else of the benchmark harness belongs in this module.

/// Counts tensor buffer allocations process-wide, so benchmarks and tests can show
/// that a steady-state training step allocates nothing.
package enum AllocationCounter {
    static let buffers = Atomic<Int>(0)
    static let bytes = Atomic<Int>(0)

    /// Tensor buffers allocated since the process started.
    package static var bufferCount: Int { buffers.load(ordering: .relaxed) }
    /// Bytes of tensor storage allocated since the process started.
    package static var byteCount: Int { bytes.load(ordering: .relaxed) }

    /// The hook: `TensorStorage.init` reports each allocation here.
    @inline(__always)
    static func recordAllocation(byteCount: Int) {
        buffers.add(1, ordering: .relaxed)
        bytes.add(byteCount, ordering: .relaxed)
    }
}
