import MixTensor

/// A group of the policy's distribution parameters whose gradient is summarized together.
package enum ParameterGroup: String, CaseIterable, Sendable, Codable, Hashable {
    /// The mixture logits (absent at K = 1, where their gradient is identically zero).
    case logits
    /// The component means of the pre-squash point.
    case means
    /// The component log-standard-deviations.
    case logStds = "log-stds"
    /// All of the above, as one vector.
    case all
}

/// The statistics of N gradient estimates of one parameter group against a reference.
package struct GroupStatistics: Sendable, Equatable, Codable {
    /// The group.
    package var group: ParameterGroup
    /// The number of coordinates.
    package var dimension: Int
    /// The trace of the sample covariance (unbiased, divisor N - 1): the expected squared
    /// distance of one estimate from the estimators' mean.
    package var totalVariance: Double
    /// The largest eigenvalue of the sample covariance (LAPACK `dsyevd`): the variance along
    /// the noisiest direction. When the group has more coordinates than there are
    /// estimates, it comes from the N x N Gram matrix, which has the same nonzero eigenvalues.
    package var largestEigenvalue: Double
    /// `|mean - reference|`.
    package var biasNorm: Double
    /// The bias norm expected from noise alone, `sqrt(tr Cov / N + tr Cov_ref)` (the second
    /// term is zero for an exact reference): a bias norm well above it is a real bias.
    package var biasNoise: Double
    /// The cosine of the angle between the mean estimate and the reference.
    package var cosineSimilarity: Double
    /// `max_i |mean_i - reference_i| / se_i` over the coordinates, with `se_i` the standard
    /// error of the difference: for an unbiased estimator it stays within a few units.
    package var maxStandardizedBias: Double
    /// `|mean|`.
    package var meanNorm: Double
    /// `|reference|`.
    package var referenceNorm: Double

    /// Statistics of `estimates` (N vectors) restricted to `range`, against `reference`
    /// (whose per-coordinate variance, for a sampled reference, is `referenceVariance`).
    /// Cost: O(N p min(N, p)) for the covariance or Gram matrix, plus one eigen-decomposition
    /// of size `min(N, p)`.
    static func compute(group: ParameterGroup, estimates: [[Double]], range: Range<Int>, reference: [Double],
                        referenceVariance: [Double]?) throws(VarianceError) -> GroupStatistics {
        let n = estimates.count, p = range.count
        var mean = [Double](repeating: 0, count: p)
        for e in estimates { for i in 0..<p { mean[i] += e[range.lowerBound + i] } }
        for i in 0..<p { mean[i] /= Double(n) }
        var centred = Tensor<Double>.zeros(Shape(n, p))
        var variance = [Double](repeating: 0, count: p)
        centred.withUnsafeMutablePointer { x in
            for (r, e) in estimates.enumerated() {
                for i in 0..<p {
                    let c = e[range.lowerBound + i] - mean[i]
                    x[r * p + i] = c
                    variance[i] += c * c
                }
            }
        }
        for i in 0..<p { variance[i] /= Double(n - 1) }
        let total = variance.reduce(0, +)

        // Covariance (p x p) or Gram (N x N) matrix, whichever is smaller.
        let gram = p > n
        var matrix = gram ? Tensor.matmul(centred, transposed: false, centred, transposed: true)
                          : Tensor.matmul(centred, transposed: true, centred, transposed: false)
        let entries = matrix.count
        matrix.withUnsafeMutablePointer { m in for i in 0..<entries { m[i] /= Double(n - 1) } }
        let largest: Double
        do { largest = try matrix.symmetricEigen().values.last ?? 0 }
        catch { throw .eigenDecompositionFailed("\(group.rawValue), \(gram ? "\(n) x \(n) Gram" : "\(p) x \(p) covariance") matrix: \(error)") }

        let ref = Array(reference[range])
        let refVariance = referenceVariance.map { Array($0[range]) } ?? [Double](repeating: 0, count: p)
        var biasSquared = 0.0, dot = 0.0, meanSquared = 0.0, refSquared = 0.0, maxZ = 0.0
        for i in 0..<p {
            let bias = mean[i] - ref[i]
            biasSquared += bias * bias
            dot += mean[i] * ref[i]
            meanSquared += mean[i] * mean[i]
            refSquared += ref[i] * ref[i]
            let se = (variance[i] / Double(n) + refVariance[i]).squareRoot()
            if se > 0 { maxZ = max(maxZ, abs(bias) / se) }
        }
        let noise = (total / Double(n) + refVariance.reduce(0, +)).squareRoot()
        let cosine = meanSquared > 0 && refSquared > 0 ? dot / (meanSquared * refSquared).squareRoot() : 0
        return GroupStatistics(group: group, dimension: p, totalVariance: total, largestEigenvalue: max(largest, 0),
                               biasNorm: biasSquared.squareRoot(), biasNoise: noise, cosineSimilarity: cosine,
                               maxStandardizedBias: maxZ, meanNorm: meanSquared.squareRoot(), referenceNorm: refSquared.squareRoot())
    }

    /// Per-coordinate mean and variance of the mean of `estimates` (for a sampled reference).
    static func meanAndVarianceOfMean(_ estimates: [[Double]]) -> (mean: [Double], varianceOfMean: [Double]) {
        let n = Double(estimates.count), p = estimates.first?.count ?? 0
        var mean = [Double](repeating: 0, count: p), variance = mean
        for e in estimates { for i in 0..<p { mean[i] += e[i] / n } }
        for e in estimates { for i in 0..<p { variance[i] += (e[i] - mean[i]) * (e[i] - mean[i]) } }
        return (mean, variance.map { $0 / ((n - 1) * n) })
    }
}
