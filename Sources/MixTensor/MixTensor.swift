// The MixTensor layer; see docs/architecture.md. One concern: dense numbers and the
// arithmetic on them. Row-major tensors generic over `Float` and `Double` (Tensor*.swift,
// TensorStorage.swift), matrix products through OpenBLAS or BLIS (GemmBackend.swift, the
// two-thread row split in GemmSplit.swift), SIMD element-wise kernels and reductions, the
// seeded random stream, LAPACK factorizations. Support/ holds the package-internal helpers
// every layer's messages use (file-error reasons, did-you-mean suggestions, durations,
// SHA-256); Instrumentation/ holds the two benchmark hooks that can only be recorded here
// (the gemm log, the allocation counter). Programmer errors stop through `require`
// (Shape.swift), which keeps its message in release builds.
