import ArgumentParser
import Foundation
import WakeWord

struct Detect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Detect wake words in audio files, folders of them, or a live stream on stdin.",
        discussion: """
            Prints one line per detection as it happens: the time in seconds from the start of its input (the end of the word), \
            the model's name, its score and the input. Several models share one encoder pass; each input is a stream of its own. \
            With - as an input, reads stdin: a WAV, FLAC or Ogg stream is recognised by its header, anything else is raw PCM \
            (by default signed 16-bit little-endian mono at 16 kHz).

            Examples:
              wakeword detect --model alexa.wakeword recording.flac more-recordings/
              wakeword detect --model alexa.wakeword:0.9 --model computer.wakeword --threshold computer=0.8 meeting.wav
              arecord -f S16_LE -r 16000 -c 1 | wakeword detect --model alexa.wakeword -
              arecord -f S16_LE -r 16000 -c 1 | wakeword detect --model alexa.wakeword --exit-on-first - && echo heard it
            """)

    @OptionGroup var selection: ModelOptions

    @Argument(
        help: ArgumentHelp(
            "Audio files (any format libsndfile reads), folders of them (searched recursively), or - for stdin.", valueName: "in"))
    var inputs: [String]

    @Flag(help: "Print detections as JSON Lines: {\"time\": 12.34, \"model\": \"alexa\", \"score\": 0.973, \"file\": \"a.flac\"}.")
    var json = false

    @Option(help: ArgumentHelp("Write every hop's score to this CSV file (time,model,score,file).", valueName: "file.csv"))
    var scores: String?

    @Option(
        name: .customLong("exec"),
        help: ArgumentHelp(
            "Run this shell command on each detection, with WAKEWORD_FILE, WAKEWORD_TIME, WAKEWORD_MODEL, WAKEWORD_MODEL_FILE and WAKEWORD_SCORE set; detection waits for it.",
            valueName: "command"))
    var command: String?

    @Flag(
        name: .customLong("exit-on-first"),
        help: "Stop at the first detection and exit 0; exit 1 at the end of the input without one (2 on an error).")
    var exitOnFirst = false

    @Option(parsing: .unconditional, help: "Sample rate of raw stdin input, in Hz (default 16000).")
    var rate: Int?

    @Option(parsing: .unconditional, help: "Channels of raw stdin input (default 1).")
    var channels: Int?

    @Option(help: "Sample format of raw stdin input, little-endian (default s16).")
    var format: RawAudioFormat.Encoding?

    @Flag(help: "Do not print the closing summary on stderr.")
    var quiet = false

    @OptionGroup var encoder: EncoderOptions

    func validate() throws {
        if let channels, !(1...64).contains(channels) { throw ValidationError("--channels must be between 1 and 64") }
        if let rate, !(AudioFormat.minimumSampleRate...AudioFormat.maximumSampleRate).contains(rate) {
            throw ValidationError("--rate must be between \(AudioFormat.minimumSampleRate) and \(AudioFormat.maximumSampleRate) Hz")
        }
        guard inputs.filter({ $0 == "-" }).count <= 1 else {
            throw ValidationError("- (stdin) is given more than once; it can be read once")
        }
    }

    func run() throws {
        do {
            try work()
        } catch let error where exitOnFirst && !(error is ExitCode) {
            // As grep: 0 found, 1 not found, 2 trouble.
            FileHandle.standardError.write(Data("Error: \(WakeWordCommand.message(for: error))\n".utf8))
            throw ExitCode(2)
        }
    }

    private func work() throws {
        let chosen = try selection.load()
        let files = try Detect.expand(inputs)
        BLAS.setThreads(1)
        Interrupt.install()
        let fresh = try Detector(
            models: chosen.map(\.model), encoder: try encoder.load(), thresholds: chosen.map(\.threshold),
            refractory: selection.refractory, modelPaths: chosen.map(\.path))
        for model in chosen {
            if let problem = model.model.firingProblem(threshold: model.threshold) {
                FileHandle.standardError.write(
                    Data("warning: \(model.path): \(problem); retrain it with more clips and negative audio, or pass --threshold\n".utf8))
            }
        }
        let modelFiles = Dictionary(uniqueKeysWithValues: chosen.map { ($0.model.name, $0.path) })
        let hook = command.map(DetectionHook.init)
        let trace = try scores.map { try ScoreTrace(path: $0, models: chosen.map(\.model.name)) }
        var count = 0
        var samples = 0
        var passes = FeatureStream.PassCount()
        // Reports detections in order; true once --exit-on-first has what it waits for.
        let report = { (detections: [Detection], file: String) throws -> Bool in
            for detection in detections {
                let event = DetectEvent(file: file, modelFile: modelFiles[detection.model]!, detection: detection)
                // Unbuffered: each line reaches a pipe as soon as the word is detected.
                FileHandle.standardOutput.write(Data(((json ? event.json : event.line) + "\n").utf8))
                count += 1
                try hook?.run(event)
                if exitOnFirst { return true }
            }
            return false
        }
        do {
            inputs: for file in files {
                let input = file == "-" ? try standardInput() : nil
                let reader = try input?.reader ?? AudioReader(path: file)
                var detector = fresh
                defer { passes = passes + detector.passCount }
                let before = samples
                // Small reads from a live stream so that events come out as they happen.
                let chunk = file == "-" ? max(1, reader.sourceSampleRate / 10) : 4 * reader.sourceSampleRate
                while !Interrupt.requested {
                    let audio = try reader.read(maxFrames: chunk)
                    if audio.isEmpty { break }
                    samples += audio.count
                    if try report(detector.process(audio) { trace?.add($0, file: file) }, file) { break inputs }
                }
                // stdin that failed, not ended: say so rather than finish as if it had ended.
                if let failure = input?.readFailure { throw failure }
                // An empty stream is a stream that ended; a file without samples is a mistake.
                if samples == before && file != "-" && !Interrupt.requested {
                    throw WakeWordError.badAudio(path: file, reason: "it contains no audio samples")
                }
                if try report(detector.finish { trace?.add($0, file: file) }, file) { break inputs }
                reader.warnings.forEach { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) }
                if Interrupt.requested { break }
            }
            try trace?.commit()
        } catch {
            trace?.discard()
            throw error
        }
        if !quiet {
            let seconds = AudioFormat.seconds(samples: samples)
            let stopped = Interrupt.requested ? "stopped by Ctrl-C after" : "processed"
            let many = files.count > 1 ? " in \(files.count) inputs" : ""
            // What the screens spared: the share of the cascades' passes that ran the blocks after theirs.
            let deep =
                fresh.isCascade ? String(format: "; the deep blocks ran on %.1f %% of the encoder passes", 100 * passes.deepShare) : ""
            FileHandle.standardError.write(
                Data(
                    String(format: "%@ %.1f s of audio%@; %d detection%@%@\n", stopped, seconds, many, count, count == 1 ? "" : "s", deep)
                        .utf8))
        }
        if Interrupt.requested { throw ExitCode(130) }
        if exitOnFirst && count == 0 { throw ExitCode(1) }
    }

    /// The inputs as files ("-" kept), folders expanded; every file is opened once here, so
    /// a missing, unreadable or empty one stops the run before anything is detected.
    static func expand(_ inputs: [String]) throws -> [String] {
        let files = try inputs.flatMap { $0 == "-" ? ["-"] : try AudioPaths.expand([$0], what: "input") }
        for file in files where file != "-" {
            if try AudioReader(path: file).declaredDuration == 0 {
                throw WakeWordError.badAudio(path: file, reason: "it contains no audio samples")
            }
        }
        return files
    }

    /// stdin: a recognised container or raw PCM as --rate, --channels and --format describe
    /// (which a container's header overrides, with a warning).
    private func standardInput() throws -> StandardInput {
        let raw = RawAudioFormat(sampleRate: rate ?? 16_000, channels: channels ?? 1, encoding: format ?? .s16)
        let input = try StandardInput(raw: raw)
        if let container = input.container, rate != nil || channels != nil || format != nil {
            FileHandle.standardError.write(
                Data(
                    "warning: stdin holds \(container.rawValue) audio; --rate, --channels and --format describe raw input and are ignored\n"
                        .utf8))
        }
        return input
    }
}
