import ArgumentParser
import Foundation
import WakeWord

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a wake-word model from a few recordings of the word.",
        usage: "wakeword train --positive <path> ... --output <model.wakeword> [<options>]",
        discussion: """
            Positives are recordings of the wake word, one utterance each (5 to 20 are enough). Negatives are audio that \
            never says it; without --negative the default set is used: a few minutes of read speech and household noise, \
            plus hours of speech once fetched, looked for in $XDG_DATA_HOME/wakeword/negatives (by default \
            ~/.local/share/wakeword/negatives), then in the checkout this binary was built in. Encoder outputs are cached, \
            so training again over the same audio is fast. The model file is written only when training succeeds; an \
            existing file is replaced in one step, never half-written.

            Examples:
              wakeword train --positive my-clips/ --output toaster.wakeword
              wakeword train --positive clips/ --negative living-room/ --target-fa-per-hour 0.2 -o toaster.wakeword
            """)

    @OptionGroup var audio: AudioSetOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("Model file to write.", valueName: "model.wakeword"))
    var output: String

    @Option(help: "Name reported with detections (default: the output file's name).")
    var name: String?

    @OptionGroup var settings: TrainingSettings

    @Option(
        name: .customLong("cache-dir"),
        help: ArgumentHelp("Feature cache folder (default: $WAKEWORD_CACHE or ~/.cache/wakeword).", valueName: "dir"))
    var cacheDirectory: String?

    @Flag(name: .customLong("no-cache"), help: "Do not read or write the feature cache.")
    var noCache = false

    @OptionGroup var encoder: EncoderOptions

    func validate() throws {
        guard !audio.positives.isEmpty else { throw ValidationError("give recordings of the wake word with --positive") }
    }

    func run() throws {
        try Interrupt.exitCleanly(run: work)
    }

    private func work() throws {
        try OutputPath.checkFile(output)
        let defaults = DefaultPaths.negatives
        let positiveFiles = try AudioPaths.expand(audio.positives, what: "positive")
        let negativeFiles = try AudioPaths.expand(audio.negatives.isEmpty ? defaults : audio.negatives, what: "negative")
        guard !negativeFiles.isEmpty else {
            throw WakeWordError.invalidInput(
                "no default negatives found (looked in \(DefaultPaths.negativesSearched.joined(separator: ", ")));"
                    + " pass --negative with audio that never says the wake word")
        }
        // The default noise always joins the user's (the trainer uses each recording's content once).
        let noiseFiles = try AudioPaths.expand(audio.noise + (DefaultPaths.noise.map { [$0] } ?? []), what: "noise")

        BLAS.setThreads(1)
        Interrupt.install()
        let model = try encoder.load()
        var options = settings.trainingOptions
        options.name = name ?? ((output as NSString).lastPathComponent as NSString).deletingPathExtension
        if let threads = audio.threads { options.threads = threads }
        let cache = noCache ? nil : try FeatureCache(directory: cacheDirectory ?? FeatureCache.defaultDirectory)
        let trainer = Trainer(encoder: model, options: options, cache: cache)
        let display = ProgressDisplay(quiet: audio.quiet)
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
        print(
            "wrote \(output): \"\(outcome.model.name)\", layer \(outcome.model.layer), \(outcome.model.head.kind) head, \(outcome.model.windowing)"
        )
        if let screen = outcome.model.screen, let opened = summary.screenOpenedPasses {
            let layer = outcome.model.layer
            let deep = screen.layer + 1 == layer ? "block \(layer)" : "blocks \(screen.layer + 1) to \(layer)"
            print(
                "screen: block \(screen.layer); \(deep) ran on "
                    + String(format: "%.1f%% of the negative audio's passes in cross-validation", 100 * opened))
        }
        let copied = summary.calibrationSeconds > summary.negativeSeconds + 1
        print(
            String(
                format: "clips: %d used, %d skipped; negatives: %d files, %.1f min%@",
                summary.positiveClips, summary.positiveClipsSkipped, summary.negativeFiles, summary.negativeSeconds / 60,
                copied ? String(format: " (%.1f min with their noisy copies)", summary.calibrationSeconds / 60) : ""))
        let intervals = summary.expectedFRRInterval.flatMap { frr in
            summary.expectedFAPerHourInterval.map { fa in
                (frr: " (\(ModelDescription.range(frr, scale: 100))%)", fa: " (\(ModelDescription.range(fa, scale: 1)))")
            }
        }
        let how =
            "cross-validated"
            + (calibration.extrapolated
                ? String(
                    format: "; extrapolated beyond the %.1f min of negative audio, %d false accepts in it",
                    summary.calibrationSeconds / 60, calibration.observedEvents) : "")
        print(
            String(
                format: "threshold %.4f: expected %.1f%% false rejects%@, %.2f false accepts per hour%@",
                calibration.threshold, 100 * outcome.expectedFRR, intervals?.frr ?? "", calibration.expectedFAPerHour,
                intervals.map { "\($0.fa); 90% intervals, \(how)" } ?? " (\(how))"))
        print(
            String(
                format: "took %.1f s; feature cache: %d reused, %d computed", Date().timeIntervalSince(started), outcome.cacheHits,
                outcome.cacheMisses))
        let hours = summary.calibrationSeconds / 3600
        // Copies under noise are not new speech: whether the audio can show the target is
        // judged on the recordings alone.
        let recordedHours = summary.negativeSeconds / 3600
        if calibration.limitedByFalseRejects {
            display.message(
                String(
                    format: "warning: at %g false accepts per hour this model would miss more than %.0f%% of the held-out clips;"
                        + " its threshold keeps %.0f%% of them instead and will fire more often than that (%d times in the %.0f min of negative audio)."
                        + " Give more clips of the word (20 or more) and more negative audio.", options.targetFAPerHour,
                    100 * options.maximumExpectedFRR, 100 * (1 - outcome.expectedFRR), calibration.observedEvents, 60 * hours))
        } else if options.targetFAPerHour * recordedHours < 0.25 {
            // Only a binary run from the checkout can point at the checkout's set-up script.
            let fetch =
                DefaultPaths.projectRoot == nil ? "" : " (scripts/setup --negatives adds eight hours of speech to the default negatives)"
            display.message(
                String(
                    format:
                        "warning: %.0f minutes of negative audio cannot show %g false accepts per hour; the threshold extrapolates far beyond it"
                        + " and may miss many words. Give an hour or more of audio from where the detector will run with --negative%@, or ask for"
                        + " --target-fa-per-hour %.0f.", 60 * recordedHours, options.targetFAPerHour, fetch,
                    max(1, (1 / recordedHours).rounded(.up))))
        }
    }
}
