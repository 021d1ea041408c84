import MixTensor
/// Where a value of a sweep spec came from: a line of a file, or a `--set` argument.
package struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file path, or `--set key=value` for a command-line override.
    package var source: String
    /// 1-based line in `source`; 0 for a command-line override.
    package var line: Int

    /// A location in `source` at `line`.
    package init(source: String, line: Int) {
        self.source = source
        self.line = line
    }

    /// `spec.toml:7`, or the override itself.
    package var description: String { line > 0 ? "\(source):\(line)" : source }
}

/// Why a sweep spec was rejected. Every rejection names where (file and line, or the
/// `--set` argument), which key (dotted, as in `grid.components`) and what was expected,
/// and happens before any run starts.
package struct SweepSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where the offending value or line is; nil for a problem of the spec as a whole.
    package var location: SourceLocation?
    /// The dotted key at fault (`grid.components`), if one is.
    package var key: String?
    /// What is wrong and what was expected.
    package var message: String

    /// An error saying `message` about `key` at `location`.
    package init(_ message: String, key: String? = nil, at location: SourceLocation? = nil) {
        self.message = message
        self.key = key
        self.location = location
    }

    /// `spec.toml:7: grid.components: expected an integer or a list of integers, found a string`.
    package var description: String {
        var parts: [String] = []
        if let location { parts.append(location.description) }
        if let key { parts.append(key) }
        parts.append(message)
        return parts.joined(separator: ": ")
    }
}

/// Suggestions for misspelt names (shared with the environment registry's messages).
typealias Suggestion = MixTensor.Suggestion
