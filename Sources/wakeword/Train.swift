import ArgumentParser
import Foundation
import WakeWord

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a wake-word model from a few recordings of the word.",
        discussion: """
            Positives are recordings of the wake word, one utterance each (5 to 20 are enough).
            Negatives are audio that never says it; without --negative the default set is used:
            a few minutes of read speech and household noise, plus five hours of speech once
            fetched, looked for in $XDG_DATA_HOME/wakeword/negatives (by default
            ~/.local/share/wakeword/negatives), then in the checkout this binary was built in.
            Encoder outputs are cached, so training again over the same audio is fast. The model
            file is written only when training succeeds; an existing file is replaced in one
            step, never half-written.
            """)

    @Option(name: .customLong("positive"), parsing: .upToNextOption,
            help: ArgumentHelp("Recordings of the wake word: files or folders (searched recursively). Repeatable.", valueName: "path"))
    var positives: [String] = []

    @Option(name: .customLong("negative"), parsing: .upToNextOption,
            help: ArgumentHelp("Audio that never contains the wake word: files or folders. Default: the default set (see above).", valueName: "path"))
    var negatives: [String] = []

    @Option(name: .customLong("noise"), parsing: .upToNextOption,
            help: ArgumentHelp("Background noise to mix into training clips (0 to 20 dB SNR), besides the default noise (noise/ in the default negatives).", valueName: "path"))
    var noise: [String] = []

    @Option(name: .shortAndLong, help: ArgumentHelp("Model file to write.", valueName: "model.wakeword"))
    var output: String

    @Option(help: "Name reported with detections (default: the output file's name).")
    var name: String?

    @Option(help: "Encoder block the head reads (1...4 for tiny.en; default \(TrainingOptions.defaultLayer)). Lower is cheaper at detection time.")
    var layer: Int?

    @Option(help: "Head on top of the encoder: mlp (one hidden layer of 32, the default) or linear.")
    var head: String = TrainingOptions().head.rawValue

    @Option(help: "Augmented copies of each positive clip.")
    var copies: Int = TrainingOptions().copiesPerClip

    @Option(help: "Scenes per clip with other speech in the word's place, trained as negatives (default 6).")
    var replacements: Int = TrainingOptions().replacementsPerClip

    @Option(name: .customLong("noisy-negatives"), help: "Fraction of the negative streams mixed with noise at 0 to 20 dB SNR (default 0.2).")
    var noisyNegatives: Double = TrainingOptions().noisyNegatives

    @Option(name: .customLong("target-fa-per-hour"), help: "False accepts per hour the threshold is calibrated for.")
    var targetFAPerHour: Double = TrainingOptions().targetFAPerHour

    @Option(help: "Seconds of audio per encoder pass (default 1).")
    var window: Double?

    @Option(help: "Seconds between encoder passes (default 0.5); the window minus the stride is each pass's left context.")
    var stride: Double?

    @Option(help: "Seconds at the end of each pass that the next pass also attends to (attention memory: left context without re-encoding; needs --stride equal to --window).")
    var memory: Double?

    @Option(help: "Seed for augmentation, splits and initial weights.")
    var seed: UInt64 = 0

    @Option(name: .customLong("cache-dir"), help: ArgumentHelp("Feature cache folder (default: $WAKEWORD_CACHE or ~/.cache/wakeword).", valueName: "dir"))
    var cacheDirectory: String?

    @Flag(name: .customLong("no-cache"), help: "Do not read or write the feature cache.")
    var noCache = false

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    @Flag(help: "Print nothing but errors and the final summary.")
    var quiet = false

    @OptionGroup var encoder: EncoderOptions

    func validate() throws {
        guard !positives.isEmpty else { throw ValidationError("give recordings of the wake word with --positive") }
        guard TriggerHead.Kind(rawValue: head) != nil else { throw ValidationError("--head must be linear or mlp") }
        guard copies >= 1 else { throw ValidationError("--copies must be at least 1") }
        guard replacements >= 0 else { throw ValidationError("--replacements must be 0 or more") }
        guard (0...1).contains(noisyNegatives) else { throw ValidationError("--noisy-negatives must be a fraction from 0 to 1") }
        guard targetFAPerHour > 0 else { throw ValidationError("--target-fa-per-hour must be positive") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        try Interrupt.exitCleanly(run: work)
    }

    private func work() throws {
        let outputDirectory = (output as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: outputDirectory.isEmpty ? "." : outputDirectory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw WakeWordError.writeFailed(path: output, reason: "directory \(outputDirectory) does not exist")
        }
        let defaults = DefaultPaths.negatives
        let positiveFiles = try AudioPaths.expand(positives, what: "positive")
        let negativeFiles = try AudioPaths.expand(negatives.isEmpty ? defaults : negatives, what: "negative")
        guard !negativeFiles.isEmpty else {
            throw WakeWordError.invalidInput("no default negatives found (looked in \(DefaultPaths.negativesSearched.joined(separator: ", ")));"
                + " pass --negative with audio that never says the wake word")
        }
        // The default noise always joins the user's (each file once).
        var seenNoise = Set<String>()
        let noiseFiles = try AudioPaths.expand(noise + (DefaultPaths.noise.map { [$0] } ?? []), what: "noise")
            .filter { seenNoise.insert(URL(fileURLWithPath: $0).standardizedFileURL.path).inserted }

        BLAS.setThreads(1)
        Interrupt.install()
        let model = try encoder.load()
        var options = TrainingOptions()
        options.name = name ?? ((output as NSString).lastPathComponent as NSString).deletingPathExtension
        options.layer = layer
        options.head = TriggerHead.Kind(rawValue: head)!
        options.copiesPerClip = copies
        options.replacementsPerClip = replacements
        options.noisyNegatives = noisyNegatives
        options.targetFAPerHour = targetFAPerHour
        options.seed = seed
        if let threads { options.threads = threads }
        if window != nil || stride != nil || memory != nil {
            var windowing = Windowing.standard
            let samples = { (seconds: Double) in Int((seconds * Double(AudioFormat.sampleRate) / Double(Windowing.samplesPerPosition)).rounded()) * Windowing.samplesPerPosition }
            if let window { windowing.window = samples(window) }
            windowing.stride = stride.map(samples) ?? min(windowing.stride, windowing.window)
            if let memory { windowing.memory = samples(memory) }
            if let problem = windowing.problem { throw ValidationError("--window/--stride: \(problem)") }
            options.windowing = windowing
        }
        let cache = noCache ? nil : try FeatureCache(directory: cacheDirectory ?? FeatureCache.defaultDirectory)
        let trainer = Trainer(encoder: model, options: options, cache: cache)
        let display = ProgressDisplay(quiet: quiet)
        let started = Date()
        let outcome = try trainer.train(
            TrainingInput(positives: positiveFiles, negatives: negativeFiles, noise: noiseFiles),
            progress: { display.update($0.stage.rawValue, done: $0.done, total: $0.total) },
            warn: { display.message("warning: \($0)") },
            isCancelled: { Interrupt.requested })
        try ModelFile.write(outcome.model, to: output)
        cache?.trim()

        let summary = outcome.model.training
        let calibration = outcome.calibration
        print("wrote \(output): \"\(outcome.model.name)\", layer \(outcome.model.layer), \(outcome.model.head.kind) head, \(outcome.model.windowing)")
        print(String(format: "clips: %d used, %d skipped; negatives: %d files, %.1f min",
                     summary.positiveClips, summary.positiveClipsSkipped, summary.negativeFiles, summary.negativeSeconds / 60))
        print(String(format: "threshold %.4f: expected %.1f%% false rejects, %.2f false accepts per hour (cross-validated%@)",
                     calibration.threshold, 100 * outcome.expectedFRR, calibration.expectedFAPerHour,
                     calibration.extrapolated ? String(format: "; extrapolated beyond the %.1f min of negatives, %d false accepts in them",
                                                       summary.calibrationSeconds / 60, calibration.observedEvents) : ""))
        print(String(format: "took %.1f s; feature cache: %d reused, %d computed", Date().timeIntervalSince(started), outcome.cacheHits, outcome.cacheMisses))
        let hours = summary.calibrationSeconds / 3600
        if calibration.limitedByFalseRejects {
            display.message(String(format: "warning: at %g false accepts per hour this model would miss more than %.0f%% of the held-out clips;"
                + " its threshold keeps %.0f%% of them instead and will fire more often than that (%d times in the %.0f min of negatives)."
                + " Give more clips of the word (20 or more) and more negative audio.", targetFAPerHour,
                100 * options.maximumExpectedFRR, 100 * (1 - outcome.expectedFRR), calibration.observedEvents, 60 * hours))
        } else if targetFAPerHour * hours < 0.25 {
            display.message(String(format: "warning: %.0f minutes of negative audio cannot show %g false accepts per hour; the threshold extrapolates far beyond it"
                + " and may miss many words. Give an hour or more of audio from where the detector will run (scripts/setup --negatives, run in the"
                + " wakeword checkout, adds five hours of speech to the default negatives), or ask for --target-fa-per-hour %.0f.", 60 * hours, targetFAPerHour, max(1, (1 / hours).rounded(.up))))
        }
    }
}
