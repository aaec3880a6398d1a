/// Negative recordings streamed together: the head inputs at every hop.
struct NegativeRecording: Sendable {
    let paths: [String]
    /// Every hop of the stream; `entry.samples` is its length.
    let entry: FeatureCache.Entry
    /// The screen's inputs at the same hops, when training fits a screen.
    var screenEntry: FeatureCache.Entry? = nil
    let cached: Bool
    /// Which stream of recordings this is: a noisy copy of a stream has its index (and so
    /// its fold: no head scores audio it was fitted on under other noise).
    let stream: Int
    /// A noisy copy of stream `stream` (`TrainingOptions.noisyCopies`).
    var isCopy = false

    /// The recording as the screen reads it.
    var screened: NegativeRecording {
        NegativeRecording(paths: paths, entry: screenEntry!, cached: cached, stream: stream, isCopy: isCopy)
    }
}

/// One augmented scene of a clip, as the training set takes it.
struct LabelledScene: Sendable {
    let entry: FeatureCache.Entry
    /// The screen's inputs at the same hops, when training fits a screen.
    var screenEntry: FeatureCache.Entry? = nil
    /// Index of the clip it was made from.
    let clip: Int
    /// A fair test of detection: no noise, or noise at 10 dB SNR or more.
    let isFair: Bool

    /// The scene as the screen reads it.
    var screened: LabelledScene { LabelledScene(entry: screenEntry!, clip: clip, isFair: isFair) }
}

/// All training rows, grouped for cross-validation: negative audio in chunks (whole streams
/// of recordings when there are at least as many as folds, else equal time segments of each),
/// and every augmented scene of each clip. Streams (with their noisy copies) and clips are
/// each dealt to a fold.
/// Rows are indices into `features` and `labels`; hops are stream samples.
struct TrainingSet {
    /// Negative audio scored as one stream when its fold is held out.
    struct Chunk {
        let rows: Range<Int>
        let fold: Int
        /// The hop of each row, in time order.
        let hops: [Int]
        /// Length of the audio, in samples.
        let samples: Int
    }

    /// An augmented scene of a clip, held out with its clip's fold.
    struct Scene {
        let rows: Range<Int>
        let fold: Int
        /// Index of the clip it was made from.
        let clip: Int
        /// Whether it is a fair test of detection (`LabelledScene.isFair`).
        let isFair: Bool
        /// The hop of each row, in time order (only labelled hops are kept, so there are gaps).
        let hops: [Int]
    }

    let features: Matrix
    let labels: [Float]
    /// In time order within each recording.
    let chunks: [Chunk]
    let scenes: [Scene]
    let folds: Int
    /// Samples between consecutive hops of one stream (`Windowing.hop`).
    let hop: Int

    init(negatives: [NegativeRecording], scenes: [LabelledScene], clips: Int, folds: Int, hop: Int, generator: inout SplitMix64) {
        var parts: [(entry: FeatureCache.Entry, fold: Int)] = []
        let streams = Array(Set(negatives.map(\.stream))).sorted()
        let whole = streams.count >= folds
        let streamFold = streams.shuffled(using: &generator).enumerated()
            .reduce(into: [Int: Int]()) { $0[$1.element] = $1.offset % folds }
        for recording in negatives {
            if whole {
                parts.append((recording.entry, streamFold[recording.stream]!))
                continue
            }
            for part in 0..<folds {
                let (from, to) = (recording.entry.samples * part / folds, recording.entry.samples * (part + 1) / folds)
                parts.append((recording.entry.segment(after: from, through: to), part))
            }
        }
        let clipFold = Array(0..<clips).shuffled(using: &generator).enumerated()
            .reduce(into: [Int: Int]()) { $0[$1.element] = $1.offset % folds }
        let all = FeatureCache.Entry(concatenating: parts.map(\.entry) + scenes.map(\.entry))
        (features, labels, self.folds, self.hop) = (all.features, all.labels, folds, hop)
        var start = 0
        func rows(_ entry: FeatureCache.Entry) -> Range<Int> {
            defer { start += entry.features.rows }
            return start..<(start + entry.features.rows)
        }
        chunks = parts.map { Chunk(rows: rows($0.entry), fold: $0.fold, hops: $0.entry.hops, samples: $0.entry.samples) }
        self.scenes = scenes.map {
            Scene(rows: rows($0.entry), fold: clipFold[$0.clip]!, clip: $0.clip, isFair: $0.isFair, hops: $0.entry.hops)
        }
    }

    /// Rows of every chunk and scene outside `fold` (all rows for nil).
    func rows(excluding fold: Int?) -> [Int] {
        chunks.filter { $0.fold != fold }.flatMap { Array($0.rows) } + scenes.filter { $0.fold != fold }.flatMap { Array($0.rows) }
    }

    /// Seconds of negative audio in the chunks, noisy copies counted as heard: what
    /// calibration counts false accepts over, and what the model says it was calibrated on.
    var calibrationSeconds: Double { AudioFormat.seconds(samples: chunks.reduce(0) { $0 + $1.samples }) }

    /// The head's logits for the listed rows, computed in blocks (no copy of all rows).
    func logits(_ head: TriggerHead, rows: [Int]) -> [Float] {
        stride(from: 0, to: rows.count, by: 4_096).flatMap { start in
            head.logits(features.gather(Array(rows[start..<min(start + 4_096, rows.count)])))
        }
    }
}

extension FeatureCache.Entry {
    /// The rows whose hops end in (`from`, `to`], covering `to` − `from` samples.
    func segment(after from: Int, through to: Int) -> FeatureCache.Entry {
        let rows = hops.indices.filter { hops[$0] > from && hops[$0] <= to }
        return FeatureCache.Entry(
            hops: rows.map { hops[$0] }, labels: rows.map { labels[$0] }, features: features.gather(rows),
            samples: to - from)
    }

    /// Entries one after another (all must have the same width), covering all their samples.
    init(concatenating entries: [FeatureCache.Entry]) {
        let columns = entries.first?.features.columns ?? 0
        var values: [Float] = []
        values.reserveCapacity(entries.reduce(0) { $0 + $1.features.values.count })
        for entry in entries { values += entry.features.values }
        self.init(
            hops: entries.flatMap(\.hops), labels: entries.flatMap(\.labels),
            features: Matrix(rows: values.count / max(columns, 1), columns: columns, values: values),
            samples: entries.reduce(0) { $0 + $1.samples })
    }
}
