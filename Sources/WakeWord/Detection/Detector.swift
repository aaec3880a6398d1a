/// Streaming wake-word detection for any number of models. Feed 16 kHz mono samples in
/// chunks of any size; each call returns the detections completed so far. Models that share
/// windowing share one front end and one encoder pass (up to the deepest tap layer among
/// them), so N wake words cost little more than one. Memory is constant in the input length.
///
///     var detector = try Detector(models: [model], encoder: encoder)
///     for chunk in chunks { for d in detector.process(chunk) { print(d.time, d.model) } }
///     for d in detector.finish() { ... }
public struct Detector: Sendable {
    public let models: [WakeWordModel]
    private var streams: [(stream: FeatureStream, members: [Int])]
    private var gates: [EventGate]

    /// `thresholds[i]` (when given) overrides model i's own threshold; `refractory` (seconds)
    /// overrides every model's. Fails if a model was trained on a different encoder.
    public init(models: [WakeWordModel], encoder: WhisperEncoder, thresholds: [Float?]? = nil, refractory: Double? = nil,
                modelPaths: [String]? = nil) throws {
        precondition(!models.isEmpty, "a detector needs at least one model")
        for (i, model) in models.enumerated() { try model.check(against: encoder, path: modelPaths?[i] ?? model.name) }
        self.models = models
        let logMel = LogMel()
        var groups: [(Windowing, [Int])] = []
        for (i, model) in models.enumerated() {
            if let g = groups.firstIndex(where: { $0.0 == model.windowing }) { groups[g].1.append(i) } else { groups.append((model.windowing, [i])) }
        }
        streams = groups.map { windowing, members in
            (FeatureStream(encoder: encoder, windowing: windowing, layers: Set(members.map { models[$0].layer }), logMel: logMel), members)
        }
        gates = models.enumerated().map { i, model in
            EventGate(threshold: thresholds?[i] ?? model.threshold,
                      refractory: Int(((refractory ?? model.refractory) * Double(AudioFormat.sampleRate)).rounded()))
        }
    }

    /// The threshold each model fires at.
    public var thresholds: [Float] { gates.map(\.threshold) }

    /// Consumes `samples`; returns detections in time order. `scores` sees every hop score.
    public mutating func process(_ samples: [Float], scores: ((HopScore) -> Void)? = nil) -> [Detection] {
        var detections: [Detection] = []
        for s in streams.indices {
            for pass in streams[s].stream.push(samples) { detections += score(pass, group: s, scores: scores) }
        }
        return detections.sorted { $0.time < $1.time }
    }

    /// Ends the input: scores the hops after the last full window.
    public mutating func finish(scores: ((HopScore) -> Void)? = nil) -> [Detection] {
        var detections: [Detection] = []
        for s in streams.indices {
            for pass in streams[s].stream.finish() { detections += score(pass, group: s, scores: scores) }
        }
        return detections.sorted { $0.time < $1.time }
    }

    private mutating func score(_ pass: FeatureStream.Pass, group: Int, scores report: ((HopScore) -> Void)?) -> [Detection] {
        var detections: [Detection] = []
        for m in streams[group].members {
            let model = models[m]
            let values = model.head.scores(pass.features[model.layer]!)
            for (hop, value) in zip(pass.hops, values) {
                report?(HopScore(sample: hop, model: m, score: value))
                if gates[m].step(hop: hop, score: value) {
                    detections.append(Detection(time: Double(hop) / Double(AudioFormat.sampleRate), model: model.name, score: value))
                }
            }
        }
        return detections
    }
}
