import ArgumentParser
import Foundation
import WakeWord

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a model: false rejects, false accepts per hour, a DET curve and the cases to listen to.",
        usage: "wakeword eval --model <model.wakeword> --negative <path> ... [--positive <path> ...] --output <dir> [<options>]",
        discussion: """
            Runs the detect code path over each positive clip (padded with a second of silence on each side, mixed with \
            noise at --snr when --noise is given) and over the negative audio as long streams, then writes DIR/report.json, \
            DIR/report.md and DIR/report.html. A hit is a detection between the start of the word and 0.5 s after its end. \
            Without --positive the report counts false accepts only: how often the model fires on audio like the negatives.

            Examples:
              wakeword eval -m alexa.wakeword --positive clips/ --negative speech/ -o report/
              wakeword eval -m alexa.wakeword --negative living-room/ --threshold 0.9 -o room/
            """)

    @Option(name: .shortAndLong, help: ArgumentHelp("The model file to evaluate.", valueName: "model.wakeword"))
    var model: String

    @OptionGroup var audio: AudioSetOptions

    @Option(parsing: .unconditional, help: "Evaluate at this score (0...1) instead of the model's threshold.")
    var threshold: Float?

    @Option(parsing: .unconditional, help: "Signal-to-noise ratio in dB for --noise, relative to the word's power.")
    var snr: Double = 10

    @Option(parsing: .unconditional, help: "Seed for the noise segments.")
    var seed: UInt64 = 0

    @Option(
        name: .shortAndLong, help: ArgumentHelp("Folder for report.json, report.md and report.html (created if needed).", valueName: "dir"))
    var output: String

    @Option(
        name: .customLong("save-audio"),
        help: ArgumentHelp("Also write the mixed positive clips and a manifest here, for other detectors.", valueName: "dir"))
    var saveAudio: String?

    @OptionGroup var encoder: EncoderOptions

    func validate() throws {
        guard !audio.negatives.isEmpty else {
            throw ValidationError("give negative audio with --negative (and recordings of the wake word with --positive)")
        }
        guard snr.isFinite else { throw ValidationError("--snr must be a number of decibels") }
        if let threshold, !(0...1).contains(threshold) { throw ValidationError("--threshold must be between 0 and 1, not \(threshold)") }
    }

    func run() throws {
        try Interrupt.exitCleanly(run: work)
    }

    private func work() throws {
        try OutputPath.checkFolder(output)
        var wakeModel = try ModelFile.read(path: model)
        let positiveFiles = try AudioPaths.expand(audio.positives, what: "positive")
        let negativeFiles = try AudioPaths.expand(audio.negatives, what: "negative")
        let noiseFiles = try AudioPaths.expand(audio.noise, what: "noise")
        BLAS.setThreads(1)
        Interrupt.install()
        let whisper = try encoder.load()
        try wakeModel.check(against: whisper, path: model)
        let display = ProgressDisplay(quiet: audio.quiet)
        if !positiveFiles.isEmpty, let problem = wakeModel.firingProblem(threshold: threshold) {
            display.message("warning: \(model): \(problem); the report shows how many words it misses")
        }
        let ownThreshold = wakeModel.threshold
        if let threshold { wakeModel.threshold = threshold }

        var evaluator = Evaluator(encoder: whisper, model: wakeModel)
        evaluator.snr = snr
        evaluator.seed = seed
        evaluator.saveAudio = saveAudio
        if let threads = audio.threads { evaluator.threads = threads }
        let record = try evaluator.evaluate(
            positives: positiveFiles, negatives: negativeFiles, noise: noiseFiles,
            progress: { display.update($0, done: $1, total: $2) },
            warn: { display.message("warning: \($0)") },
            isCancelled: { Interrupt.requested })
        let report = EvaluationReport(
            record, modelFile: model, snr: noiseFiles.isEmpty ? nil : snr, seed: seed, padding: evaluator.padding,
            modelThreshold: ownThreshold)
        let writer = ReportWriter(report: report, record: record)
        try writer.write(to: output)
        print(writer.summary)
        print("report: \(output)/report.html (also report.md, report.json)")
    }
}
