/// Streaming wake-word detection for any number of models. Feed 16 kHz mono samples in
/// chunks of any size; each call returns the detections completed so far. Models whose
/// windowing differs at most in its pool lengths share one front end and one encoder pass (up
/// to the deepest tap layer among them), so N wake words cost little more than one. Memory is
/// constant in the input length.
///
///     var detector = try Detector(models: [model], encoder: encoder)
///     for chunk in chunks { for d in detector.process(chunk) { print(d.time, d.model) } }
///     for d in detector.finish() { ... }
public struct Detector: Sendable {
    public let models: [WakeWordModel]
    /// One stream per encoder geometry; each member model reads one of its poolings.
    private var streams: [(stream: FeatureStream, members: [(model: Int, pooling: Int)])]
    private var gates: [EventGate]
    /// Each model's decision score over its last hops (`WakeWordModel.smoothing`).
    private var smoothers: [ScoreSmoother]

    /// `thresholds[i]` (when given) overrides model i's own threshold; `refractory` (seconds)
    /// overrides every model's. Fails if a model was trained on a different encoder.
    public init(models: [WakeWordModel], encoder: WhisperEncoder, thresholds: [Float?]? = nil, refractory: Double? = nil,
                modelPaths: [String]? = nil) throws {
        precondition(!models.isEmpty, "a detector needs at least one model")
        for (i, model) in models.enumerated() { try model.check(against: encoder, path: modelPaths?[i] ?? model.name) }
        self.models = models
        let logMel = LogMel()
        // Passes depend on window, stride, hop and memory; pools only shape what is scored.
        func sameGeometry(_ a: Windowing, _ b: Windowing) -> Bool {
            (a.window, a.stride, a.hop, a.memory) == (b.window, b.stride, b.hop, b.memory)
        }
        var groups: [[Int]] = []
        for (i, model) in models.enumerated() {
            if let g = groups.firstIndex(where: { sameGeometry(models[$0[0]].windowing, model.windowing) }) { groups[g].append(i) } else { groups.append([i]) }
        }
        streams = groups.map { members in
            // The shortest longest pool scores first, so it leads; the other poolings follow.
            var poolings: [[Int]] = []
            for m in members.sorted(by: { models[$0].windowing.pools.max()! < models[$1].windowing.pools.max()! })
            where !poolings.contains(models[m].windowing.pools) { poolings.append(models[m].windowing.pools) }
            let lead = models[members.first { models[$0].windowing.pools == poolings[0] }!].windowing
            let stream = FeatureStream(encoder: encoder, windowing: lead, layers: Set(members.map { models[$0].layer }), logMel: logMel,
                                       otherPoolings: Array(poolings.dropFirst()))
            return (stream, members.map { ($0, poolings.firstIndex(of: models[$0].windowing.pools)!) })
        }
        smoothers = models.map { ScoreSmoother(count: $0.smoothing) }
        gates = models.enumerated().map { i, model in
            EventGate(threshold: thresholds?[i] ?? model.threshold,
                      refractory: Int(((refractory ?? model.refractory) * Double(AudioFormat.sampleRate)).rounded()))
        }
    }

    /// The threshold each model fires at.
    public var thresholds: [Float] { gates.map(\.threshold) }

    /// Consumes `samples`; returns detections in time order. `scores` sees every hop's
    /// decision score (smoothed as the model says), the one compared with the threshold.
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
        for (m, pooling) in streams[group].members {
            let model = models[m]
            let (hops, features) = pass.pooled[pooling]
            for (hop, logit) in zip(hops, model.head.logits(features[model.layer]!)) {
                let value = TriggerHead.sigmoid(smoothers[m].push(logit))
                report?(HopScore(sample: hop, model: m, score: value))
                if gates[m].step(hop: hop, score: value) {
                    detections.append(Detection(time: Double(hop) / Double(AudioFormat.sampleRate), model: model.name, score: value))
                }
            }
        }
        return detections
    }
}
