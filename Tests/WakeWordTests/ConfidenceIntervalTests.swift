import Foundation
import Testing

@testable import WakeWord

@Suite("Confidence intervals") struct ConfidenceIntervalTests {
    /// Goldens from scipy: the Wilson interval by its formula with z = norm.ppf(0.95); the
    /// Poisson one as chi2.ppf(0.05, 2k) / 2 and chi2.ppf(0.95, 2k + 2) / 2.
    @Test("the Wilson interval of a proportion, 90 %, against scipy")
    func wilson() {
        let cases: [(rate: Double, trials: Int, lower: Double, upper: Double)] = [
            (0.2, 5, 0.04596245388060394, 0.5647074465784568),
            (0.068, 20, 0.01847348875158418, 0.22047888272828914),
            (0, 20, 0, 0.1191578373609645),
            (1, 5, 0.6488834992348986, 1),
        ]
        for c in cases {
            let interval = ConfidenceInterval.wilson(rate: c.rate, trials: c.trials)
            #expect(abs(interval.lower - c.lower) < 1e-12 && abs(interval.upper - c.upper) < 1e-12, "\(c): \(interval)")
        }
        // Its ends are the p at which the rate is z standard errors away: |rate - p| = z·√(p(1 - p)/n).
        for (rate, trials) in [(0.068, 20), (0.35, 7), (0.9, 40)] {
            let interval = ConfidenceInterval.wilson(rate: rate, trials: trials)
            for p in [interval.lower, interval.upper] {
                let distance = abs(rate - p) - ConfidenceInterval.z * (p * (1 - p) / Double(trials)).squareRoot()
                #expect(abs(distance) < 1e-12, "\(rate) over \(trials): \(p)")
            }
        }
        // No miss: the lower end is 0 exactly, for every number of clips (rounding left 1e-17 at 11).
        for trials in 1...60 { #expect(ConfidenceInterval.wilson(rate: 0, trials: trials).lower == 0) }
        for trials in 1...60 { #expect(ConfidenceInterval.wilson(rate: 1, trials: trials).upper == 1) }
    }

    @Test("the exact Poisson interval of a rate, 90 %, against scipy, per unit of exposure")
    func poisson() {
        let cases: [(events: Int, lower: Double, upper: Double)] = [
            (0, 0, 2.9957322735539895), (1, 0.05129329438755053, 4.743864518390577),
            (4, 1.366318396749831, 9.153519026637573), (20, 13.254651598346555, 29.062018840434014),
            (500, 463.7971815104895, 538.3764949563868),
        ]
        for c in cases {
            let interval = ConfidenceInterval.poisson(events: c.events, exposure: 0.5)
            #expect(abs(interval.lower - 2 * c.lower) < 1e-9 && abs(interval.upper - 2 * c.upper) < 1e-9, "\(c): \(interval)")
        }
        #expect(abs(ConfidenceInterval.poissonCDF(2, mean: 1.5) - exp(-1.5) * (1 + 1.5 + 1.125)) < 1e-15)
    }
}
