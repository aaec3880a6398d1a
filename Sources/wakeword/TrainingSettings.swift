import ArgumentParser
import WakeWord

/// `train`'s choices about the model, turned into `TrainingOptions` in one place
/// (`trainingOptions`); the name and the thread count come from elsewhere.
struct TrainingSettings: ParsableArguments {
    @Option(
        parsing: .unconditional,
        help:
            "Encoder block the head reads (1...4 for tiny.en; default \(TrainingOptions.defaultLayer)). Lower is cheaper at detection time."
    )
    var layer: Int?

    @Option(help: "Head on top of the encoder: mlp (one hidden layer) or linear.")
    var head: TriggerHead.Kind = TrainingOptions().head

    @Option(
        parsing: .unconditional,
        help: "Hidden units of each mlp head fitted (1...\(TrainingOptions.maximumHidden)).")
    var hidden: Int = TrainingOptions().hidden

    @Option(parsing: .unconditional, help: "Augmented copies of each positive clip.")
    var copies: Int = TrainingOptions().copiesPerClip

    @Option(parsing: .unconditional, help: "Scenes per clip with other speech in the word's place, trained as negatives.")
    var replacements: Int = TrainingOptions().replacementsPerClip

    @Option(
        name: .customLong("noisy-negatives"), parsing: .unconditional,
        help: "Fraction of the negative streams mixed with noise at 0 to 20 dB SNR.")
    var noisyNegatives: Double = TrainingOptions().noisyNegatives

    @Option(
        name: .customLong("noisy-copies"), parsing: .unconditional,
        help:
            "Times each negative stream is heard again under fresh noise (0 to 20 dB SNR) when the negatives are shorter than 2 hours (0...\(TrainingOptions.maximumNoisyCopies)): more audio to calibrate on, in the rooms people talk in."
    )
    var noisyCopies: Int = TrainingOptions().noisyCopies

    @Option(
        name: .customLong("target-fa-per-hour"), parsing: .unconditional, help: "False accepts per hour the threshold is calibrated for.")
    var targetFAPerHour: Double = TrainingOptions().targetFAPerHour

    @Option(parsing: .unconditional, help: "Seconds of audio per encoder pass (default 1).")
    var window: Double?

    @Option(
        parsing: .unconditional,
        help: "Seconds between encoder passes (default 0.5); the window minus the stride is each pass's left context.")
    var stride: Double?

    @Option(
        parsing: .unconditional,
        help:
            "Seconds at the end of each pass that the next pass also attends to (attention memory: left context without re-encoding; needs --stride equal to --window)."
    )
    var memory: Double?

    @Option(
        parsing: .upToNextOption,
        help:
            "Seconds before each hop that the head averages the encoder outputs over, one mean per length (default 1 0.3); several lengths give the head the word's order: the mean of a stretch between two lengths is their difference."
    )
    var pools: [Double] = []

    @Option(
        parsing: .unconditional,
        help: "Hops (0.1 s each) whose scores are averaged before the threshold, in calibration as in detection; 1 scores each hop alone.")
    var smoothing: Int = TrainingOptions().smoothing

    @Option(
        parsing: .unconditional,
        help:
            "Heads fitted from different seeds and averaged into the model's head (1...\(TrainingOptions.maximumEnsemble); each adds about 50 KB to the model; several are refitted on everything rather than averaged over the folds); more are steadier and slower to train."
    )
    var ensemble: Int = TrainingOptions().ensemble

    @Option(
        name: .customLong("final-head"), parsing: .unconditional,
        help:
            "The model's head once cross-validation has set the threshold: fold-average, the folds' heads averaged (the heads the threshold was calibrated on), or refit, fitted again on everything (default: fold-average, refit with --ensemble above 1)."
    )
    var finalHead: TrainingOptions.FinalHead?

    @Option(
        name: .customLong("calibration-heads"), parsing: .unconditional,
        help:
            "Out-of-fold scores the threshold is read from: pairs, each fold scored by the mean of the heads fitted without it and one other fold (a stand-in for the folds' average; ten more fits with five folds; the threshold is the lower of theirs and the fold heads'), or folds, by its own fold head (default: pairs with negatives shorter than 2 hours, folds otherwise). Pairs apply to a fold-average head."
    )
    var calibrationHeads: TrainingOptions.CalibrationHeads?

    @Option(
        name: .customLong("screen-layer"), parsing: .unconditional,
        help:
            "Encoder block of the cascade's screen: a small head that every pass runs, so that the blocks after it run only where it fires (default 2 when --layer is deeper and there is no --memory; 0: no screen, every pass runs to --layer)."
    )
    var screenLayer: Int?

    @Option(parsing: .unconditional, help: "Seed for augmentation, splits and initial weights.")
    var seed: UInt64 = 0

    func validate() throws {
        guard copies >= 1 else { throw ValidationError("--copies must be at least 1") }
        guard (1...TrainingOptions.maximumHidden).contains(hidden) else {
            throw ValidationError("--hidden must be from 1 to \(TrainingOptions.maximumHidden) units")
        }
        let maximumSmoothing = TrainingOptions.maximumSmoothing(hop: Windowing.standard.hop)
        guard (1...maximumSmoothing).contains(smoothing) else {
            throw ValidationError("--smoothing must be from 1 to \(maximumSmoothing) hops")
        }
        guard (1...TrainingOptions.maximumEnsemble).contains(ensemble) else {
            throw ValidationError("--ensemble must be from 1 to \(TrainingOptions.maximumEnsemble) heads")
        }
        guard finalHead != .foldAverage || ensemble == 1 else {
            throw ValidationError("--final-head fold-average averages one head per fold: use it with --ensemble 1")
        }
        let layer = self.layer ?? TrainingOptions.defaultLayer
        guard screenLayer.map({ $0 == 0 || (1..<layer).contains($0) }) ?? true else {
            throw ValidationError("--screen-layer must be 0 (none) or a block before --layer \(layer)")
        }
        guard (screenLayer ?? 0) == 0 || (memory ?? 0) == 0 else {
            throw ValidationError("--screen-layer cannot be used with --memory: attention memory runs every block on every pass")
        }
        guard replacements >= 0 else { throw ValidationError("--replacements must be 0 or more") }
        guard (0...1).contains(noisyNegatives) else { throw ValidationError("--noisy-negatives must be a fraction from 0 to 1") }
        guard (0...TrainingOptions.maximumNoisyCopies).contains(noisyCopies) else {
            throw ValidationError("--noisy-copies must be from 0 to \(TrainingOptions.maximumNoisyCopies)")
        }
        guard targetFAPerHour > 0, targetFAPerHour.isFinite else { throw ValidationError("--target-fa-per-hour must be positive") }
        for (flag, seconds) in [("--window", window), ("--stride", stride), ("--memory", memory)] {
            if let seconds, !(seconds >= 0 && seconds <= 30) { throw ValidationError("\(flag) must be between 0 and 30 seconds") }
        }
        let rounded = windowing?.pools ?? []
        guard pools.allSatisfy({ $0 >= 0.02 && $0 <= 3 }), Set(rounded).count == rounded.count, pools.count <= 8 else {
            throw ValidationError("--pools must be up to 8 different lengths (in steps of 0.02 s), each from 0.02 to 3 seconds")
        }
        if let problem = windowing?.problem { throw ValidationError("--window/--stride/--memory/--pools: \(problem)") }
    }

    /// Everything but the name and the thread count.
    var trainingOptions: TrainingOptions {
        var options = TrainingOptions()
        options.layer = layer
        options.head = head
        options.hidden = hidden
        options.copiesPerClip = copies
        options.replacementsPerClip = replacements
        options.noisyNegatives = noisyNegatives
        options.noisyCopies = noisyCopies
        options.targetFAPerHour = targetFAPerHour
        options.seed = seed
        options.smoothing = smoothing
        options.ensemble = ensemble
        options.finalHead = finalHead
        options.calibrationHeads = calibrationHeads
        if let screenLayer { options.screenLayer = screenLayer == 0 ? nil : screenLayer }
        options.windowing = windowing
        return options
    }

    /// The standard windowing with --window, --stride, --memory and --pools applied (in whole encoder
    /// positions), or nil for training's default when none is given.
    private var windowing: Windowing? {
        guard window != nil || stride != nil || memory != nil || !pools.isEmpty else { return nil }
        func samples(_ seconds: Double) -> Int {
            Int((seconds * Double(AudioFormat.sampleRate) / Double(Windowing.samplesPerPosition)).rounded()) * Windowing.samplesPerPosition
        }
        var windowing = Windowing.standard
        if let window { windowing.window = samples(window) }
        windowing.stride = stride.map(samples) ?? min(windowing.stride, windowing.window)
        if let memory { windowing.memory = samples(memory) }
        if !pools.isEmpty { windowing.pools = pools.map(samples).sorted(by: >) }
        return windowing
    }
}
