/// Turns a model's scores into events: an event fires at the first hop whose score reaches
/// the threshold, provided the previous event is at least `refractory` samples earlier and
/// the score has fallen below the threshold since. One utterance gives one event; a long run
/// of high scores (noise) gives one, not many. The same rule serves the live detector and
/// the evaluation's threshold sweep, so both count events identically.
public struct EventGate: Sendable {
    public let threshold: Float
    /// Samples after an event during which no other fires.
    public let refractory: Int
    private var lastEvent: Int?
    private var armed = true

    public init(threshold: Float, refractory: Int) {
        self.threshold = threshold
        self.refractory = refractory
    }

    /// Feeds the score of the hop ending at stream sample `hop`; true if it is an event.
    public mutating func step(hop: Int, score: Float) -> Bool {
        guard score >= threshold else {
            armed = true
            return false
        }
        guard armed, lastEvent.map({ hop - $0 >= refractory }) ?? true else { return false }
        lastEvent = hop
        armed = false
        return true
    }

    /// The hops at which events fire over a whole score trace.
    public static func events(hops: [Int], scores: [Float], threshold: Float, refractory: Int) -> [Int] {
        var gate = EventGate(threshold: threshold, refractory: refractory)
        return zip(hops, scores).compactMap { gate.step(hop: $0, score: $1) ? $0 : nil }
    }
}
