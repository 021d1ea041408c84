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

/// Suggestions for misspelt names.
enum Suggestion {
    /// The candidate closest to `word` by edit distance, if it is close enough to be a
    /// plausible typo (at most a third of the word's length, and at least 2 edits allowed).
    static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        let limit = max(2, word.count / 3)
        var best: (String, Int)?
        for c in candidates {
            let d = distance(word.lowercased(), c.lowercased())
            if d <= limit, best.map({ d < $0.1 }) ?? true { best = (c, d) }
        }
        return best?.0
    }

    /// " Did you mean 'x'?" or "".
    static func didYouMean(_ word: String, in candidates: some Sequence<String>) -> String {
        closest(to: word, in: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }

    /// Levenshtein distance with transpositions counted as one edit (optimal string alignment).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
