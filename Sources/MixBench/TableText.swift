import Foundation

/// The CPU's model name and family from `/proc/cpuinfo` (for benchmark headers), with
/// whether it has AVX-512.
package func cpuDescription() -> String {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
    var model = "?", family = "?", flags = ""
    for line in text.split(separator: "\n") {
        let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2 else { continue }
        if parts[0] == "model name", model == "?" { model = parts[1] }
        if parts[0] == "cpu family", family == "?" { family = parts[1] }
        if parts[0] == "flags", flags.isEmpty { flags = parts[1]; break }
    }
    let simd = flags.split(separator: " ").contains("avx512f") ? "AVX-512" : flags.split(separator: " ").contains("avx2") ? "AVX2" : "no AVX2"
    return "\(model), family \(family), \(simd)"
}

/// `value` with `digits` digits after the point (no Foundation).
func format(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return "\(value)" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = Int(scaled / scale), fraction = Int(scaled - Double(whole) * scale)
    let sign = value < 0 && scaled > 0 ? "-" : ""
    if digits == 0 { return sign + "\(whole)" }
    let f = "\(fraction)"
    return sign + "\(whole)." + String(repeating: "0", count: digits - f.count) + f
}
