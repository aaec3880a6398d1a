import ArgumentParser
import Foundation
import WakeWord

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a model: false rejects, false accepts per hour, a DET curve and the cases to listen to.",
        discussion: """
            Runs the detect code path over each positive clip (padded with a second of silence on
            each side, mixed with noise at --snr when --noise is given) and over the negative audio
            as long streams, then writes DIR/report.json, DIR/report.md and DIR/report.html.
            A hit is a detection between the start of the word and 0.5 s after its end.
            """)

    @Option(name: .shortAndLong, help: ArgumentHelp("The model file to evaluate.", valueName: "model.wakeword"))
    var model: String

    @OptionGroup var audio: AudioSetOptions

    @Option(parsing: .unconditional, help: "Signal-to-noise ratio in dB for --noise, relative to the word's power.")
    var snr: Double = 10

    @Option(parsing: .unconditional, help: "Seed for the noise segments.")
    var seed: UInt64 = 0

    @Option(name: .shortAndLong, help: ArgumentHelp("Folder for report.json, report.md and report.html (created if needed).", valueName: "dir"))
    var output: String

    @Option(name: .customLong("save-audio"), help: ArgumentHelp("Also write the mixed positive clips and a manifest here, for other detectors.", valueName: "dir"))
    var saveAudio: String?

    @OptionGroup var encoder: EncoderOptions

    func validate() throws {
        guard !audio.positives.isEmpty else { throw ValidationError("give recordings of the wake word with --positive") }
        guard !audio.negatives.isEmpty else { throw ValidationError("give negative audio with --negative") }
        guard snr.isFinite else { throw ValidationError("--snr must be a number of decibels") }
    }

    func run() throws {
        try Interrupt.exitCleanly(run: work)
    }

    private func work() throws {
        let wakeModel = try ModelFile.read(path: model)
        let positiveFiles = try AudioPaths.expand(audio.positives, what: "positive")
        let negativeFiles = try AudioPaths.expand(audio.negatives, what: "negative")
        let noiseFiles = try AudioPaths.expand(audio.noise, what: "noise")
        BLAS.setThreads(1)
        Interrupt.install()
        let whisper = try encoder.load()
        try wakeModel.check(against: whisper, path: model)

        var evaluator = Evaluator(encoder: whisper, model: wakeModel)
        evaluator.snr = snr
        evaluator.seed = seed
        evaluator.saveAudio = saveAudio
        if let threads = audio.threads { evaluator.threads = threads }
        let display = ProgressDisplay(quiet: audio.quiet)
        if let problem = wakeModel.firingProblem() {
            display.message("warning: \(model): \(problem); the report shows how many words it misses")
        }
        let record = try evaluator.evaluate(positives: positiveFiles, negatives: negativeFiles, noise: noiseFiles,
                                            progress: { display.update($0, done: $1, total: $2) },
                                            warn: { display.message("warning: \($0)") },
                                            isCancelled: { Interrupt.requested })
        let report = EvaluationReport(record, modelFile: model, snr: noiseFiles.isEmpty ? nil : snr, seed: seed, padding: evaluator.padding)
        let writer = ReportWriter(report: report, record: record)
        try writer.write(to: output)
        print(writer.summary)
        print("report: \(output)/report.html (also report.md, report.json)")
    }
}
