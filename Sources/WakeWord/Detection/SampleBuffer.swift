/// The recent samples of a stream, for cutting encoder windows: `samples[i]` is stream
/// sample `start + i` (sample 0 is the first one pushed). One offset, `start`, and
/// `trim(before:)` to drop what no future window reads.
struct SampleBuffer: Sendable {
    /// Stream sample of the first sample held.
    private(set) var start = 0
    private var samples: [Float] = []

    /// Samples pushed so far: one past the last stream sample held.
    var end: Int { start + samples.count }

    mutating func append(_ more: [Float]) {
        samples.append(contentsOf: more)
    }

    /// Drops the samples before stream sample `sample` (nothing if they are gone already).
    mutating func trim(before sample: Int) {
        guard sample > start else { return }
        samples.removeFirst(min(sample - start, samples.count))
        start = sample
    }

    /// Stream samples [`from`, `from` + `count`), zero before the stream's start (a window
    /// reaching before sample 0 is zero-padded in front).
    func window(from: Int, count: Int) -> [Float] {
        precondition(from >= start || start == 0, "samples before \(start) were trimmed")
        precondition(from + count <= end, "samples up to \(from + count) are not pushed yet")
        var window = [Float](repeating: 0, count: count)
        for i in max(0, start - from)..<count { window[i] = samples[from + i - start] }
        return window
    }
}
