/// The heap buffer behind a ``Tensor``: 64-byte aligned, uninitialized-on-allocation
/// memory for `capacity` scalars. Tensors share it copy-on-write.
@usableFromInline
final class TensorStorage<Scalar: TensorScalar>: @unchecked Sendable {
    @usableFromInline let pointer: UnsafeMutablePointer<Scalar>
    @usableFromInline let capacity: Int

    @usableFromInline init(capacity: Int) {
        self.capacity = capacity
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(capacity, 1) * MemoryLayout<Scalar>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Scalar.self, capacity: max(capacity, 1))
        AllocationCounter.recordAllocation(byteCount: capacity * MemoryLayout<Scalar>.stride)
    }

    @usableFromInline convenience init(copying source: UnsafePointer<Scalar>, count: Int) {
        self.init(capacity: count)
        withExtendedLifetime(self) { pointer.update(from: source, count: count) }
    }

    deinit { pointer.deallocate() }
}

extension Tensor {
    /// Calls `body` with the element pointer while keeping the storage object alive.
    ///
    /// A raw pointer does not keep the object that owns its memory alive. Once the
    /// optimizer sees no further Swift use of a tensor (say, a result whose only later
    /// use is its shape), it may release the storage, and free the buffer, before the
    /// writes through the pointer have happened: a use-after-free that corrupts the heap.
    /// Every kernel reaches the elements through this, which pins the storage until
    /// `body` returns and costs nothing at run time.
    @inlinable @inline(__always)
    func withElements<R, E: Error>(_ body: (UnsafeMutablePointer<Scalar>) throws(E) -> R) throws(E) -> R {
        try withExtendedLifetime(storage) { () throws(E) -> R in try body(storage.pointer) }
    }
}
