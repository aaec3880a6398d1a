import Foundation

/// Stage 2 of `Trainer`: the training set, from the negative recordings streamed as the
/// detector sees them and the augmented scenes of every clip, each through the encoder once.
extension Trainer {
    /// What `buildSet` assembled, and what it cost.
    struct BuiltSet {
        let set: TrainingSet
        /// The same rows and folds as the screen reads them, when training fits a screen.
        let screenSet: TrainingSet?
        /// Negative recordings streamed (those skipped not counted).
        let negativeFiles: Int
        /// Their length, without the noisy copies (`TrainingOptions.noisyCopies`).
        let negativeSamples: Int
        let skipped: [SkippedFile]
        /// Feature-cache entries found and computed.
        let cacheHits: Int
        let cacheMisses: Int
    }

    /// An augmented scene to render and encode: which clip, and how.
    private struct SceneJob: Sendable {
        let clip: Int
        let recipe: AugmentationRecipe
    }

    /// Negative recordings streamed as the detector sees them, and the augmented scenes of
    /// every clip, assembled into one training set. The per-recording features are released
    /// when this returns: only the assembled copy stays.
    func buildSet(
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
        let context = Trainer.contextSources(
            negatives.recordings.filter { !$0.isCopy }.flatMap(\.paths), limit: 5 * 60 * AudioFormat.sampleRate)
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
        let originals = negatives.recordings.filter { !$0.isCopy }
        return BuiltSet(
            set: set, screenSet: screenSet, negativeFiles: originals.reduce(0) { $0 + $1.paths.count },
            negativeSamples: originals.reduce(0) { $0 + $1.entry.samples }, skipped: negatives.skipped,
            cacheHits: hits, cacheMisses: computed.count + negatives.recordings.count - hits)
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
