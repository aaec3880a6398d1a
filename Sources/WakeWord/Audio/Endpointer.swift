import Foundation

/// Where the word starts and ends in a clip of one utterance, from the level of 10 ms frames
/// (10·log10 of the mean square):
/// 1. the noise floor is the 10th percentile of the levels of frames that are not digital
///    silence (below −90 dB, e.g. zero padding);
/// 2. the core is the run of frames louder than max(peak − d, floor + 12 dB), bridging gaps
///    of up to 0.3 s, that holds the most energy (so a click well before the word is not
///    taken for it); d is 20 dB, tightened to 15, 10 and 6 dB while the core is longer than
///    1.2 s (a background loud enough to pass for speech);
///    (floor-relative thresholds stay at least 6 dB below the peak, for clips whose only
///    audible frames are speech);
/// 3. each edge is extended over consecutive frames louder than max(peak − 30, floor + 6 dB),
///    by at most 0.15 s (soft onsets and decaying vowels).
/// scripts/make_audio_samples.py labels audio-samples/stream with the same rule.
public enum Endpointer {
    public static let frame = 160
    static let maximumGap = 30, maximumCore = 120, maximumExtension = 15

    /// (start, end) of the word in samples, or nil if the clip has no whole frame or is
    /// digital silence throughout.
    public static func bounds(_ samples: [Float]) -> (start: Int, end: Int)? {
        let levels = levels(samples)
        guard let peak = levels.max(), peak > -90 else { return nil }
        let audible = levels.filter { $0 > -90 }.sorted()
        let floor = audible.isEmpty ? -100 : audible[Int(0.1 * Double(audible.count - 1))]
        var (start, end) = (0, 0)
        for drop in [20.0, 15, 10, 6] {
            (start, end) = core(levels, above: max(peak - drop, min(floor + 12, peak - 6)))
            if end + 1 - start <= maximumCore { break }
        }
        let low = max(peak - 30, min(floor + 6, peak - 10))
        for _ in 0..<maximumExtension where end + 1 < levels.count && levels[end + 1] > low { end += 1 }
        for _ in 0..<maximumExtension where start > 0 && levels[start - 1] > low { start -= 1 }
        return (start * frame, (end + 1) * frame)
    }

    /// First and last frame of the most energetic run above `threshold`, bridging gaps.
    private static func core(_ levels: [Double], above threshold: Double) -> (Int, Int) {
        var best = (start: 0, end: 0, energy: -1.0)
        var run: (start: Int, end: Int, energy: Double)?
        for (i, level) in levels.enumerated() where level > threshold {
            if let current = run, i - current.end <= maximumGap {
                run = (current.start, i, current.energy + pow(10, level / 10))
            } else {
                run = (i, i, pow(10, level / 10))
            }
            if run!.energy > best.energy { best = run! }
        }
        return (best.start, best.end)
    }

    /// 10·log10(mean square + 1e-10) of each whole 10 ms frame.
    public static func levels(_ samples: [Float]) -> [Double] {
        (0..<(samples.count / frame)).map { f in
            var energy = 0.0
            for i in (f * frame)..<((f + 1) * frame) { energy += Double(samples[i]) * Double(samples[i]) }
            return 10 * log10(energy / Double(frame) + 1e-10)
        }
    }

    /// Mean square of `samples[range]` (the speech power used for SNR).
    public static func power(_ samples: [Float], _ range: Range<Int>) -> Double {
        guard !range.isEmpty else { return 0 }
        return range.reduce(0.0) { $0 + Double(samples[$1]) * Double(samples[$1]) } / Double(range.count)
    }
}
