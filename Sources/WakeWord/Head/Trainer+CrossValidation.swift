import Foundation

/// Stage 3 of `Trainer`: out-of-fold scores, and from them the screen's threshold, the
/// model's threshold, and the false-reject and false-accept rates expected there with their
/// 90 % intervals.
extension Trainer {
    private var refractorySamples: Int { AudioFormat.samples(seconds: options.refractory) }

    /// K-fold cross-validation over clips and negative chunks together: each fold's head (and
    /// screen) is fitted without that fold, then scores it (for a fold-average model with
    /// `calibrationHeads` `.pairs`, the heads' scores are then replaced by
    /// `pairAverageLogits`, a mean as the shipped average is). The threshold is calibrated on the out-of-fold
    /// scores of all the negative audio, the streams mixed with noise included
    /// (people talk over noise, and a head fires most readily there: calibrating on clean
    /// speech alone set thresholds that fired several times an hour on the same speech at
    /// 10 dB SNR, Benchmarks/RESULTS.md); a held-out scene counts as detected if a hop
    /// labelled positive reaches it. The false-reject rate is read on the scenes
    /// without noise or with noise at 10 dB SNR or more (the harder ones train, but would
    /// make the estimate describe a louder room than people ask about). With a screen, its
    /// threshold is set on the held-out scenes first, and every score after it is the one
    /// detection computes behind it (`Screen.gated`). The intervals: Wilson over the clips
    /// for the false rejects, exact Poisson over the calibration hours for the false accepts.
    func crossValidate(
        _ set: TrainingSet, screenSet: TrainingSet?, windowing: Windowing, calibrationHeads: TrainingOptions.CalibrationHeads,
        generator: inout SplitMix64, progress: (TrainingProgress) -> Void, isCancelled: @escaping @Sendable () -> Bool
    ) throws -> CrossValidation {
        var chunks: [HeldOut] = []
        var scenes: [HeldOut] = []
        var screenGenerator = SplitMix64(seed: options.seed, purpose: "screen")
        var foldHeads: [TriggerHead] = []
        var foldScreens: [TriggerHead] = []
        // Heads to be averaged share one standardisation: all the rows' (it uses no labels).
        let averaged = options.resolvedFinalHead == .foldAverage
        let standardising = averaged ? set.rows(excluding: nil) : nil
        let screenStandardising = averaged ? screenSet?.rows(excluding: nil) : nil
        for fold in 0..<set.folds {
            if isCancelled() { throw WakeWordError.interrupted }
            progress(TrainingProgress(stage: .fitting, done: fold, total: set.folds + 1))
            let head = try fitHead(set, rows: set.rows(excluding: fold), standardisingOn: standardising, generator: &generator)
            foldHeads.append(head)
            let screenHead = screenSet.map { screenSet in
                fitMember(
                    screenSet, rows: screenSet.rows(excluding: fold), standardisingOn: screenStandardising,
                    generator: &screenGenerator)
            }
            if let screenHead { foldScreens.append(screenHead) }
            func heldOut(_ rows: Range<Int>, hops: [Int], clip: Int?) -> HeldOut {
                var screenLogits: [Float]?
                if let screenSet, let screenHead { screenLogits = screenSet.logits(screenHead, rows: Array(rows)) }
                return HeldOut(
                    rows: rows, hops: hops, logits: set.logits(head, rows: Array(rows)), screenLogits: screenLogits,
                    positive: rows.map { set.labels[$0] == 1 }, clip: clip)
            }
            chunks += set.chunks.filter { $0.fold == fold && !$0.rows.isEmpty }.map { heldOut($0.rows, hops: $0.hops, clip: nil) }
            scenes += set.scenes.filter { $0.fold == fold && $0.isFair }.map { heldOut($0.rows, hops: $0.hops, clip: $0.clip) }
        }
        progress(TrainingProgress(stage: .calibrating, done: 0, total: 1))
        var foldChunks: [HeldOut]?
        if averaged && calibrationHeads == .pairs && set.folds >= 3 {
            let proxy = try pairAverageLogits(set, standardisingOn: standardising, isCancelled: isCancelled)
            foldChunks = chunks
            chunks = chunks.map { $0.scored(proxy) }
            scenes = scenes.map { $0.scored(proxy) }
        }
        let hours = set.calibrationSeconds / 3600
        // The threshold, on every pass run: a screen only takes peaks away, so the false accepts
        // calibration expects are at most these (the tail it extrapolates from would lose its
        // lower peaks behind a screen). Then the screen's threshold, low enough to open a pass
        // where that threshold is reached for `screenRecall` of the held-out words it detects,
        // less a margin, and to open at least `screenOpening` of the negative passes; the false
        // rejects are read behind it.
        let calibrated = calibrate(chunks: chunks, scenes: scenes, foldChunks: foldChunks, hours: hours, windowing: windowing)
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
        let frr = bestPositive.isEmpty ? Double.nan : Double(missed) / Double(bestPositive.count)
        // The scenes of one clip share its speaker and its saying of the word: the clips of
        // the scenes that gave a best score, not the scenes, are the independent trials.
        let clips = Set(scenes.filter(\.hasPositive).compactMap(\.clip)).count
        progress(TrainingProgress(stage: .calibrating, done: 1, total: 1))
        let opened = screenThreshold.map { Screen.openedFraction(traces, threshold: $0, windowing: windowing) }
        return CrossValidation(
            calibration: result, expectedFRR: frr,
            expectedFRRInterval: bestPositive.isEmpty || clips == 0 ? nil : .wilson(rate: frr, trials: clips),
            expectedFAPerHourInterval: Self.falseAcceptInterval(result, hours: hours),
            screenThreshold: screenThreshold, screenOpened: opened, foldHeads: foldHeads, foldScreens: foldScreens)
    }

    /// The 90 % interval of the false accepts per hour at `result`'s threshold: exact Poisson
    /// over the events counted in `hours` of held-out audio (noisy copies counted as heard),
    /// its upper end raised to the expected rate where that is higher (a threshold lowered
    /// for the words, or one extrapolated to the target). nil without audio.
    private static func falseAcceptInterval(_ result: Calibration.Result, hours: Double) -> ConfidenceInterval? {
        guard hours > 0 else { return nil }
        let counted = ConfidenceInterval.poisson(events: result.observedEvents, exposure: hours)
        return ConfidenceInterval(lower: counted.lower, upper: max(counted.upper, result.expectedFAPerHour))
    }

    /// The threshold calibrated on the held-out negative chunks' decision scores with every
    /// pass run, and each held-out scene's best decision score there. With `foldChunks` (the
    /// same chunks scored by their own fold heads, where `chunks` hold the pairs' stand-in),
    /// the lower of the two stand-ins' thresholds: over the acceptance protocol's seven
    /// pair-calibrated models and three draws of the pair fits, it missed 6.1 points fewer
    /// in all with no more false accepts; nearly all of it where one pair fit's outlying peak
    /// had set snowboy's threshold at 0.9995 (Benchmarks/RESULTS.md).
    private func calibrate(
        chunks: [HeldOut], scenes: [HeldOut], foldChunks: [HeldOut]?, hours: Double, windowing: Windowing
    ) -> (result: Calibration.Result, bestPositive: [Float]) {
        func calibrating(_ chunks: [HeldOut]) -> Calibration {
            let streams = chunks.map { Calibration.Stream(hops: $0.hops, logits: decision($0, nil, windowing).map(\.logit)) }
            return Calibration(streams: streams, hours: hours, refractory: refractorySamples)
        }
        let bestPositive = scenes.compactMap { scene in bestPositiveLogit(decision(scene, nil, windowing), of: scene) }
        let calibration = calibrating(chunks)
        var result =
            foldChunks.map { calibration.threshold(forFAPerHour: options.targetFAPerHour, orAsLowAs: calibrating($0)) }
            ?? calibration.threshold(forFAPerHour: options.targetFAPerHour)
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
    /// too when there is one, which hops are labelled positive, and a scene's clip.
    private struct HeldOut {
        let rows: Range<Int>
        let hops: [Int]
        let logits: [Float]
        let screenLogits: [Float]?
        let positive: [Bool]
        /// The positive clip a scene was made from; nil for negative audio.
        let clip: Int?

        /// Whether any hop is labelled positive: a scene that can be detected or missed.
        var hasPositive: Bool { positive.contains(true) }

        /// The same stream with its logits read from `logits`, indexed by training row.
        func scored(_ logits: [Float]) -> HeldOut {
            HeldOut(rows: rows, hops: hops, logits: Array(logits[rows]), screenLogits: screenLogits, positive: positive, clip: clip)
        }
    }

    /// Out-of-fold logits of a stand-in for the folds' average, for every row: for a row in
    /// fold f, the mean over the other folds g of the head fitted without f and g. Like the
    /// average that ships, each of its four heads (with five folds) never saw the row, and
    /// one head's spike on a negative is diluted by the others as in the average; a single
    /// fold head's out-of-fold spikes set thresholds that missed a third of the words
    /// (Benchmarks/RESULTS.md). Costs one fit per pair of folds (ten for five).
    func pairAverageLogits(
        _ set: TrainingSet, standardisingOn standardising: [Int]?, isCancelled: @escaping @Sendable () -> Bool = { false }
    ) throws -> [Float] {
        var rowFold = [Int](repeating: -1, count: set.labels.count)
        for chunk in set.chunks { for row in chunk.rows { rowFold[row] = chunk.fold } }
        for scene in set.scenes { for row in scene.rows { rowFold[row] = scene.fold } }
        struct Pair: Sendable {
            let first: Int
            let second: Int
            let seed: UInt64
        }
        var generator = SplitMix64(seed: options.seed, purpose: "pairs")
        var pairs: [Pair] = []
        for f in 0..<set.folds {
            for g in (f + 1)..<set.folds { pairs.append(Pair(first: f, second: g, seed: generator.next())) }
        }
        let fold = rowFold
        let scored = try Parallel.map(pairs, threads: options.threads, isCancelled: isCancelled) { pair in
            var generator = SplitMix64(seed: pair.seed)
            let rows = fold.indices.filter { fold[$0] != pair.first && fold[$0] != pair.second }
            let head = fitMember(set, rows: rows, standardisingOn: standardising, generator: &generator)
            let held = fold.indices.filter { fold[$0] == pair.first || fold[$0] == pair.second }
            return (held, set.logits(head, rows: held))
        }
        var sums = [Float](repeating: 0, count: set.labels.count)
        for (held, logits) in scored {
            for (row, logit) in zip(held, logits) { sums[row] += logit / Float(set.folds - 1) }
        }
        return sums
    }

    /// The highest decision score over a scene's hops labelled positive, smoothed as
    /// detection smooths them: over hops whose whole smoothing span is in the scene (it keeps
    /// only labelled hops); over all its positive hops when none has that span. nil for a
    /// scene without positive hops (`HeldOut.hasPositive`).
    private func bestPositiveLogit(_ smoothed: [ScoreSmoother.Smoothed], of scene: HeldOut) -> Float? {
        guard scene.hasPositive else { return nil }
        let positive = scene.positive.indices.filter { scene.positive[$0] }
        let complete = positive.filter { smoothed[$0].isComplete }
        return (complete.isEmpty ? positive : complete).map { smoothed[$0].logit }.max()
    }

    /// The thresholds cross-validation chose, the fraction of held-out scenes missed (and
    /// its 90 % interval over the clips), the false accepts' 90 % interval, the fraction of
    /// negative passes the screen opened, and the heads (and screens) it fitted, one per fold.
    struct CrossValidation {
        let calibration: Calibration.Result
        let expectedFRR: Double
        let expectedFRRInterval: ConfidenceInterval?
        let expectedFAPerHourInterval: ConfidenceInterval?
        let screenThreshold: Float?
        let screenOpened: Double?
        let foldHeads: [TriggerHead]
        let foldScreens: [TriggerHead]
    }

}
