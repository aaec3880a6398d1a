import Foundation

/// Transfer learning from a few clips (Yosinski et al. 2014): the pretrained Whisper encoder
/// stays frozen; a small head on one of its layers is the only part trained.
///
/// 1. Clips: decoded, their speech found (Endpointer); unusable ones skipped with a reason.
/// 2. Scenes: each clip is augmented into `copiesPerClip` scenes (speed, gain, reverb,
///    surrounding speech, noise at 0 to 20 dB SNR) with the word ending at every phase of the
///    window grid; truncated copies ("alex") and copies with other speech in the word's place
///    are negatives. Negative recordings are streamed through the detector's own windows
///    (short ones heard again under noise: `TrainingOptions.noisyCopies`).
///    All go through the encoder once (feature cache).
/// 3. Head: fitted with balanced class weights, then refitted with the highest-scoring
///    negatives weighted up (hard-negative mining); with `options.ensemble` > 1, that many
///    heads from different seeds, averaged into one (`TriggerHead.averaging`).
/// 4. Threshold: K-fold cross-validation over clips and negative audio together gives every
///    negative hop and every scene an out-of-fold score (for the folds' average with short
///    negatives and 3 folds or more, the mean of the heads fitted without its fold and one
///    other: `TrainingOptions.calibrationHeads`); the threshold is calibrated on the
///    negative ones for `targetFAPerHour`, and the false-reject rate there is estimated on
///    the scenes. The model's head is the folds' heads averaged, or one fitted again on
///    everything (`TrainingOptions.finalHead`).
///
/// Stages 2 and 3 are in Trainer+TrainingSet.swift and Trainer+CrossValidation.swift.
///
/// The command line calls `BLAS.setThreads(1)` first (the workers share out the audio); do
/// the same to get its model bit for bit, as OpenBLAS rounds differently with more threads.
public struct Trainer: Sendable {
    public let encoder: WhisperEncoder
    public var options: TrainingOptions
    public var cache: FeatureCache?

    public init(encoder: WhisperEncoder, options: TrainingOptions = TrainingOptions(), cache: FeatureCache? = nil) {
        (self.encoder, self.options, self.cache) = (encoder, options, cache)
    }

    public func train(
        _ input: TrainingInput,
        progress: @escaping @Sendable (TrainingProgress) -> Void = { _ in },
        warn: @escaping @Sendable (String) -> Void = { _ in },
        isCancelled: @escaping @Sendable () -> Bool = { false }
    ) throws -> TrainingOutcome {
        let layer = options.layer ?? TrainingOptions.defaultLayer
        guard (1...encoder.dimensions.layers).contains(layer) else {
            throw WakeWordError.invalidInput("layer \(layer) is outside 1...\(encoder.dimensions.layers) for this encoder")
        }
        // The hop is the windowing's own (deriving it from the clips changes only pools).
        let windowingHop = (options.windowing ?? .standard).hop
        guard (1...TrainingOptions.maximumSmoothing(hop: windowingHop)).contains(options.smoothing) else {
            throw WakeWordError.invalidInput(
                "smoothing \(options.smoothing) is outside 1...\(TrainingOptions.maximumSmoothing(hop: windowingHop)) hops"
                    + " (a training scene labels that many hops after the word)")
        }
        guard (1...TrainingOptions.maximumEnsemble).contains(options.ensemble) else {
            throw WakeWordError.invalidInput(
                "ensemble \(options.ensemble) is outside 1...\(TrainingOptions.maximumEnsemble) heads")
        }
        guard (0...TrainingOptions.maximumNoisyCopies).contains(options.noisyCopies) else {
            throw WakeWordError.invalidInput(
                "noisy copies \(options.noisyCopies) is outside 0...\(TrainingOptions.maximumNoisyCopies)")
        }
        guard (1...TrainingOptions.maximumHidden).contains(options.hidden) else {
            throw WakeWordError.invalidInput("hidden \(options.hidden) is outside 1...\(TrainingOptions.maximumHidden) units")
        }
        guard options.resolvedFinalHead == .refit || options.ensemble == 1 else {
            throw WakeWordError.invalidInput("a fold-average head averages one head per fold: use it with ensemble 1")
        }
        guard !input.positives.isEmpty else { throw WakeWordError.invalidInput("no positive clips given") }
        guard !input.negatives.isEmpty else { throw WakeWordError.invalidInput("no negative audio given") }

        // 1. Clips.
        var clips: [PositiveClip] = []
        var skipped: [SkippedFile] = []
        for path in input.positives {
            switch PositiveClip.load(path, warn: warn) {
            case .success(let clip): clips.append(clip)
            case .failure(let error):
                skipped.append(SkippedFile(file: path, reason: "\(error)"))
                warn("skipping \(error)")
            }
        }
        guard clips.count >= options.minimumPositives else {
            let example = skipped.first.map { " (\($0.reason)\(skipped.count > 1 ? "; \(skipped.count - 1) more skipped" : ""))" } ?? ""
            throw WakeWordError.invalidInput(
                "only \(clips.count) of \(input.positives.count) positive clips are usable\(example);"
                    + " at least \(options.minimumPositives) are needed")
        }
        let windowing = options.windowing ?? Trainer.windowing(for: clips)
        if let problem = windowing.problem { throw WakeWordError.invalidInput("windowing: \(problem)") }
        if let screenLayer = options.screenLayer, !(1...encoder.dimensions.layers).contains(screenLayer) {
            throw WakeWordError.invalidInput("screen layer \(screenLayer) is outside 1...\(encoder.dimensions.layers) for this encoder")
        }
        var features = TrainingFeatures(encoder: encoder, layer: layer, windowing: windowing, cache: cache)
        features.screenLayer = options.screenLayer.flatMap { $0 < layer && windowing.memory == 0 ? $0 : nil }

        // 2. Every training row, through the encoder once.
        var generator = SplitMix64(seed: options.seed)
        let built = try buildSet(
            input, clips: clips, features: features, generator: &generator, progress: progress, warn: warn,
            isCancelled: isCancelled)
        let set = built.set

        // 3. Out-of-fold scores: the screen's threshold, the threshold, the expected rates and their intervals.
        let negativeSeconds = AudioFormat.seconds(samples: built.negativeSamples)
        let heads = options.resolvedCalibrationHeads(negativeSeconds: negativeSeconds)
        let validated = try crossValidate(
            set, screenSet: built.screenSet, windowing: windowing, calibrationHeads: heads, generator: &generator, progress: progress,
            isCancelled: isCancelled)
        let (calibration, frr) = (validated.calibration, validated.expectedFRR)

        // 4. The head (and screen): the folds' heads averaged, or one fitted on everything.
        progress(TrainingProgress(stage: .fitting, done: set.folds, total: set.folds + 1))
        let head: TriggerHead
        var screen: Screen?
        switch options.resolvedFinalHead {
        case .foldAverage:
            head = TriggerHead.averaging(validated.foldHeads)
            if let threshold = validated.screenThreshold, let screenLayer = features.screenLayer, !validated.foldScreens.isEmpty {
                screen = Screen(layer: screenLayer, head: TriggerHead.averaging(validated.foldScreens), threshold: threshold)
            }
        case .refit:
            head = try fitHead(set, rows: set.rows(excluding: nil), generator: &generator)
            if let screenSet = built.screenSet, let threshold = validated.screenThreshold, let screenLayer = features.screenLayer {
                var screenGenerator = SplitMix64(seed: options.seed, purpose: "screen")
                let screenHead = fitMember(screenSet, rows: screenSet.rows(excluding: nil), generator: &screenGenerator)
                screen = Screen(layer: screenLayer, head: screenHead, threshold: threshold)
            }
        }
        progress(TrainingProgress(stage: .fitting, done: set.folds + 1, total: set.folds + 1))

        var summary = TrainingSummary()
        summary.positiveClips = clips.count
        summary.positiveClipsSkipped = skipped.count
        summary.copiesPerClip = options.copiesPerClip
        summary.negativeFiles = built.negativeFiles
        summary.negativeSeconds = negativeSeconds
        summary.calibrationSeconds = set.calibrationSeconds
        summary.trainingExamples = set.features.rows
        summary.seed = options.seed
        summary.averagedHeads =
            options.resolvedFinalHead == .foldAverage ? validated.foldHeads.count : (options.ensemble > 1 ? options.ensemble : nil)
        summary.screenOpenedPasses = validated.screenOpened
        summary.date = ISO8601DateFormatter().string(from: Date())
        summary.targetFAPerHour = options.targetFAPerHour
        summary.expectedFAPerHour = calibration.expectedFAPerHour
        summary.expectedFRR = frr
        summary.expectedFRRInterval = validated.expectedFRRInterval
        summary.expectedFAPerHourInterval = validated.expectedFAPerHourInterval
        let model = WakeWordModel(
            name: options.name, threshold: calibration.threshold, layer: layer, windowing: windowing,
            refractory: options.refractory, smoothing: options.smoothing, head: head, screen: screen, encoder: encoder.identity,
            training: summary)
        return TrainingOutcome(
            model: model, calibration: calibration, expectedFRR: frr, skipped: skipped + built.skipped,
            cacheHits: built.cacheHits, cacheMisses: built.cacheMisses)
    }

    /// The standard windowing with its long pool stretched for long wake words: the median
    /// spoken length plus 0.3 s, to the nearest hop, at least the standard 1 s and at most 2 s
    /// (the median, so a few long or noisy recordings do not stretch it).
    static func windowing(for clips: [PositiveClip]) -> Windowing {
        var windowing = Windowing.standard
        let lengths = clips.map { $0.bounds.end - $0.bounds.start }.sorted()
        let wanted = lengths[lengths.count / 2] + 3 * AudioFormat.sampleRate / 10
        let rounded = (wanted + windowing.hop / 2) / windowing.hop * windowing.hop
        windowing.pools[0] = min(2 * AudioFormat.sampleRate, max(windowing.pools[0], rounded))
        return windowing
    }

    /// Fits `options.ensemble` heads on `rows`, each from its own seed drawn from `generator`,
    /// on `options.threads` threads, and returns their average (`TriggerHead.averaging`); one
    /// head is fitted from `generator` itself.
    func fitHead(
        _ set: TrainingSet, rows: [Int], standardisingOn standardising: [Int]? = nil, generator: inout SplitMix64
    ) throws -> TriggerHead {
        guard options.ensemble > 1 else {
            return fitMember(set, rows: rows, standardisingOn: standardising, generator: &generator)
        }
        let seeds = (0..<options.ensemble).map { _ in generator.next() }
        let members = try Parallel.map(seeds, threads: options.threads) { seed in
            var generator = SplitMix64(seed: seed)
            return fitMember(set, rows: rows, standardisingOn: standardising, generator: &generator)
        }
        return TriggerHead.averaging(members)
    }

    /// Fits one head on `rows`: balanced classes, then a second fit with the hardest negatives
    /// weighted up. Its inputs are standardised on `standardising` (default `rows`): heads to
    /// be averaged share one standardisation.
    func fitMember(
        _ set: TrainingSet, rows: [Int], standardisingOn standardising: [Int]? = nil, generator: inout SplitMix64
    ) -> TriggerHead {
        let labels = rows.map { set.labels[$0] }
        let positives = labels.reduce(0, +)
        let negatives = Float(labels.count) - positives
        var weights = labels.map { $0 == 1 ? negatives / max(positives, 1) : 1 }
        var head = TriggerHead(kind: options.head, inputs: set.features.columns, hidden: options.hidden, generator: &generator)
        head.standardise(on: set.features, rows: standardising ?? rows)
        head = options.fitting.fit(head, features: set.features, rows: rows, labels: labels, weights: weights, generator: &generator).head

        let logits = set.logits(head, rows: rows)
        let negativeRows = labels.indices.filter { labels[$0] == 0 }.sorted { logits[$0] > logits[$1] }
        for r in negativeRows.prefix(Int(Double(negativeRows.count) * options.hardNegativeFraction)) {
            weights[r] *= options.hardNegativeWeight
        }
        return options.fitting.fit(head, features: set.features, rows: rows, labels: labels, weights: weights, generator: &generator).head
    }
}
