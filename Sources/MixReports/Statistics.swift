/// A point estimate with a confidence interval.
package struct ConfidenceInterval: Sendable, Equatable {
    /// The statistic on the data itself.
    package var estimate: Double
    /// The interval's lower end.
    package var lower: Double
    /// The interval's upper end.
    package var upper: Double

    /// An interval around `estimate`.
    package init(estimate: Double, lower: Double, upper: Double) {
        self.estimate = estimate
        self.lower = lower
        self.upper = upper
    }
}

/// Summary statistics over seeds. Few seeds are the norm in RL, so intervals come from
/// the percentile bootstrap (no normality assumption) and the interquartile mean is
/// reported next to the mean (robust to one diverged seed, as recommended by Agarwal et
/// al. 2021, "Deep RL at the edge of the statistical precipice").
package enum Statistics {
    /// The arithmetic mean (NaN for no values).
    package static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
    }

    /// The sample standard deviation (n - 1 in the denominator; 0 for one value).
    package static func standardDeviation(_ values: [Double]) -> Double {
        guard values.count > 1 else { return values.isEmpty ? .nan : 0 }
        let m = mean(values)
        return (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)).squareRoot()
    }

    /// The `p`-quantile of sorted values by linear interpolation between order statistics
    /// (type 7 of Hyndman and Fan, the default of R and NumPy).
    package static func quantile(sorted values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let h = Double(values.count - 1) * min(max(p, 0), 1)
        let lo = Int(h.rounded(.down))
        let hi = min(lo + 1, values.count - 1)
        return values[lo] + (h - Double(lo)) * (values[hi] - values[lo])
    }

    /// The interquartile mean: the mean after removing `floor(n / 4)` values from each end
    /// (as `scipy.stats.trim_mean(x, 0.25)`); the mean for fewer than four values.
    package static func interquartileMean(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let cut = sorted.count / 4
        return mean(Array(sorted[cut..<(sorted.count - cut)]))
    }

    /// The percentile-bootstrap interval of `statistic` (the mean by default): `resamples`
    /// resamples with replacement drawn from a SplitMix64 stream seeded with `seed`, so the
    /// same data, level and seed always give the same interval. Costs
    /// `resamples * values.count` draws. A single value gives a zero-width interval.
    package static func bootstrapInterval(_ values: [Double], confidence: Double = 0.95, resamples: Int = 10_000, seed: UInt64 = 0,
                                         statistic: ([Double]) -> Double = Statistics.mean) -> ConfidenceInterval {
        let estimate = statistic(values)
        guard values.count > 1, resamples > 0 else { return ConfidenceInterval(estimate: estimate, lower: estimate, upper: estimate) }
        var rng = SplitMix64(seed: seed)
        var sample = [Double](repeating: 0, count: values.count)
        var stats = [Double]()
        stats.reserveCapacity(resamples)
        for _ in 0..<resamples {
            for i in sample.indices { sample[i] = values[rng.index(below: values.count)] }
            stats.append(statistic(sample))
        }
        stats.sort()
        let alpha = (1 - confidence) / 2
        return ConfidenceInterval(estimate: estimate, lower: quantile(sorted: stats, alpha), upper: quantile(sorted: stats, 1 - alpha))
    }

    /// The area under a piecewise-linear curve by the trapezoidal rule, divided by its
    /// x-extent: the curve's average height (for a learning curve, the mean evaluation
    /// return over training). The single y for one point; NaN for none.
    package static func normalizedArea(x: [Double], y: [Double]) -> Double {
        guard x.count == y.count, let first = x.first, let last = x.last else { return .nan }
        guard x.count > 1, last > first else { return y[0] }
        var area = 0.0
        for i in 1..<x.count { area += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2 }
        return area / (last - first)
    }
}
