/// The elements as raw bytes, for serialization (MixGraph's safetensors files).
extension Tensor {
    /// Calls `body` with the raw little-endian bytes of the elements (for serialization).
    package func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: storage.pointer, count: count * MemoryLayout<Scalar>.stride))
    }

    /// Creates a tensor of `shape` from raw little-endian bytes (unaligned reads are fine).
    package init(shape: Shape, bytes: UnsafeRawBufferPointer) {
        let n = shape.count
        require(bytes.count == n * MemoryLayout<Scalar>.stride, "MixTensor: \(bytes.count) bytes for \(n) elements of \(Scalar.self)")
        self.init(uninitializedShape: shape)
        if n > 0, let base = bytes.baseAddress {
            UnsafeMutableRawPointer(storage.pointer).copyMemory(from: base, byteCount: bytes.count)
        }
    }
}
