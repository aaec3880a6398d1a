import Foundation

/// What `wakeword eval` writes as report.json, and what the Markdown and HTML reports show.
public struct EvaluationReport: Codable, Sendable {
    public struct Latency: Codable, Sendable {
        public let median: Double
        public let p95: Double
    }

    public struct Target: Codable, Sendable {
        /// False accepts per hour asked for.
        public let faPerHour: Double
        /// The lowest threshold meeting it, or nil if none does.
        public let point: Metrics.OperatingPoint?
    }

    public struct Histogram: Codable, Sendable {
        /// Bin edges in logit units (scores are σ of them).
        public let logitEdges: [Double]
        /// Per positive clip: its best score in the hit window.
        public let positives: [Int]
        /// Every hop of the negative streams.
        public let negatives: [Int]
    }

    public struct Settings: Codable, Sendable {
        public let snrDB: Double?
        public let seed: UInt64
        public let paddingSeconds: Double
        public let refractorySeconds: Double
        public let layer: Int
        public let windowing: String
        public let head: String
    }

    public let model: String
    public let modelFile: String
    /// The threshold evaluated: the model's own, or one given instead.
    public let threshold: Float
    /// The model file's own threshold.
    public let modelThreshold: Float
    public let positives: Int
    public let skipped: [SkippedFile]
    public let negativeHours: Double
    public let frr: Double
    public let faPerHour: Double
    public let misses: [Metrics.Miss]
    public let falseAccepts: [Metrics.FalseAccept]
    public let latencyMs: Latency?
    public let sweep: [Metrics.OperatingPoint]
    public let targets: [Target]
    public let histogram: Histogram
    public let settings: Settings
    public let toolVersion: String

    /// `modelThreshold` is the model file's own threshold when the record's model was run at
    /// another (nil: the record's model's threshold is its own).
    public init(_ record: EvaluationRecord, modelFile: String, snr: Double?, seed: UInt64, padding: Double, modelThreshold: Float? = nil) {
        let metrics = Metrics(record)
        let threshold = record.model.threshold
        let point = metrics.point(at: threshold)
        let sweep = metrics.sweep()
        model = record.model.name
        self.modelFile = modelFile
        self.threshold = threshold
        self.modelThreshold = modelThreshold ?? threshold
        positives = record.positives.count
        skipped = record.skipped
        negativeHours = record.negativeHours
        frr = point.frr
        faPerHour = point.faPerHour
        misses = metrics.misses(at: threshold)
        falseAccepts = metrics.falseAccepts(at: threshold)
        latencyMs = metrics.latency(at: threshold).map { Latency(median: $0.median, p95: $0.p95) }
        self.sweep = sweep
        targets = [0.5, 1].map { Target(faPerHour: $0, point: metrics.point(forFAPerHour: $0, in: sweep)) }
        histogram = EvaluationReport.histogram(record)
        settings = Settings(
            snrDB: snr, seed: seed, paddingSeconds: padding,
            refractorySeconds: AudioFormat.seconds(samples: record.refractory), layer: record.model.layer,
            windowing: record.model.windowing.description, head: record.model.head.kind.rawValue)
        toolVersion = WakeWordVersion.current
    }

    /// Best positive scores and all negative scores, binned by logit from −12 to 16 in steps of 1.
    private static func histogram(_ record: EvaluationRecord) -> Histogram {
        let edges = (0...28).map { Double($0) - 12 }
        func bin(_ score: Float) -> Int {
            let s = Double(min(max(score, 1e-7), 1 - 1e-7))
            return min(edges.count - 2, max(0, Int(floor(log(s / (1 - s)))) + 12))
        }
        var positives = [Int](repeating: 0, count: edges.count - 1)
        var negatives = positives
        for positive in record.positives {
            let best = positive.hitWindowHops.map { positive.scores[$0] }.max() ?? 0
            positives[bin(best)] += 1
        }
        for stream in record.negatives { for score in stream.scores { negatives[bin(score)] += 1 } }
        return Histogram(logitEdges: edges, positives: positives, negatives: negatives)
    }

    /// report.json: snake_case keys, sorted, indented.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
