import Foundation

/// One positive clip as the detector saw it: its word's place and every hop's score.
public struct PositiveRecord: Codable, Sendable {
    public let file: String
    /// Name of the mixed audio under the saved-audio folder, if saved.
    public let savedAs: String?
    /// Seconds from the start of the padded clip.
    public let wordStart: Double
    public let wordEnd: Double
    public let hops: [Int]
    public let scores: [Float]
    /// What the detector reported at the model's threshold.
    public let detections: [Detection]
    /// The noise mixed in, if any: enough to rebuild the exact audio.
    public let noise: NoiseMix?

    public struct NoiseMix: Codable, Sendable {
        public let file: String
        public let offset: Int
        public let snrDB: Double
    }

    /// Whether a detection at `time` (seconds from the start of the padded clip) hits this
    /// word: from the word's start to `Metrics.hitAfterEnd` seconds after its end. The one
    /// statement of the hit rule.
    public func isHit(at time: Double) -> Bool {
        time >= wordStart && time <= wordEnd + Metrics.hitAfterEnd
    }

    /// Indices of the hops (into `hops` and `scores`) that end inside the hit window.
    public var hitWindowHops: [Int] {
        hops.indices.filter { isHit(at: AudioFormat.seconds(samples: hops[$0])) }
    }
}

/// One long negative stream: recordings one after another.
public struct NegativeRecord: Codable, Sendable {
    public struct Segment: Codable, Sendable {
        public let file: String
        /// First sample of the recording in the stream, and its length.
        public let start: Int
        public let samples: Int
    }

    public let segments: [Segment]
    public let hops: [Int]
    public let scores: [Float]
    public let detections: [Detection]

    public var samples: Int { segments.reduce(0) { $0 + $1.samples } }

    /// The recording holding stream sample `sample`, and the seconds into it.
    public func locate(_ sample: Int) -> (file: String, seconds: Double) {
        let segment = segments.last { $0.start <= sample } ?? segments[0]
        return (segment.file, AudioFormat.seconds(samples: sample - segment.start))
    }
}

/// Everything an evaluation recorded, from which every metric is computed.
public struct EvaluationRecord: Sendable {
    public let model: WakeWordModel
    public let positives: [PositiveRecord]
    public let skipped: [SkippedFile]
    public let negatives: [NegativeRecord]
    /// Samples after an event during which none fires.
    public let refractory: Int

    public var negativeHours: Double {
        AudioFormat.seconds(samples: negatives.reduce(0) { $0 + $1.samples }) / 3600
    }

    /// manifest.json for other detectors run on the same audio (Benchmarks/peers.py).
    func writeManifest(to directory: String) throws {
        let manifest: [String: Any] = [
            "sample_rate": AudioFormat.sampleRate,
            "refractory_seconds": AudioFormat.seconds(samples: refractory),
            "hit_after_end_seconds": Metrics.hitAfterEnd,
            "positives": positives.map {
                ["file": $0.savedAs ?? $0.file, "source": $0.file, "word_start": $0.wordStart, "word_end": $0.wordEnd]
            },
            "negatives": negatives.flatMap(\.segments).map { ["file": URL(fileURLWithPath: $0.file).standardizedFileURL.path] },
        ]
        let data = try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(data, to: "\(directory)/manifest.json")
    }
}
