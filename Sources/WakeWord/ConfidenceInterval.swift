import Foundation

/// A two-sided 90 % confidence interval for a rate, in the rate's own units (a fraction for
/// false rejects, events per hour for false accepts).
public struct ConfidenceInterval: Codable, Sendable, Equatable {
    public let lower: Double
    public let upper: Double

    /// The confidence level of every interval here: 5 % left out on each side.
    public static let level = 0.9
    /// z for `level`: the standard normal's 95th percentile.
    static let z = 1.6448536269514722

    public init(lower: Double, upper: Double) {
        precondition(lower <= upper, "interval [\(lower), \(upper)]")
        (self.lower, self.upper) = (lower, upper)
    }

    /// The Wilson score interval for a proportion `rate` observed over `trials` independent
    /// trials (E. B. Wilson, JASA 22, 1927; recommended for small samples by Brown, Cai and
    /// DasGupta, Statistical Science 16, 2001): the p with |rate − p| ≤ z·√(p(1 − p)/n).
    /// `rate` may be a mean of per-trial fractions.
    public static func wilson(rate: Double, trials: Int) -> ConfidenceInterval {
        precondition(trials > 0 && (0...1).contains(rate), "rate \(rate) over \(trials) trials")
        let n = Double(trials)
        let z2 = z * z
        let centre = (rate + z2 / (2 * n)) / (1 + z2 / n)
        let half = z / (1 + z2 / n) * (rate * (1 - rate) / n + z2 / (4 * n * n)).squareRoot()
        // At 0 and 1 the interval reaches the end exactly (rounding can leave 1e-17 there).
        return ConfidenceInterval(
            lower: rate == 0 ? 0 : max(0, centre - half), upper: rate == 1 ? 1 : min(1, centre + half))
    }

    /// The exact (Garwood) interval for a Poisson rate with `events` counted over `exposure`
    /// (hours): the rates λ at which P(X ≥ events) and P(X ≤ events) are each 5 %; the lower
    /// end is 0 when nothing was counted.
    public static func poisson(events: Int, exposure: Double) -> ConfidenceInterval {
        precondition(events >= 0 && exposure > 0, "\(events) events over \(exposure)")
        let tail = (1 - level) / 2
        // P(X ≤ k) falls as the mean grows: bisect for the mean where it crosses p.
        func mean(whereAtMost k: Int, is p: Double) -> Double {
            var (low, high) = (0.0, Double(k) + 10 * (Double(k) + 1).squareRoot() + 10)
            for _ in 0..<200 {
                let middle = (low + high) / 2
                if poissonCDF(k, mean: middle) > p { low = middle } else { high = middle }
            }
            return (low + high) / 2
        }
        let lower = events == 0 ? 0 : mean(whereAtMost: events - 1, is: 1 - tail)
        let upper = mean(whereAtMost: events, is: tail)
        return ConfidenceInterval(lower: lower / exposure, upper: upper / exposure)
    }

    /// P(X ≤ k) for X ~ Poisson(mean), summed in log space term by term.
    static func poissonCDF(_ k: Int, mean: Double) -> Double {
        guard mean > 0 else { return 1 }
        var term = -mean
        var sum = exp(term)
        for i in stride(from: 1, through: k, by: 1) {
            term += log(mean) - log(Double(i))
            sum += exp(term)
        }
        return min(sum, 1)
    }
}
