import ArgumentParser
import Foundation
import WakeWord

struct Retune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Give a model a new threshold or name without retraining.",
        discussion: """
            Writes a copy of the model with a new operating point: a threshold given as a score, or the lowest threshold \
            at which the --negative audio fires at most --target-fa-per-hour times per hour (extrapolated past what the \
            audio can show, as training does). With negative audio the new threshold's false accepts there are printed and \
            stored in the model (wakeword info shows them). The input model is never changed; an existing output file is \
            replaced in one step, as train replaces one.

            Examples:
              wakeword retune alexa.wakeword --threshold 0.9 --output alexa-strict.wakeword
              wakeword retune alexa.wakeword --target-fa-per-hour 0.2 --negative living-room/ --output alexa-home.wakeword
              wakeword retune alexa.wakeword --name alexa_kitchen --output kitchen.wakeword
            """)

    @Argument(help: ArgumentHelp("The model to start from (left unchanged).", valueName: "model.wakeword"))
    var model: String

    @Option(parsing: .unconditional, help: "The new threshold: a score from 0 to 1.")
    var threshold: Float?

    @Option(
        name: .customLong("target-fa-per-hour"), parsing: .unconditional,
        help: "Instead of --threshold: false accepts per hour on the --negative audio the new threshold allows.")
    var targetFAPerHour: Double?

    @Option(
        name: .customLong("negative"), parsing: .upToNextOption,
        help: ArgumentHelp("Audio that never says the wake word: files or folders (searched recursively). Repeatable.", valueName: "path"))
    var negatives: [String] = []

    @Option(help: "A new name, reported with detections.")
    var name: String?

    @Option(name: .shortAndLong, help: ArgumentHelp("Model file to write (not the input).", valueName: "model.wakeword"))
    var output: String

    @Option(parsing: .unconditional, help: "Worker threads (default: all cores).")
    var threads: Int?

    @Flag(help: "Print nothing but errors and the summary.")
    var quiet = false

    @OptionGroup var encoder: EncoderOptions

    func validate() throws {
        guard threshold == nil || targetFAPerHour == nil else {
            throw ValidationError("give --threshold or --target-fa-per-hour, not both")
        }
        guard threshold != nil || targetFAPerHour != nil || name != nil else {
            throw ValidationError("give a new --threshold, a --target-fa-per-hour with --negative audio, or a new --name")
        }
        if let threshold, !(0...1).contains(threshold) { throw ValidationError("--threshold must be between 0 and 1, not \(threshold)") }
        if let targetFAPerHour {
            guard targetFAPerHour > 0 && targetFAPerHour.isFinite else { throw ValidationError("--target-fa-per-hour must be positive") }
            guard !negatives.isEmpty else { throw ValidationError("--target-fa-per-hour needs --negative audio to read the rate from") }
        }
        if let name, name.isEmpty { throw ValidationError("--name must not be empty") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        try Interrupt.exitCleanly(run: work)
    }

    private func work() throws {
        try Retune.refuseToOverwrite(input: model, output: output)
        try OutputPath.checkFile(output)
        let original = try ModelFile.read(path: model)
        let negativeFiles = try AudioPaths.expand(negatives, what: "negative")
        var retuned = original
        var measured: Retuning.Measurement?
        if !negativeFiles.isEmpty {
            let rates = try falseAcceptRates(of: original, on: negativeFiles)
            guard rates.negatives.contains(where: { !$0.hops.isEmpty }) else {
                throw WakeWordError.invalidInput(
                    "the --negative audio (\(negativeFiles.count) file\(negativeFiles.count == 1 ? "" : "s")) is too short to score:"
                        + " detection scores its first hop 1.5 s into a stream; give minutes of audio")
            }
            let rate = targetFAPerHour.map(rates.threshold(forFAPerHour:)) ?? rates.at(threshold ?? original.threshold)
            retuned.threshold = rate.threshold
            measured = Retuning.Measurement(
                negativeFiles: negativeFiles.count, negativeSeconds: rates.hours * 3600, falseAccepts: rate.falseAccepts,
                faPerHour: rate.perHour, extrapolated: rate.extrapolated)
        } else if let threshold {
            retuned.threshold = threshold
        }
        retuned.name = name ?? original.name
        retuned.retuning = Retuning(
            trainedThreshold: original.retuning?.trainedThreshold ?? original.threshold,
            trainedName: original.retuning?.trainedName ?? original.name,
            date: ISO8601DateFormatter().string(from: Date()),
            targetFAPerHour: targetFAPerHour ?? (threshold == nil ? original.retuning?.targetFAPerHour : nil),
            measured: measured ?? (retuned.threshold == original.threshold ? original.retuning?.measured : nil))
        try ModelFile.write(retuned, to: output)
        print(String(format: "wrote %@: \"%@\", threshold %.4f (was %.4f)", output, retuned.name, retuned.threshold, original.threshold))
        if let measured {
            print("on the negative audio: " + ModelDescription.describe(measured))
        } else if retuned.threshold != original.threshold {
            print("false accepts at the new threshold not measured: give --negative audio, or check with wakeword eval")
        }
    }

    /// The model's false accepts on `files` at any threshold, from one run of the detector.
    private func falseAcceptRates(of model: WakeWordModel, on files: [String]) throws -> FalseAcceptRates {
        BLAS.setThreads(1)
        Interrupt.install()
        let whisper = try encoder.load()
        try model.check(against: whisper, path: self.model)
        var evaluator = Evaluator(encoder: whisper, model: model)
        if let threads { evaluator.threads = threads }
        let display = ProgressDisplay(quiet: quiet)
        return FalseAcceptRates(
            try evaluator.evaluate(
                positives: [], negatives: files, noise: [],
                progress: { display.update($0, done: $1, total: $2) },
                warn: { display.message("warning: \($0)") },
                isCancelled: { Interrupt.requested }))
    }

    /// Fails if `output` is `input` under another name (a link, "./", a hard link).
    static func refuseToOverwrite(input: String, output: String) throws {
        var (a, b) = (stat(), stat())
        let same =
            URL(fileURLWithPath: input).resolvingSymlinksInPath().standardizedFileURL
            == URL(fileURLWithPath: output).resolvingSymlinksInPath().standardizedFileURL
            || (stat(input, &a) == 0 && stat(output, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        if same {
            throw WakeWordError.invalidInput(
                "\(output): this is the input model; retune never changes it, so write the retuned model to another file")
        }
    }
}
