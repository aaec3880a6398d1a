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
    /// One per distinct set of encoder passes among the models (`Windowing.sharesPasses`).
    private var groups: [StreamGroup]

    /// Models that share their encoder passes: one stream, read by each of them.
    private struct StreamGroup: Sendable {
        var stream: FeatureStream
        var readers: [Reader]
    }

    /// A model reading a stream: its index in `models` (`HopScore.model`), what it reads,
    /// its decision score over its last hops (`WakeWordModel.smoothing`), and the gate that
    /// turns those scores into events.
    private struct Reader: Sendable {
        let model: Int
        let tap: FeatureStream.Tap
        var smoother: ScoreSmoother
        var gate: EventGate
    }

    /// `thresholds[i]` (when given) overrides model i's own threshold; `refractory` (seconds)
    /// overrides every model's. Fails if a model was trained on a different encoder.
    public init(
        models: [WakeWordModel], encoder: WhisperEncoder, thresholds: [Float?]? = nil, refractory: Double? = nil,
        modelPaths: [String]? = nil
    ) throws {
        precondition(!models.isEmpty, "a detector needs at least one model")
        for (i, model) in models.enumerated() { try model.check(against: encoder, path: modelPaths?[i] ?? model.name) }
        self.models = models
        var members: [[Int]] = []
        for (i, model) in models.enumerated() {
            if let g = members.firstIndex(where: { models[$0[0]].windowing.sharesPasses(with: model.windowing) }) {
                members[g].append(i)
            } else {
                members.append([i])
            }
        }
        let logMel = LogMel()
        groups = members.map { indices in
            let readers = indices.map { i in
                Reader(
                    model: i, tap: FeatureStream.Tap(models[i]), smoother: ScoreSmoother(count: models[i].smoothing),
                    gate: EventGate(
                        threshold: thresholds?[i] ?? models[i].threshold,
                        refractory: Int(((refractory ?? models[i].refractory) * Double(AudioFormat.sampleRate)).rounded())))
            }
            let stream = FeatureStream(
                encoder: encoder, windowing: models[indices[0]].windowing, taps: Set(readers.map(\.tap)), logMel: logMel)
            return StreamGroup(stream: stream, readers: readers)
        }
    }

    /// The threshold each model fires at, in model order.
    public var thresholds: [Float] {
        groups.flatMap(\.readers).sorted { $0.model < $1.model }.map(\.gate.threshold)
    }

    /// Consumes `samples`; returns detections in time order. `scores` sees every hop's
    /// decision score (smoothed as the model says), the one compared with the threshold.
    public mutating func process(_ samples: [Float], scores: ((HopScore) -> Void)? = nil) -> [Detection] {
        var detections: [Detection] = []
        for g in groups.indices {
            for pass in groups[g].stream.push(samples) { detections += score(pass, group: g, scores: scores) }
        }
        return detections.sorted { $0.time < $1.time }
    }

    /// Ends the input: scores the hops after the last full window.
    public mutating func finish(scores: ((HopScore) -> Void)? = nil) -> [Detection] {
        var detections: [Detection] = []
        for g in groups.indices {
            for pass in groups[g].stream.finish() { detections += score(pass, group: g, scores: scores) }
        }
        return detections.sorted { $0.time < $1.time }
    }

    private mutating func score(_ pass: FeatureStream.Pass, group g: Int, scores report: ((HopScore) -> Void)?) -> [Detection] {
        var detections: [Detection] = []
        for r in groups[g].readers.indices {
            let reader = groups[g].readers[r]
            let model = models[reader.model]
            let inputs = pass.inputs(reader.tap)
            for (hop, logit) in zip(inputs.hops, model.head.logits(inputs.features)) {
                let value = TriggerHead.sigmoid(groups[g].readers[r].smoother.push(logit))
                report?(HopScore(sample: hop, model: reader.model, score: value))
                if groups[g].readers[r].gate.step(hop: hop, score: value) {
                    detections.append(Detection(time: Double(hop) / Double(AudioFormat.sampleRate), model: model.name, score: value))
                }
            }
        }
        return detections
    }
}
