/// A model's decision score: the mean of its head's logits over the last `count` hops of one
/// stream, so that one loud hop does not fire where the word would hold the score up over
/// several (microWakeWord averages its last probabilities the same way). The threshold
/// compares against σ of this mean; with `count` 1 it is the hop's own score.
///
/// All positions are hop indices of one stream, oldest first; hops are `Windowing.hop` apart.
public struct ScoreSmoother: Sendable {
    /// Hops averaged, at least 1.
    public let count: Int
    /// The last `count` logits, oldest first (fewer at the start of the stream).
    private var recent: [Float] = []

    public init(count: Int) {
        precondition(count >= 1, "a smoother averages at least one hop")
        self.count = count
        recent.reserveCapacity(count)
    }

    /// Feeds the next hop's logit; returns the mean logit of the last `count` hops (of all
    /// hops so far, at the start of the stream).
    public mutating func push(_ logit: Float) -> Float {
        if recent.count == count { recent.removeFirst() }
        recent.append(logit)
        return ScoreSmoother.mean(recent[...])
    }

    /// One hop's smoothed logit in a trace, and whether `count` consecutive hops went into it.
    public struct Smoothed: Sendable, Equatable {
        public let logit: Float
        public let isComplete: Bool
    }

    /// The smoothed logit at every hop of a trace: `hops` are stream samples in increasing
    /// order; a step longer than `hopSize` starts the mean afresh, as a new stream would.
    public static func smooth(_ logits: [Float], hops: [Int], count: Int, hopSize: Int) -> [Smoothed] {
        precondition(logits.count == hops.count && count >= 1)
        var runStart = 0
        return logits.indices.map { i in
            if i > 0, hops[i] - hops[i - 1] != hopSize { runStart = i }
            let first = max(runStart, i - count + 1)
            return Smoothed(logit: mean(logits[first...i]), isComplete: i - first + 1 == count)
        }
    }

    /// Mean in order, oldest first, so a trace and a live stream round alike.
    static func mean(_ values: ArraySlice<Float>) -> Float {
        if values.count == 1 { return values.first! }
        var sum: Float = 0
        for v in values { sum += v }
        return sum / Float(values.count)
    }
}
