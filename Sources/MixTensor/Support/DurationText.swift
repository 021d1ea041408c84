/// A duration as people read it in a status line or a table: `42s`, `3m07s`, `2h05m`
/// (seconds rounded; hours drop the seconds). The one formatter of every duration MixRL
/// shows: the time left of `mixrl train`, a sweep's console, a report's run times.
package enum DurationText {
    /// `seconds` as `42s`, `3m07s` or `2h05m`.
    package static func format(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" + twoDigits(s % 60) + "s" }
        return "\(s / 3600)h" + twoDigits((s % 3600) / 60) + "m"
    }

    private static func twoDigits(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
}
