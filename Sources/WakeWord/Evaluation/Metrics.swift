import Foundation

/// Wake-word metrics as the Picovoice wake-word benchmark defines them, computed from the
/// recorded scores with the detector's own event rule (`EventGate`), so any threshold can be
/// evaluated without running the audio again:
/// - an event in [word start, word end + 0.5 s] of a positive clip is a hit (one per clip);
///   false-reject rate = clips without a hit / clips;
/// - every event in the negative streams is a false accept (after the refractory merge);
///   false accepts per hour = false accepts / hours of negative audio.
public struct Metrics: Sendable {
    /// Seconds after a word's end in which a detection still hits it (`PositiveRecord.isHit`).
    public static let hitAfterEnd = 0.5

    public let record: EvaluationRecord

    public init(_ record: EvaluationRecord) {
        self.record = record
    }

    public struct OperatingPoint: Codable, Sendable, Equatable {
        public let threshold: Float
        public let frr: Double
        public let faPerHour: Double
        public let misses: Int
        public let falseAccepts: Int
    }

    public struct Miss: Codable, Sendable {
        public let file: String
        public let savedAs: String?
        public let wordStart: Double
        public let wordEnd: Double
        /// Highest score in the hit window, and when.
        public let bestScore: Float
        public let bestTime: Double
    }

    public struct FalseAccept: Codable, Sendable {
        public let file: String
        /// Seconds into that recording.
        public let time: Double
        public let score: Float
    }

    /// Whether each positive clip is hit at `threshold`, and the first hit's time.
    public func hits(at threshold: Float) -> [Double?] {
        record.positives.map { positive in
            EventGate.events(hops: positive.hops, scores: positive.scores, threshold: threshold, refractory: record.refractory)
                .map { AudioFormat.seconds(samples: $0) }
                .first(where: positive.isHit(at:))
        }
    }

    public func falseAccepts(at threshold: Float) -> [FalseAccept] {
        record.negatives.flatMap { stream in
            EventGate.events(hops: stream.hops, scores: stream.scores, threshold: threshold, refractory: record.refractory).map { hop in
                let (file, seconds) = stream.locate(hop)
                return FalseAccept(file: file, time: seconds, score: stream.scores[stream.hops.firstIndex(of: hop)!])
            }
        }
    }

    public func point(at threshold: Float) -> OperatingPoint {
        let misses = hits(at: threshold).filter { $0 == nil }.count
        let accepts = falseAccepts(at: threshold).count
        return OperatingPoint(
            threshold: threshold, frr: Double(misses) / Double(max(record.positives.count, 1)),
            faPerHour: Double(accepts) / max(record.negativeHours, 1e-12), misses: misses, falseAccepts: accepts)
    }

    /// Operating points over thresholds σ(l) for logits l from −8 to 16 in steps of 0.1,
    /// plus the model's own threshold, in increasing threshold order.
    public func sweep() -> [OperatingPoint] {
        let grid = (0...240).map { TriggerHead.sigmoid(-8 + Float($0) / 10) }
        return Set(grid + [record.model.threshold]).sorted().map(point(at:))
    }

    /// Among the swept thresholds whose false-accept rate is at most `rate` per hour, the one
    /// with the fewest false rejects (the lowest such threshold on ties). Not simply the lowest
    /// threshold: near 0 every stream is one long run above it, so one event and all misses.
    public func point(forFAPerHour rate: Double, in sweep: [OperatingPoint]) -> OperatingPoint? {
        sweep.filter { $0.faPerHour <= rate }.min { ($0.frr, $0.threshold) < ($1.frr, $1.threshold) }
    }

    /// Median and 95th percentile of (first hit − word end), in milliseconds, over hits
    /// (linear interpolation between ranks, as numpy's default).
    public func latency(at threshold: Float) -> (median: Double, p95: Double)? {
        let delays = zip(hits(at: threshold), record.positives).compactMap { hit, positive in hit.map { ($0 - positive.wordEnd) * 1000 } }
            .sorted()
        guard !delays.isEmpty else { return nil }
        func percentile(_ q: Double) -> Double {
            let rank = q * Double(delays.count - 1)
            let (low, high) = (Int(rank.rounded(.down)), Int(rank.rounded(.up)))
            return delays[low] + (rank - Double(low)) * (delays[high] - delays[low])
        }
        return (percentile(0.5), percentile(0.95))
    }

    /// Clips missed at `threshold`, lowest best score first.
    public func misses(at threshold: Float) -> [Miss] {
        zip(hits(at: threshold), record.positives).filter { $0.0 == nil }.map { _, positive in
            let best = positive.hitWindowHops.max { positive.scores[$0] < positive.scores[$1] }
            return Miss(
                file: positive.file, savedAs: positive.savedAs, wordStart: positive.wordStart, wordEnd: positive.wordEnd,
                bestScore: best.map { positive.scores[$0] } ?? 0,
                bestTime: best.map { AudioFormat.seconds(samples: positive.hops[$0]) } ?? positive.wordEnd)
        }.sorted { $0.bestScore < $1.bestScore }
    }
}
