import Foundation

/// Transfer learning from a few clips (Yosinski et al. 2014): the pretrained Whisper encoder
/// stays frozen; a small head on one of its layers is the only part trained.
///
/// 1. Clips: decoded, their speech found (Endpointer); unusable ones skipped with a reason.
/// 2. Scenes: each clip is augmented into `copiesPerClip` scenes (speed, gain, reverb,
///    surrounding speech, noise at 0 to 20 dB SNR) with the word ending at every phase of the
///    window grid; truncated copies ("alex") and copies with other speech in the word's place
///    are negatives. Negative recordings are streamed through the detector's own windows.
///    All go through the encoder once (feature cache).
/// 3. Head: fitted with balanced class weights, then refitted with the highest-scoring
///    negatives weighted up (hard-negative mining); with `options.ensemble` > 1, that many
///    heads from different seeds, averaged into one (`TriggerHead.averaging`).
/// 4. Threshold: K-fold cross-validation over clips and negative audio together gives every
///    negative hop and every scene an out-of-fold score; the threshold is calibrated on the
///    negative ones for `targetFAPerHour`, and the false-reject rate there is estimated on
///    the scenes. The final head is then fitted on everything.
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

        // 3. Out-of-fold scores: the screen's threshold, the threshold and the expected false rejects.
        let validated = try crossValidate(
            set, screenSet: built.screenSet, windowing: windowing, generator: &generator, progress: progress,
            isCancelled: isCancelled)
        let (calibration, frr) = (validated.calibration, validated.expectedFRR)

        // 4. The head (and screen), on everything.
        progress(TrainingProgress(stage: .fitting, done: set.folds, total: set.folds + 1))
        let head = try fitHead(set, rows: set.rows(excluding: nil), generator: &generator)
        var screen: Screen?
        if let screenSet = built.screenSet, let threshold = validated.screenThreshold, let screenLayer = features.screenLayer {
            var screenGenerator = SplitMix64(seed: options.seed, purpose: "screen")
            let screenHead = fitMember(screenSet, rows: screenSet.rows(excluding: nil), generator: &screenGenerator)
            screen = Screen(layer: screenLayer, head: screenHead, threshold: threshold)
        }
        progress(TrainingProgress(stage: .fitting, done: set.folds + 1, total: set.folds + 1))

        var summary = TrainingSummary()
        summary.positiveClips = clips.count
        summary.positiveClipsSkipped = skipped.count
        summary.copiesPerClip = options.copiesPerClip
        summary.negativeFiles = built.negativeFiles
        summary.negativeSeconds = Double(set.negativeSamples) / Double(AudioFormat.sampleRate)
        summary.calibrationSeconds = Double(set.negativeSamples) / Double(AudioFormat.sampleRate)
        summary.trainingExamples = set.features.rows
        summary.seed = options.seed
        summary.averagedHeads = options.ensemble > 1 ? options.ensemble : nil
        summary.screenOpenedPasses = validated.screenOpened
        summary.date = ISO8601DateFormatter().string(from: Date())
        summary.targetFAPerHour = options.targetFAPerHour
        summary.expectedFAPerHour = calibration.expectedFAPerHour
        summary.expectedFRR = frr
        let model = WakeWordModel(
            name: options.name, threshold: calibration.threshold, layer: layer, windowing: windowing,
            refractory: options.refractory, smoothing: options.smoothing, head: head, screen: screen, encoder: encoder.identity,
            training: summary)
        return TrainingOutcome(
            model: model, calibration: calibration, expectedFRR: frr, skipped: skipped + built.skipped,
            cacheHits: built.cacheHits, cacheMisses: built.cacheMisses)
    }

    /// What `buildSet` assembled, and what it cost.
    private struct BuiltSet {
        let set: TrainingSet
        /// The same rows and folds as the screen reads them, when training fits a screen.
        let screenSet: TrainingSet?
        /// Negative recordings streamed (those skipped not counted).
        let negativeFiles: Int
        let skipped: [SkippedFile]
        /// Feature-cache entries found and computed.
        let cacheHits: Int
        let cacheMisses: Int
    }

    /// The negative recordings streamed, and those that could not be.
    private struct NegativeAudio {
        let recordings: [NegativeRecording]
        let skipped: [SkippedFile]
    }

    /// An augmented scene to render and encode: which clip, and how.
    private struct SceneJob: Sendable {
        let clip: Int
        let recipe: AugmentationRecipe
    }

    /// Negative recordings streamed as the detector sees them, and the augmented scenes of
    /// every clip, assembled into one training set. The per-recording features are released
    /// when this returns: only the assembled copy stays.
    private func buildSet(
        _ input: TrainingInput, clips: [PositiveClip], features: TrainingFeatures, generator: inout SplitMix64,
        progress: @escaping @Sendable (TrainingProgress) -> Void, warn: @escaping @Sendable (String) -> Void,
        isCancelled: @escaping @Sendable () -> Bool
    ) throws -> BuiltSet {
        let noise = Trainer.loadNoise(input.noise, warn: warn)
        let negatives = try extractNegatives(
            input.negatives.sorted(), noise: noise, features: features, progress: progress, warn: warn,
            isCancelled: isCancelled)
        guard negatives.recordings.reduce(0, { $0 + $1.entry.features.rows }) > 0 else {
            throw WakeWordError.invalidInput("too little usable negative audio: give at least a few seconds")
        }
        let context = Trainer.contextSources(negatives.recordings.flatMap(\.paths), limit: 5 * 60 * AudioFormat.sampleRate)
        let augmenter = Augmenter(windowing: features.windowing, sources: AugmentationSources(noise: noise, context: context))
        var jobs: [SceneJob] = []
        for c in clips.indices {
            for i in 0..<options.copiesPerClip {
                jobs.append(SceneJob(clip: c, recipe: augmenter.recipe(index: i, kind: .word, generator: &generator)))
            }
            for i in 0..<options.confusablesPerClip {
                jobs.append(SceneJob(clip: c, recipe: augmenter.recipe(index: i + 1, kind: .truncated, generator: &generator)))
            }
            for i in 0..<options.replacementsPerClip {
                jobs.append(SceneJob(clip: c, recipe: augmenter.recipe(index: i + 1, kind: .replaced, generator: &generator)))
            }
        }
        let allJobs = jobs
        let computed = try Parallel.map(
            allJobs, threads: options.threads, isCancelled: isCancelled,
            progress: { progress(TrainingProgress(stage: .positives, done: $0, total: allJobs.count)) }
        ) {
            features.positive(clips[$0.clip], recipe: $0.recipe, augmenter: augmenter)
        }
        let scenes = zip(jobs, computed).map { job, scene in
            LabelledScene(
                entry: scene.entry, screenEntry: scene.screenEntry, clip: job.clip, isFair: (job.recipe.noise?.decibels ?? 99) >= 10)
        }
        // The screen's set draws its folds from a copy of the generator: the same folds.
        var screenGenerator = generator
        let set = TrainingSet(
            negatives: negatives.recordings, scenes: scenes, clips: clips.count, folds: min(options.folds, clips.count),
            hop: features.windowing.hop, generator: &generator)
        let screenSet =
            features.screenLayer == nil
            ? nil
            : TrainingSet(
                negatives: negatives.recordings.map(\.screened), scenes: scenes.map(\.screened), clips: clips.count,
                folds: min(options.folds, clips.count), hop: features.windowing.hop, generator: &screenGenerator)
        let hits = computed.filter(\.cached).count + negatives.recordings.filter(\.cached).count
        return BuiltSet(
            set: set, screenSet: screenSet, negativeFiles: negatives.recordings.reduce(0) { $0 + $1.paths.count },
            skipped: negatives.skipped,
            cacheHits: hits, cacheMisses: computed.count + negatives.recordings.count - hits)
    }

    /// Why a recording was skipped: our errors name their file; others get the path.
    private static func skipReason(_ error: Error, path: String) -> String {
        (error as? WakeWordError).map(String.init(describing:)) ?? "\(path): \(error.localizedDescription)"
    }

    private var refractorySamples: Int { Int((options.refractory * Double(AudioFormat.sampleRate)).rounded()) }

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

    /// Negative audio as the detector hears it: the recordings, in order, grouped into
    /// streams of at least `negativeStream` samples (short recordings, like single lines of
    /// dialogue, are not each the start of a stream), each streamed through the encoder;
    /// `noisyNegatives` of the streams get noise at 0 to 20 dB SNR, as positive scenes do.
    /// Recordings that cannot be opened are skipped with a warning.
    private func extractNegatives(
        _ files: [String], noise: [AugmentationSources.Source], features: TrainingFeatures,
        progress: @escaping @Sendable (TrainingProgress) -> Void,
        warn: @Sendable (String) -> Void, isCancelled: @escaping @Sendable () -> Bool
    ) throws
        -> NegativeAudio
    {
        var groups: [[String]] = [[]]
        var skipped: [SkippedFile] = []
        var length = 0.0
        for path in files {
            do {
                let duration = try AudioReader(path: path).declaredDuration ?? 60
                if length >= Double(options.negativeStream) / Double(AudioFormat.sampleRate) {
                    groups.append([])
                    length = 0
                }
                groups[groups.count - 1].append(path)
                length += duration
            } catch {
                let reason = Trainer.skipReason(error, path: path)
                skipped.append(SkippedFile(file: path, reason: reason))
                warn("skipping \(reason)")
            }
        }
        let streams = groups.filter { !$0.isEmpty }
        // Which streams are noisy, and how: drawn in order from the seed, so reruns agree.
        var generator = SplitMix64(seed: options.seed, purpose: "noise")
        let noises: [TrainingFeatures.Noise?] = streams.map { _ in
            guard !noise.isEmpty, Double.random(in: 0..<1, using: &generator) < options.noisyNegatives else { return nil }
            let source = noise[Int.random(in: 0..<noise.count, using: &generator)]
            return .init(
                source: source, offset: Int.random(in: 0..<source.samples.count, using: &generator),
                snrDB: Double(Int.random(in: 0...20, using: &generator)))
        }
        let jobs = Array(zip(streams, noises))
        let outcomes = try Parallel.map(
            jobs, threads: options.threads, isCancelled: isCancelled,
            progress: { progress(TrainingProgress(stage: .negatives, done: $0, total: jobs.count)) }
        ) { paths, noise in
            Result<NegativeRecording, Error> {
                let hashes = try paths.map { ContentHash.of(try Data(contentsOf: URL(fileURLWithPath: $0), options: .alwaysMapped)).hex }
                let computed = try features.negative(paths: paths, hashes: hashes, noise: noise, isCancelled: isCancelled)
                return NegativeRecording(
                    paths: paths, entry: computed.entry, screenEntry: computed.screenEntry, cached: computed.cached)
            }
        }
        var results: [NegativeRecording] = []
        for (paths, outcome) in zip(streams, outcomes) {
            switch outcome {
            case .success(let recording): results.append(recording)
            case .failure(WakeWordError.interrupted): throw WakeWordError.interrupted
            case .failure(let error):
                let reason = Trainer.skipReason(error, path: paths[0])
                skipped += paths.map { SkippedFile(file: $0, reason: reason) }
                warn("skipping \(paths.count) negative recording\(paths.count == 1 ? "" : "s") streamed together: \(reason)")
            }
        }
        return NegativeAudio(recordings: results, skipped: skipped)
    }

    /// The noise sources of `files`, in order, each content once: a folder given twice under
    /// two names (the checkout's noise and its installed copy) is drawn from as once.
    static func loadNoise(_ files: [String], warn: (String) -> Void) -> [AugmentationSources.Source] {
        var seen = Set<String>()
        return files.compactMap { path -> AugmentationSources.Source? in
            do {
                let (samples, warnings) = try AudioReader.load(path: path)
                warnings.forEach(warn)
                guard samples.count >= AudioFormat.sampleRate / 2 else {
                    warn("skipping noise \(path): shorter than 0.5 s")
                    return nil
                }
                let source = AugmentationSources.Source(name: path, samples: samples)
                return seen.insert(source.hash).inserted ? source : nil
            } catch {
                warn("skipping noise \(error)")
                return nil
            }
        }
    }

    /// Fits `options.ensemble` heads on `rows`, each from its own seed drawn from `generator`,
    /// on `options.threads` threads, and returns their average (`TriggerHead.averaging`); one
    /// head is fitted from `generator` itself.
    func fitHead(_ set: TrainingSet, rows: [Int], generator: inout SplitMix64) throws -> TriggerHead {
        guard options.ensemble > 1 else { return fitMember(set, rows: rows, generator: &generator) }
        let seeds = (0..<options.ensemble).map { _ in generator.next() }
        let members = try Parallel.map(seeds, threads: options.threads) { seed in
            var generator = SplitMix64(seed: seed)
            return fitMember(set, rows: rows, generator: &generator)
        }
        return TriggerHead.averaging(members)
    }

    /// Fits one head on `rows`: balanced classes, then a second fit with the hardest negatives
    /// weighted up.
    func fitMember(_ set: TrainingSet, rows: [Int], generator: inout SplitMix64) -> TriggerHead {
        let labels = rows.map { set.labels[$0] }
        let positives = labels.reduce(0, +)
        let negatives = Float(labels.count) - positives
        var weights = labels.map { $0 == 1 ? negatives / max(positives, 1) : 1 }
        var head = TriggerHead(kind: options.head, inputs: set.features.columns, hidden: options.hidden, generator: &generator)
        head.standardise(on: set.features, rows: rows)
        head = options.fitting.fit(head, features: set.features, rows: rows, labels: labels, weights: weights, generator: &generator).head

        let logits = set.logits(head, rows: rows)
        let negativeRows = labels.indices.filter { labels[$0] == 0 }.sorted { logits[$0] > logits[$1] }
        for r in negativeRows.prefix(Int(Double(negativeRows.count) * options.hardNegativeFraction)) {
            weights[r] *= options.hardNegativeWeight
        }
        return options.fitting.fit(head, features: set.features, rows: rows, labels: labels, weights: weights, generator: &generator).head
    }

    /// K-fold cross-validation over clips and negative chunks together: each fold's head (and
    /// screen) is fitted without that fold, then scores it. The threshold is calibrated on the
    /// out-of-fold scores of all the negative audio, the streams mixed with noise included
    /// (people talk over noise, and a head fires most readily there: calibrating on clean
    /// speech alone set thresholds that fired several times an hour on the same speech at
    /// 10 dB SNR, Benchmarks/RESULTS.md); a held-out scene counts as detected if a hop
    /// labelled positive reaches it. The false-reject rate is read on the scenes
    /// without noise or with noise at 10 dB SNR or more (the harder ones train, but would
    /// make the estimate describe a louder room than people ask about). With a screen, its
    /// threshold is set on the held-out scenes first, and every score after it is the one
    /// detection computes behind it (`Screen.gated`).
    private func crossValidate(
        _ set: TrainingSet, screenSet: TrainingSet?, windowing: Windowing, generator: inout SplitMix64,
        progress: (TrainingProgress) -> Void, isCancelled: () -> Bool
    ) throws -> CrossValidation {
        var chunks: [HeldOut] = []
        var scenes: [HeldOut] = []
        var screenGenerator = SplitMix64(seed: options.seed, purpose: "screen")
        for fold in 0..<set.folds {
            if isCancelled() { throw WakeWordError.interrupted }
            progress(TrainingProgress(stage: .fitting, done: fold, total: set.folds + 1))
            let head = try fitHead(set, rows: set.rows(excluding: fold), generator: &generator)
            var screenHead: TriggerHead?
            if let screenSet { screenHead = fitMember(screenSet, rows: screenSet.rows(excluding: fold), generator: &screenGenerator) }
            func heldOut(_ rows: Range<Int>, hops: [Int]) -> HeldOut {
                var screenLogits: [Float]?
                if let screenSet, let screenHead { screenLogits = screenSet.logits(screenHead, rows: Array(rows)) }
                return HeldOut(
                    hops: hops, logits: set.logits(head, rows: Array(rows)), screenLogits: screenLogits,
                    positive: rows.map { set.labels[$0] == 1 })
            }
            chunks += set.chunks.filter { $0.fold == fold && !$0.rows.isEmpty }.map { heldOut($0.rows, hops: $0.hops) }
            scenes += set.scenes.filter { $0.fold == fold && $0.isFair }.map { heldOut($0.rows, hops: $0.hops) }
        }
        progress(TrainingProgress(stage: .calibrating, done: 0, total: 1))
        let hours = Double(set.negativeSamples) / Double(AudioFormat.sampleRate) / 3600
        // The threshold, on every pass run: a screen only takes peaks away, so the false accepts
        // calibration expects are at most these (the tail it extrapolates from would lose its
        // lower peaks behind a screen). Then the screen's threshold, low enough to open a pass
        // where that threshold is reached for `screenRecall` of the held-out words it detects,
        // less a margin, and to open at least `screenOpening` of the negative passes; the false
        // rejects are read behind it.
        let calibrated = calibrate(chunks: chunks, scenes: scenes, hours: hours, windowing: windowing)
        let traces = chunks.map { Screen.Trace(hops: $0.hops, screenLogits: $0.screenLogits ?? []) }
        var screenThreshold: Float?
        var bestPositive = calibrated.bestPositive
        if screenSet != nil {
            let needed = scenes.compactMap { screenLevel($0, reaching: calibrated.result.logit, windowing: windowing) }.sorted()
            if !needed.isEmpty {
                let index = min(needed.count - 1, max(0, Int(Double(needed.count) * (1 - options.screenRecall))))
                screenThreshold = min(
                    needed[index] - options.screenMargin, Screen.level(opening: options.screenOpening, traces, windowing: windowing))
                bestPositive = scenes.compactMap { bestPositiveLogit(decision($0, screenThreshold, windowing), of: $0) }
            }
        }
        let result = calibrated.result
        let missed = bestPositive.filter { $0 < result.logit }.count
        progress(TrainingProgress(stage: .calibrating, done: 1, total: 1))
        let opened = screenThreshold.map { Screen.openedFraction(traces, threshold: $0, windowing: windowing) }
        return CrossValidation(
            calibration: result, expectedFRR: bestPositive.isEmpty ? .nan : Double(missed) / Double(bestPositive.count),
            screenThreshold: screenThreshold, screenOpened: opened)
    }

    /// The threshold calibrated on the held-out negative chunks' decision scores with every
    /// pass run, and each held-out scene's best decision score there.
    private func calibrate(
        chunks: [HeldOut], scenes: [HeldOut], hours: Double, windowing: Windowing
    ) -> (result: Calibration.Result, bestPositive: [Float]) {
        let streams = chunks.map { Calibration.Stream(hops: $0.hops, logits: decision($0, nil, windowing).map(\.logit)) }
        let bestPositive = scenes.compactMap { scene in bestPositiveLogit(decision(scene, nil, windowing), of: scene) }
        let calibration = Calibration(streams: streams, hours: hours, refractory: refractorySamples)
        var result = calibration.threshold(forFAPerHour: options.targetFAPerHour)
        // A threshold that misses most words is no detector: lower it to the level that keeps
        // 1 - maximumExpectedFRR of the held-out scenes, and say what it costs in false accepts.
        let sorted = bestPositive.sorted()
        let allowedMisses = Int(Double(sorted.count) * options.maximumExpectedFRR)
        if allowedMisses < sorted.count, sorted[allowedMisses] < result.logit {
            result = calibration.lowered(toLogit: sorted[allowedMisses], target: options.targetFAPerHour)
        }
        return (result, bestPositive)
    }

    /// A held-out stream's decision scores as detection computes them: behind the screen at
    /// `screenThreshold` (when given and the stream has screen logits), then smoothed.
    private func decision(_ stream: HeldOut, _ screenThreshold: Float?, _ windowing: Windowing) -> [ScoreSmoother.Smoothed] {
        var logits = stream.logits
        if let screenLogits = stream.screenLogits, let screenThreshold {
            let trace = Screen.Trace(hops: stream.hops, screenLogits: screenLogits)
            logits = Screen.gated(logits, trace: trace, threshold: screenThreshold, windowing: windowing)
        }
        return ScoreSmoother.smooth(logits, hops: stream.hops, count: options.smoothing, hopSize: windowing.hop)
    }

    /// The lowest screen threshold that opens a pass of `scene` in which a positive hop's
    /// decision score (every pass run) reaches `threshold`: the highest screen logit of such
    /// a pass, or nil when no positive hop reaches it.
    private func screenLevel(_ scene: HeldOut, reaching threshold: Float, windowing: Windowing) -> Float? {
        guard let screenLogits = scene.screenLogits else { return nil }
        let smoothed = decision(scene, nil, windowing)
        let passes = Set(
            scene.hops.indices.filter { scene.positive[$0] && smoothed[$0].logit >= threshold }.map {
                Screen.Trace.pass(scene.hops[$0], windowing)
            })
        return scene.hops.indices.filter { passes.contains(Screen.Trace.pass(scene.hops[$0], windowing)) }.map { screenLogits[$0] }.max()
    }

    /// Out-of-fold logits of one held-out stream (a negative chunk or a scene), the screen's
    /// too when there is one, and which hops are labelled positive.
    private struct HeldOut {
        let hops: [Int]
        let logits: [Float]
        let screenLogits: [Float]?
        let positive: [Bool]
    }

    /// The highest decision score over a scene's hops labelled positive, smoothed as
    /// detection smooths them: over hops whose whole smoothing span is in the scene (it keeps
    /// only labelled hops); over all its positive hops when none has that span.
    private func bestPositiveLogit(_ smoothed: [ScoreSmoother.Smoothed], of scene: HeldOut) -> Float? {
        let positive = scene.positive.indices.filter { scene.positive[$0] }
        let complete = positive.filter { smoothed[$0].isComplete }
        return (complete.isEmpty ? positive : complete).map { smoothed[$0].logit }.max()
    }

    /// The thresholds cross-validation chose, the fraction of held-out scenes missed, and
    /// the fraction of negative passes the screen opened.
    private struct CrossValidation {
        let calibration: Calibration.Result
        let expectedFRR: Double
        let screenThreshold: Float?
        let screenOpened: Double?
    }

    /// Negative audio to surround clips with: the first recordings, up to `limit` samples in all.
    static func contextSources(_ paths: [String], limit: Int) -> [AugmentationSources.Source] {
        var sources: [AugmentationSources.Source] = []
        var total = 0
        for path in paths where total < limit {
            guard let reader = try? AudioReader(path: path) else { continue }
            var audio: [Float] = []
            while audio.count < limit - total, let chunk = try? reader.read(), !chunk.isEmpty { audio += chunk }
            audio = Array(audio.prefix(limit - total))
            guard audio.count >= AudioFormat.sampleRate else { continue }
            total += audio.count
            sources.append(AugmentationSources.Source(name: path, samples: audio))
        }
        return sources
    }
}

extension Matrix {
    /// The listed rows, in order, as a new matrix.
    func gather(_ rows: [Int]) -> Matrix {
        var out = Matrix(rows: rows.count, columns: columns)
        values.withUnsafeBufferPointer { source in
            out.values.withUnsafeMutableBufferPointer { target in
                for (i, r) in rows.enumerated() {
                    for c in 0..<columns { target[i * columns + c] = source[r * columns + c] }
                }
            }
        }
        return out
    }
}
