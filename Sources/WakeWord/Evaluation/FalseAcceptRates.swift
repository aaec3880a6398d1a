import Foundation

/// A model's false accepts on negative audio at any threshold, from one run over it: the hop
/// scores of an evaluation's negative streams (`Evaluator` with no positive clips will do),
/// counted with the detector's own event rule (`EventGate`).
public struct FalseAcceptRates: Sendable {
    /// The false accepts at one threshold.
    public struct Rate: Sendable, Equatable {
        /// A score in [0, 1].
        public let threshold: Float
        /// Events in the audio.
        public let falseAccepts: Int
        /// Events per hour: observed, or extrapolated beyond the audio when `extrapolated`.
        public let perHour: Double
        public let extrapolated: Bool
    }

    public let negatives: [NegativeRecord]
    /// Samples after an event during which none fires.
    public let refractory: Int
    /// Hours of negative audio (`EvaluationRecord.negativeHours`).
    public let hours: Double

    public init(_ record: EvaluationRecord) {
        (negatives, refractory, hours) = (record.negatives, record.refractory, record.negativeHours)
    }

    /// The false accepts at `threshold`, as detection counts them.
    public func at(_ threshold: Float) -> Rate {
        let events = negatives.reduce(0) {
            $0 + EventGate.events(hops: $1.hops, scores: $1.scores, threshold: threshold, refractory: refractory).count
        }
        return Rate(threshold: threshold, falseAccepts: events, perHour: Double(events) / max(hours, 1e-9), extrapolated: false)
    }

    /// The lowest threshold whose rate meets `target` per hour, chosen as training chooses
    /// its threshold (`Calibration`): read off the audio where it is long enough to show the
    /// rate, else extrapolated from its highest peaks.
    public func threshold(forFAPerHour target: Double) -> Rate {
        let chosen = calibration(logits: true).threshold(forFAPerHour: target)
        if chosen.extrapolated {
            return Rate(
                threshold: chosen.threshold, falseAccepts: chosen.observedEvents, perHour: chosen.expectedFAPerHour, extrapolated: true)
        }
        // Read off the audio: the same rule on the scores themselves (a monotone map of the
        // logits), so that no rounding between the two puts the threshold on a peak.
        return at(calibration(logits: false).threshold(forFAPerHour: target).logit)
    }

    /// The streams as `Calibration` takes them: each hop's logit, or its score.
    private func calibration(logits: Bool) -> Calibration {
        let streams = negatives.map { stream in
            Calibration.Stream(hops: stream.hops, logits: logits ? stream.scores.map(FalseAcceptRates.logit) : stream.scores)
        }
        return Calibration(streams: streams, hours: hours, refractory: refractory)
    }

    /// ln(s / (1 − s)), with s kept inside (0, 1) as a Float score can be.
    static func logit(_ score: Float) -> Float {
        let s = Double(min(max(score, .leastNonzeroMagnitude), Float(1).nextDown))
        return Float(log(s) - log1p(-s))
    }
}
