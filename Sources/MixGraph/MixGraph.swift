// The MixGraph layer; see docs/architecture.md and docs/graph.md. Reverse-mode differentiation
// (`Tape`), layers (`Linear`, `MLP`), `Adam`, and safetensors files.
@_exported import MixTensor

/// Stops with `message` when `condition` is false, in every build configuration
/// (`precondition` drops its message in optimized builds, and misuse must say what met).
@inline(__always)
func graphRequire(_ condition: Bool, _ message: @autoclosure () -> String,
                  file: StaticString = #fileID, line: UInt = #line) {
    if _slowPath(!condition) { graphFailure(message(), file: file, line: line) }
}

@inline(never)
func graphFailure(_ message: String, file: StaticString, line: UInt) -> Never {
    fatalError("MixGraph: " + message, file: file, line: line)
}
