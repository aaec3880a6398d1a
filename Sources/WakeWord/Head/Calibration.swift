import Foundation

/// Chooses the threshold that meets a target false-accept rate per hour on held-out negative
/// streams (audio never trained on), counting events exactly as the detector does.
///
/// Where the held-out audio is long enough to show the target rate (target · hours ≥ 1
/// event), the threshold is read off the data. Where it is not (0.5 per hour needs 2 hours),
/// the rate is extrapolated beyond the highest peak: above a high enough level u the rate
/// of score peaks falls exponentially, λ(l) = λ(u)·e^(−b(l−u)), whose slope has the
/// maximum-likelihood estimate b = K / Σ (lᵢ − u) over the K peaks above u (the (K+1)-th
/// highest). The highest peak stands for one event in the audio, so the threshold is
/// l = l₁ + ln(1 / (target · hours)) / b: no further out than the data falls short. The
/// peaks-over-threshold level u + ln(K / (target · hours)) / b, which does not rest on the
/// highest peak alone, set higher thresholds on the acceptance protocol (the highest
/// out-of-fold peaks lie closer together than an exponential tail's) and missed more words
/// with no fewer false accepts (Benchmarks/RESULTS.md).
public struct Calibration: Sendable {
    /// Negative audio as streams of (hop, logit) in time order.
    public struct Stream: Sendable {
        public var hops: [Int]
        public var logits: [Float]

        public init(hops: [Int], logits: [Float]) {
            (self.hops, self.logits) = (hops, logits)
        }
    }

    public struct Result: Sendable, Equatable {
        /// In score units, σ(logit).
        public let threshold: Float
        public let logit: Float
        /// At the threshold: events per hour expected (observed, or extrapolated).
        public let expectedFAPerHour: Double
        /// Events the held-out audio actually gives at the threshold.
        public let observedEvents: Int
        public let extrapolated: Bool
        /// Lowered below the false-accept target's level so that the word is still detected
        /// (`Trainer` does this when the target would miss too many held-out clips).
        public var limitedByFalseRejects = false
    }

    public let streams: [Stream]
    /// Hours of held-out audio.
    public let hours: Double
    /// Refractory period in samples.
    public let refractory: Int

    public init(streams: [Stream], hours: Double, refractory: Int) {
        (self.streams, self.hours, self.refractory) = (streams, hours, refractory)
    }

    /// Events over all streams at a logit threshold.
    public func events(atLogit threshold: Float) -> Int {
        streams.reduce(0) { $0 + EventGate.events(hops: $1.hops, scores: $1.logits, threshold: threshold, refractory: refractory).count }
    }

    /// The lowest threshold whose rate meets `target` events per hour.
    public func threshold(forFAPerHour target: Double) -> Result {
        let peaks = self.peaks()
        let allowed = target * hours
        let logit: Float
        let extrapolated: Bool
        if allowed >= 1, peaks.count > Int(allowed) {
            // Empirical: just above the (allowed + 1)-th highest peak.
            logit = peaks[Int(allowed)].nextUp
            extrapolated = false
        } else if peaks.count > Int(allowed) {
            logit = extrapolate(peaks, to: allowed)
            extrapolated = true
        } else {
            // Fewer peaks than allowed events: any threshold above the lowest score meets the target.
            logit = (peaks.last ?? 0).nextDown
            extrapolated = false
        }
        let observed = events(atLogit: logit)
        let expected = extrapolated ? target : Double(observed) / max(hours, 1e-9)
        return Result(
            threshold: TriggerHead.sigmoid(logit), logit: logit, expectedFAPerHour: expected,
            observedEvents: observed, extrapolated: extrapolated)
    }

    /// The lower of two thresholds for `target`: this audio's, and `other`'s (the same audio
    /// scored by another stand-in for the detector), with the rates that stand-in expects
    /// there. Either stand-in's highest peaks can hang on one unlucky fit, and such an outlier
    /// moves an extrapolated threshold by logits: a peak that one stand-in shows and the other
    /// does not is not taken as the detector's.
    public func threshold(forFAPerHour target: Double, orAsLowAs other: Calibration) -> Result {
        let own = threshold(forFAPerHour: target)
        let theirs = other.threshold(forFAPerHour: target)
        return theirs.logit < own.logit ? theirs : own
    }

    /// The rates at a given logit threshold, read off the data (no extrapolation).
    public func result(atLogit logit: Float) -> Result {
        let observed = events(atLogit: logit)
        return Result(
            threshold: TriggerHead.sigmoid(logit), logit: logit, expectedFAPerHour: Double(observed) / max(hours, 1e-9),
            observedEvents: observed, extrapolated: false)
    }

    /// A threshold at `logit`, below the one `threshold(forFAPerHour: target)` chose: its
    /// expected rate is what the audio shows there, and at least `target` (a lower threshold
    /// never fires less), marked `limitedByFalseRejects`.
    public func lowered(toLogit logit: Float, target: Double) -> Result {
        let observed = events(atLogit: logit)
        return Result(
            threshold: TriggerHead.sigmoid(logit), logit: logit,
            expectedFAPerHour: max(Double(observed) / max(hours, 1e-9), target),
            observedEvents: observed, extrapolated: false, limitedByFalseRejects: true)
    }

    /// The logit at each stream's local maxima, highest first: a hop whose logit is the
    /// largest within ± refractory of it. Above a threshold, each peak is about one event.
    func peaks() -> [Float] {
        var result: [Float] = []
        for stream in streams {
            let n = stream.logits.count
            var low = 0
            var high = 0
            for i in 0..<n {
                while stream.hops[low] < stream.hops[i] - refractory { low += 1 }
                while high + 1 < n && stream.hops[high + 1] <= stream.hops[i] + refractory { high += 1 }
                let value = stream.logits[i]
                let isPeak = (low...high).allSatisfy { j in stream.logits[j] < value || (stream.logits[j] == value && j >= i) }
                if isPeak { result.append(value) }
            }
        }
        return result.sorted(by: >)
    }

    /// The exponential-tail extrapolation from the highest peak, with the slope from the
    /// highest peaks (at most 30, at least 3).
    private func extrapolate(_ peaks: [Float], to allowed: Double) -> Float {
        let k = min(30, peaks.count - 1)
        guard k >= 3 else { return (peaks.first ?? 0) + 2 }
        let level = Double(peaks[k])
        let excess = peaks.prefix(k).reduce(0.0) { $0 + Double($1) - level }
        guard excess > 0 else { return peaks[0].nextUp }
        let slope = Double(k) / excess
        return max(Float(Double(peaks[0]) + log(1 / max(allowed, 1e-6)) / slope), peaks[0].nextUp)
    }
}
