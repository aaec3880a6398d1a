/// Negative recordings streamed together: the head inputs at every hop.
struct NegativeRecording: Sendable {
    let paths: [String]
    let entry: FeatureCache.Entry
    /// Length in samples.
    let samples: Int
    let cached: Bool
}

/// All training rows, grouped for cross-validation: negative audio in chunks (whole streams
/// of recordings when there are at least as many as folds, else equal time segments of each),
/// and every augmented window of each clip. Chunks and clips are each dealt to a fold.
struct TrainingSet {
    struct Group {
        let rows: Range<Int>
        let fold: Int
    }

    let features: Matrix
    let labels: [Float]
    /// Each row's hop: the stream sample at its end (in its negative stream or its scene).
    let hops: [Int]
    /// Samples between consecutive hops of one stream.
    let hop: Int
    /// Negative chunks in time order within each recording, with their length in samples.
    let chunks: [Group]
    let chunkSamples: [Int]
    let chunkHops: [[Int]]
    /// Augmented windows, each with the fold of its clip.
    let windows: [Group]
    /// Whether each window is a fair test of detection: no noise, or noise at 10 dB SNR or more.
    let windowIsFair: [Bool]
    let folds: Int

    init(negatives: [NegativeRecording], windows: [FeatureCache.Entry], clipOfWindow: [Int], windowIsFair: [Bool], clips: Int, folds: Int,
         hop: Int, generator: inout SplitMix64) {
        self.windowIsFair = windowIsFair
        var entries: [FeatureCache.Entry] = [], samples: [Int] = [], chunkFold: [Int] = []
        let whole = negatives.count >= folds
        let fileFold = Array(negatives.indices).shuffled(using: &generator).enumerated()
            .reduce(into: [Int: Int]()) { $0[$1.element] = $1.offset % folds }
        for (i, recording) in negatives.enumerated() {
            if whole {
                entries.append(recording.entry); samples.append(recording.samples); chunkFold.append(fileFold[i]!)
                continue
            }
            for part in 0..<folds {
                let (from, to) = (recording.samples * part / folds, recording.samples * (part + 1) / folds)
                entries.append(recording.entry.select(recording.entry.hops.indices.filter { recording.entry.hops[$0] > from && recording.entry.hops[$0] <= to }))
                samples.append(to - from)
                chunkFold.append(part)
            }
        }
        let clipFold = Array(0..<clips).shuffled(using: &generator).enumerated()
            .reduce(into: [Int: Int]()) { $0[$1.element] = $1.offset % folds }
        let all = FeatureCache.Entry(concatenating: entries + windows)
        (features, labels, hops, self.folds, self.hop) = (all.features, all.labels, all.hops, folds, hop)
        var start = 0
        func group(_ entry: FeatureCache.Entry, _ fold: Int) -> Group {
            defer { start += entry.features.rows }
            return Group(rows: start..<(start + entry.features.rows), fold: fold)
        }
        chunks = zip(entries, chunkFold).map { group($0, $1) }
        self.windows = zip(windows, clipOfWindow).map { group($0, clipFold[$1]!) }
        chunkSamples = samples
        chunkHops = entries.map(\.hops)
    }

    /// Rows of every chunk and window outside `fold` (all rows for nil).
    func rows(excluding fold: Int?) -> [Int] {
        (chunks + windows).filter { $0.fold != fold }.flatMap { Array($0.rows) }
    }

    var negativeSamples: Int { chunkSamples.reduce(0, +) }

    /// The head's logits for the listed rows, computed in blocks (no copy of all rows).
    func logits(_ head: TriggerHead, rows: [Int]) -> [Float] {
        stride(from: 0, to: rows.count, by: 4_096).flatMap { start in
            head.logits(features.gather(Array(rows[start..<min(start + 4_096, rows.count)])))
        }
    }
}

extension FeatureCache.Entry {
    /// The listed rows.
    func select(_ rows: [Int]) -> FeatureCache.Entry {
        FeatureCache.Entry(hops: rows.map { hops[$0] }, labels: rows.map { labels[$0] }, features: features.gather(rows))
    }

    /// Entries one after another (all must have the same width).
    init(concatenating entries: [FeatureCache.Entry]) {
        let columns = entries.first?.features.columns ?? 0
        var values: [Float] = []
        values.reserveCapacity(entries.reduce(0) { $0 + $1.features.values.count })
        for entry in entries { values += entry.features.values }
        self.init(hops: entries.flatMap(\.hops), labels: entries.flatMap(\.labels),
                  features: Matrix(rows: values.count / max(columns, 1), columns: columns, values: values))
    }
}
