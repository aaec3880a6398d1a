/// Streaming wake-word detection for any number of models. Feed 16 kHz mono samples in
/// chunks of any size; each call returns the detections completed so far. Models whose
/// windowing differs at most in its pool lengths share one front end and one encoder pass (up
/// to the deepest tap layer among them), so N wake words cost little more than one. When every
/// model of a group has a `Screen`, the group is a cascade: each pass runs the encoder through
/// the screens' block, and the rest only where a screen opens the pass. A model with a screen
/// scores only the passes its own screen opens, as alone and as training calibrated it: its
/// scores and detections do not depend on which other models run beside it, but for
/// rounding: the deepest block a stream runs computes only the positions passes keep, so a
/// model reading a block that another model's deeper one follows gets the whole block's
/// values there, equal to about 1e-6; a screen logit or a score within that of its threshold
/// can decide the other way. Memory is constant in the input length.
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

    /// A model reading a stream: its index in `models` (`HopScore.model`), what it reads (and
    /// what its screen reads), its decision score over its last hops
    /// (`WakeWordModel.smoothing`), and the gate that turns those scores into events.
    private struct Reader: Sendable {
        let model: Int
        let tap: FeatureStream.Tap
        let screenTap: FeatureStream.Tap?
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
                    model: i, tap: FeatureStream.Tap(models[i]),
                    screenTap: models[i].screen.map { FeatureStream.Tap(pools: models[i].windowing.pools, layer: $0.layer) },
                    smoother: ScoreSmoother(count: models[i].smoothing),
                    gate: EventGate(
                        threshold: thresholds?[i] ?? models[i].threshold,
                        refractory: AudioFormat.samples(seconds: refractory ?? models[i].refractory)))
            }
            // A cascade when every model has a screen: the blocks through the deepest screen always run.
            let screens = indices.compactMap { models[$0].screen?.layer }
            let cascade = screens.count == indices.count && screens.max()! < indices.map { models[$0].layer }.min()!
            let stream = FeatureStream(
                encoder: encoder, windowing: models[indices[0]].windowing,
                taps: Set(readers.map(\.tap) + readers.compactMap(\.screenTap)), logMel: logMel,
                screenLayer: cascade ? screens.max()! : nil)
            return StreamGroup(stream: stream, readers: readers)
        }
    }

    /// The encoder passes the cascades ran so far (groups without screens left out: they run
    /// every block on every pass), and how many of them ran the blocks after the screens'.
    public var passCount: FeatureStream.PassCount {
        groups.filter { $0.stream.screenLayer != nil }.reduce(FeatureStream.PassCount()) { $0 + $1.stream.passCount }
    }

    /// Whether some group is a cascade (every model in it has a screen).
    public var isCascade: Bool { groups.contains { $0.stream.screenLayer != nil } }

    /// The threshold each model fires at, in model order.
    public var thresholds: [Float] {
        groups.flatMap(\.readers).sorted { $0.model < $1.model }.map(\.gate.threshold)
    }

    /// Consumes `samples`; returns detections in time order. `scores` sees every hop's
    /// decision score (smoothed as the model says), the one compared with the threshold.
    public mutating func process(_ samples: [Float], scores: ((HopScore) -> Void)? = nil) -> [Detection] {
        var detections: [Detection] = []
        for g in groups.indices {
            let open = opener(group: g)
            for pass in groups[g].stream.push(samples, open: open) { detections += score(pass, group: g, scores: scores) }
        }
        return detections.sorted { $0.time < $1.time }
    }

    /// Ends the input: scores the hops after the last full window.
    public mutating func finish(scores: ((HopScore) -> Void)? = nil) -> [Detection] {
        var detections: [Detection] = []
        for g in groups.indices {
            for pass in groups[g].stream.finish(open: opener(group: g)) { detections += score(pass, group: g, scores: scores) }
        }
        return detections.sorted { $0.time < $1.time }
    }

    /// Whether a pass of group `g`'s cascade runs its deep blocks: when any model's screen opens it.
    private func opener(group g: Int) -> (FeatureStream.Pass) -> Bool {
        let screens = groups[g].readers.compactMap { reader in
            models[reader.model].screen.flatMap { screen in reader.screenTap.map { (screen, $0) } }
        }
        return { pass in screens.contains { screen, tap in pass.computed(tap).map { screen.opens($0.features) } ?? false } }
    }

    private mutating func score(_ pass: FeatureStream.Pass, group g: Int, scores report: ((HopScore) -> Void)?) -> [Detection] {
        var detections: [Detection] = []
        for r in groups[g].readers.indices {
            let reader = groups[g].readers[r]
            let model = models[reader.model]
            // Hops of a pass the model's own screen did not open get `Screen.closedLogit`: the
            // head never ran there, or (opened by another model's screen) not for this model.
            let hops = pass.hops(reader.tap)
            var opened = true
            if let screen = model.screen, let tap = reader.screenTap {
                opened = pass.computed(tap).map { screen.opens($0.features) } ?? false
            }
            let inputs = opened ? pass.computed(reader.tap) : nil
            let logits = inputs.map { model.head.logits($0.features) } ?? hops.map { _ in Screen.closedLogit }
            for (hop, logit) in zip(hops, logits) {
                let value = TriggerHead.sigmoid(groups[g].readers[r].smoother.push(logit))
                report?(HopScore(sample: hop, model: reader.model, score: value))
                if groups[g].readers[r].gate.step(hop: hop, score: value) {
                    detections.append(Detection(time: AudioFormat.seconds(samples: hop), model: model.name, score: value))
                }
            }
        }
        return detections
    }
}
