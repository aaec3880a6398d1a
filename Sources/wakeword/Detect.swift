import ArgumentParser
import Foundation
import WakeWord

struct Detect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Detect wake words in an audio file or a live stream on stdin.",
        discussion: """
            Prints one line per detection as it happens: the time in seconds from the start of the
            input (the end of the word), the model's name and its score. Several models share one
            encoder pass. With IN as -, reads raw PCM from stdin (default: signed 16-bit
            little-endian mono at 16 kHz), e.g.
              arecord -f S16_LE -r 16000 -c 1 | wakeword detect --model alexa.wakeword -
            """)

    @Option(name: .customLong("model"),
            help: ArgumentHelp("A model file to run; repeat for several wake words.", valueName: "model.wakeword"))
    var models: [String] = []

    @Argument(help: ArgumentHelp("Audio file (any format libsndfile reads), or - for raw PCM on stdin.", valueName: "in"))
    var input: String

    @Option(parsing: .unconditional, help: "Fire at this score instead of each model's calibrated threshold (0...1).")
    var threshold: Float?

    @Option(parsing: .unconditional, help: "Seconds after a detection in which the same model does not fire again (default: the model's, 1 s).")
    var refractory: Double?

    @Flag(help: "Print detections as JSON Lines: {\"time\": 12.34, \"model\": \"alexa\", \"score\": 0.97}.")
    var json = false

    @Option(help: ArgumentHelp("Write every hop's score to this CSV file (time,model,score).", valueName: "file.csv"))
    var scores: String?

    @Option(parsing: .unconditional, help: "Sample rate of raw stdin input, in Hz.")
    var rate: Int = 16_000

    @Option(parsing: .unconditional, help: "Channels of raw stdin input.")
    var channels: Int = 1

    @Option(help: "Sample format of raw stdin input (little-endian).")
    var format: RawAudioFormat.Encoding = .s16

    @Flag(help: "Do not print the closing summary on stderr.")
    var quiet = false

    @OptionGroup var encoder: EncoderOptions

    func validate() throws {
        guard !models.isEmpty else { throw ValidationError("give at least one --model") }
        if let threshold, !(0...1).contains(threshold) { throw ValidationError("--threshold must be between 0 and 1") }
        if let refractory, refractory < 0 || !refractory.isFinite { throw ValidationError("--refractory must be 0 or more seconds") }
        guard channels >= 1 && channels <= 64 else { throw ValidationError("--channels must be between 1 and 64") }
        guard (AudioFormat.minimumSampleRate...AudioFormat.maximumSampleRate).contains(rate) else {
            throw ValidationError("--rate must be between \(AudioFormat.minimumSampleRate) and \(AudioFormat.maximumSampleRate) Hz")
        }
    }

    func run() throws {
        let wakeModels = try models.map { try ModelFile.read(path: $0) }
        let reader = input == "-"
            ? try AudioReader(standardInput: RawAudioFormat(sampleRate: rate, channels: channels, encoding: format))
            : try AudioReader(path: input)
        BLAS.setThreads(1)
        Interrupt.install()
        var detector = try Detector(models: wakeModels, encoder: try encoder.load(),
                                    thresholds: threshold.map { t in wakeModels.map { _ in t } }, refractory: refractory, modelPaths: models)
        for (path, model) in zip(models, wakeModels) {
            if let problem = model.firingProblem(threshold: threshold) {
                FileHandle.standardError.write(Data("warning: \(path): \(problem); retrain it with more clips and negative audio, or pass --threshold\n".utf8))
            }
        }
        let trace = try scores.map { try ScoreTrace(path: $0, models: wakeModels.map(\.name)) }
        var count = 0
        var samples = 0
        let report = { (detections: [Detection]) in
            for detection in detections {
                // Unbuffered: each line reaches a pipe as soon as the word is detected.
                let line = json ? Detect.jsonLine(detection) : String(format: "%.2f\t%@\t%.3f", detection.time, detection.model, detection.score)
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
                count += 1
            }
        }
        do {
            // Small reads from a live stream so that events come out as they happen.
            let chunk = input == "-" ? max(1, rate / 10) : 4 * reader.sourceSampleRate
            while !Interrupt.requested {
                let audio = try reader.read(maxFrames: chunk)
                if audio.isEmpty { break }
                samples += audio.count
                report(detector.process(audio) { trace?.add($0) })
            }
            // An empty stream is a stream that ended; a file without samples is a mistake.
            if samples == 0 && input != "-" && !Interrupt.requested {
                throw WakeWordError.badAudio(path: input, reason: "it contains no audio samples")
            }
            report(detector.finish { trace?.add($0) })
            try trace?.commit()
        } catch {
            trace?.discard()
            throw error
        }
        reader.warnings.forEach { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) }
        if !quiet {
            let seconds = Double(samples) / Double(AudioFormat.sampleRate)
            let stopped = Interrupt.requested ? "stopped by Ctrl-C after" : "processed"
            FileHandle.standardError.write(Data(String(format: "%@ %.1f s of audio; %d detection%@\n", stopped, seconds, count, count == 1 ? "" : "s").utf8))
        }
        if Interrupt.requested { throw ExitCode(130) }
    }

    static func jsonLine(_ detection: Detection) -> String {
        let name = String(data: try! JSONEncoder().encode(detection.model), encoding: .utf8)!
        return String(format: "{\"time\": %.2f, \"model\": %@, \"score\": %.3f}", detection.time, name, detection.score)
    }
}
