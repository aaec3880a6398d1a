import Foundation
import Testing

@testable import WakeWord

/// The `wakeword` tool as users run it: bad input, stdin, interrupted runs.
@Suite("CommandLine", .serialized) struct CommandLineTests {
    /// A bad or unusual input file and what every command must make of it.
    struct Case: CustomStringConvertible {
        enum Outcome {
            case error(String)
            case works
        }
        let name: String
        let path: String
        let outcome: Outcome
        var description: String { name }
    }

    /// Writes the battery's files into `directory`.
    static func cases(in directory: String) throws -> [Case] {
        func write(_ name: String, _ bytes: Data) throws -> String {
            let path = "\(directory)/\(name)"
            try bytes.write(to: URL(fileURLWithPath: path))
            return path
        }
        let tone = sine(frequency: 440, seconds: 1.2, rate: 16_000)
        let good = "\(directory)/good.wav"
        try AudioWriter.write(tone, encoding: .wav16, to: good)
        let goodBytes = try Data(contentsOf: URL(fileURLWithPath: good))
        var unsupported = goodBytes
        unsupported[20] = 0x77
        unsupported[21] = 0x77  // fmt chunk's format tag: no codec has 0x7777
        let zero = "\(directory)/zero-samples.wav"
        try AudioWriter.write([], encoding: .wav16, to: zero)
        let slow = "\(directory)/one-hertz.wav"
        try AudioWriter.write([0.1, 0.2], sampleRate: 1, encoding: .wav16, to: slow)
        let fast = "\(directory)/384k.wav"
        try AudioWriter.write(sine(frequency: 440, seconds: 1.2, rate: 384_000), sampleRate: 384_000, encoding: .wav16, to: fast)
        let eight = "\(directory)/eight-channels.wav"
        try AudioWriter.write(tone.flatMap { [Float](repeating: $0, count: 8) }, channels: 8, encoding: .wav24, to: eight)
        let nan = "\(directory)/nan.wav"
        let infinity = "\(directory)/infinity.wav"
        try AudioWriter.write(tone.enumerated().map { $0.offset == 8_000 ? .nan : $0.element }, encoding: .wavFloat, to: nan)
        try AudioWriter.write(tone.enumerated().map { $0.offset == 100 ? .infinity : $0.element }, encoding: .wavFloat, to: infinity)
        let empty = "\(directory)/folder-without-audio"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        try Data("notes".utf8).write(to: URL(fileURLWithPath: "\(empty)/notes.txt"))
        return [
            Case(name: "empty file", path: try write("empty.wav", Data()), outcome: .error("not usable audio")),
            Case(name: "zero samples", path: zero, outcome: .error("contains no audio samples")),
            Case(
                name: "text named .wav", path: try write("text.wav", Data("RIFF? no, a shopping list\n".utf8)),
                outcome: .error("not usable audio")),
            Case(name: "truncated header", path: try write("truncated.wav", goodBytes.prefix(30)), outcome: .error("not usable audio")),
            Case(name: "unsupported encoding", path: try write("codec.wav", unsupported), outcome: .error("not usable audio")),
            Case(name: "1 Hz", path: slow, outcome: .error("sample rate 1 Hz is outside")),
            Case(name: "NaN samples", path: nan, outcome: .error("NaN or infinite")),
            Case(name: "infinite samples", path: infinity, outcome: .error("NaN or infinite")),
            Case(name: "missing path", path: "\(directory)/missing.wav", outcome: .error("no such file")),
            Case(name: "folder without audio", path: empty, outcome: .error("folder-without-audio")),
            Case(name: "384 kHz", path: fast, outcome: .works),
            Case(name: "8 channels", path: eight, outcome: .works),
        ]
    }

    /// A model with a random head on the real encoder, written to `directory`.
    static func modelFile(in directory: String, threshold: Float? = nil) throws -> String {
        let path = "\(directory)/random.wakeword"
        try ModelFile.write(try DetectionTests.randomModel(encoder: try SharedEncoder.load(), threshold: threshold), to: path)
        return path
    }

    /// Checks a failed run: non-zero exit, no crash, the last line an error naming `path`.
    func expectCleanError(_ run: ToolRun, naming path: String, saying text: String, _ context: String) {
        #expect(!run.signalled && run.status != 0, "\(context): status \(run.status)")
        let last = run.stderrLines.last ?? ""
        #expect(last.hasPrefix("Error: ") && last.contains(path) && last.contains(text), "\(context): \(run.stderr)")
        #expect(!run.stderr.contains("Fatal error") && !run.stderr.contains("Stack dump"), "\(context)")
    }

    @Test("every command meets bad input with a one-line error naming the file, and leaves no output")
    func badInputBattery() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = try CommandLineTests.modelFile(in: directory)
        let good = "\(directory)/good.wav"
        for item in try CommandLineTests.cases(in: directory) {
            let output = "\(directory)/out-\(UUID().uuidString)"
            let runs: [(String, [String])] = [
                ("features", ["features", item.path, "--output", "\(output).npy"]),
                ("embed", ["embed", item.path, "--output", "\(output).npy"]),
                ("detect", ["detect", "--model", model, item.path]),
                ("train", ["train", "--positive", item.path, "--negative", good, "--output", "\(output).wakeword"]),
                ("eval", ["eval", "--model", model, "--positive", item.path, "--negative", good, "--output", output]),
            ]
            for (command, arguments) in runs {
                let run = try runTool(arguments)
                let context = "\(command) on \(item.name)"
                switch item.outcome {
                case .error(let text):
                    // train and eval take folders and name what they skipped; the others name the file.
                    expectCleanError(run, naming: item.path, saying: text, context)
                    #expect(
                        !FileManager.default.fileExists(atPath: "\(output).npy")
                            && !FileManager.default.fileExists(atPath: "\(output).wakeword")
                            && !FileManager.default.fileExists(atPath: output), "\(context) left output behind")
                case .works where ["features", "embed", "detect"].contains(command):
                    #expect(run.status == 0 && !run.signalled, "\(context): \(run.stderr)")
                case .works:
                    #expect(!run.signalled, "\(context)")
                }
            }
        }
    }

    @Test("a file without read permission is refused by name")
    func unreadable() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: directory)
        let path = "\(directory)/secret.wav"
        try AudioWriter.write(sine(frequency: 440, seconds: 1, rate: 16_000), to: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: path)
        // Root reads anything, so run as nobody (65534) where the tests run as root.
        let user: UInt32? = getuid() == 0 ? 65_534 : nil
        let run = try runTool(["features", path, "--output", "\(directory)/out.npy"], user: user)
        expectCleanError(run, naming: path, saying: "permission denied", "features on an unreadable file")
    }

    @Test("a damaged data chunk: what decodes is used, with one warning naming the file")
    func overlongDataChunk() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/overlong.wav"
        try AudioWriter.write(sine(frequency: 440, seconds: 1.2, rate: 16_000), encoding: .wav16, to: path)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes.replaceSubrange(40..<44, with: [0x00, 0x00, 0x10, 0x00])  // the data chunk claims 1 MiB
        try bytes.write(to: URL(fileURLWithPath: path))
        let run = try runTool(["features", path, "--output", "\(directory)/out.npy"])
        #expect(run.status == 0 && !run.signalled)
        #expect(run.stderrLines.count == 1 && run.stderr.contains(path) && run.stderr.contains("damaged"), "\(run.stderr)")
        #expect(try NumpyFile.read(path: "\(directory)/out.npy").shape == [80, 120])
    }

    @Test("damaged model and encoder files are refused by the commands that load them")
    func badModelsAndEncoders() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let clip = "\(directory)/clip.wav"
        try AudioWriter.write(sine(frequency: 440, seconds: 2, rate: 16_000), to: clip)
        let model = try CommandLineTests.modelFile(in: directory)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: model))
        for (name, data, text) in [
            ("truncated.wakeword", bytes.prefix(1_000), "truncated"), ("garbage.wakeword", Data("WAKEWORD".utf8 + [0, 1]), "signature"),
            (
                "flipped.wakeword",
                {
                    var d = bytes
                    d[30] ^= 0x01
                    return d
                }(), "checksum"
            ),
        ] {
            let path = "\(directory)/\(name)"
            try data.write(to: URL(fileURLWithPath: path))
            expectCleanError(try runTool(["detect", "--model", path, clip]), naming: path, saying: text, name)
        }
        // A model trained on another encoder.
        var foreign = try DetectionTests.randomModel(encoder: try SharedEncoder.load(), threshold: nil)
        foreign.encoder = try WhisperEncoder(
            model: try CTranslate2Model(
                bytes: CTranslate2Writer.tinyWhisper(width: 384, heads: 6, layers: 4, mels: 80, context: 4).data, path: "x")
        ).identity
        try ModelFile.write(foreign, to: "\(directory)/foreign.wakeword")
        expectCleanError(
            try runTool(["detect", "--model", "\(directory)/foreign.wakeword", clip]), naming: "\(directory)/foreign.wakeword",
            saying: "trained on encoder", "model from another encoder")
        // Encoders: another spec, a truncated file, a missing directory.
        for (name, data, text) in [
            (
                "other-spec",
                {
                    var w = CTranslate2Writer.tinyWhisper()
                    w.spec = "TransformerSpec"
                    return w.data
                }(), "TransformerSpec"
            ),
            ("truncated", CTranslate2Writer.tinyWhisper().data.prefix(5_000), "truncated"),
        ] {
            let encoder = "\(directory)/encoder-\(name)"
            try FileManager.default.createDirectory(atPath: encoder, withIntermediateDirectories: true)
            try data.write(to: URL(fileURLWithPath: "\(encoder)/model.bin"))
            expectCleanError(
                try runTool(["embed", clip, "--output", "\(directory)/o.npy", "--encoder", encoder]),
                naming: "\(encoder)/model.bin", saying: text, "encoder \(name)")
        }
        expectCleanError(
            try runTool(["embed", clip, "--output", "\(directory)/o.npy", "--encoder", "\(directory)/nowhere"]),
            naming: "\(directory)/nowhere", saying: "scripts/setup", "missing encoder")
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/o.npy"))
    }

    @Test("stdin gives the same events as the file; empty and short inputs give none and exit 0")
    func standardInput() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = try CommandLineTests.modelFile(in: directory)
        let stream = TestPaths.sample("stream/stream.flac")
        let samples = Array(try Clip.load(stream)[0..<(20 * 16_000)])
        let clip = "\(directory)/clip.wav"
        try AudioWriter.write(samples, encoding: .wav16, to: clip)
        var pcm = Data()
        for s in samples { withUnsafeBytes(of: Int16((s * 32_768).rounded()).littleEndian) { pcm.append(contentsOf: $0) } }
        let fromFile = try runTool(["detect", "--model", model, clip, "--json"])
        let fromStdin = try runTool(["detect", "--model", model, "-", "--json"], input: pcm)
        #expect(fromFile.status == 0 && fromStdin.status == 0)
        #expect(!fromFile.stdout.isEmpty)
        // The same events; the file field names the input ("-" for stdin).
        #expect(fromFile.stdout.replacingOccurrences(of: "\"file\": \"\(clip)\"", with: "\"file\": \"-\"") == fromStdin.stdout)
        for line in fromFile.stdout.split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(
                object?["time"] is Double && object?["model"] as? String == "random3" && object?["score"] is Double
                    && object?["file"] as? String == clip)
        }
        let empty = try runTool(["detect", "--model", model, "-"], input: Data())
        #expect(empty.status == 0 && empty.stdout.isEmpty)
        let short = try runTool(["detect", "--model", model, "-"], input: pcm.prefix(16_000))
        #expect(short.status == 0 && short.stdout.isEmpty)
    }

    @Test("detect warns, naming the file, about a model whose threshold will seldom fire; not at a threshold given")
    func seldomFires() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = try CommandLineTests.modelFile(in: directory, threshold: 0.99995)
        let clip = TestPaths.sample(
            "alexa/heldout/\(try FileManager.default.contentsOfDirectory(atPath: TestPaths.sample("alexa/heldout")).sorted()[0])")
        let own = try runTool(["detect", "--model", model, clip, "--quiet"])
        #expect(own.status == 0)
        #expect(own.stderrLines.contains { $0.hasPrefix("warning: \(model): its threshold 0.99995 is so close to 1") }, "\(own.stderr)")
        let given = try runTool(["detect", "--model", model, clip, "--quiet", "--threshold", "0.5"])
        #expect(given.status == 0 && !given.stderr.contains("warning"), "\(given.stderr)")
        let usable = try CommandLineTests.modelFile(in: directory, threshold: 0.9)
        var read = try ModelFile.read(path: usable)
        #expect(read.firingProblem() == nil)
        read.training.expectedFRR = 0.6
        #expect(read.firingProblem() == "training expects it to miss 60% of its words at threshold 0.9000")
        #expect(read.firingProblem(threshold: 0.5) == nil)
    }

    /// A small but real training run's arguments, writing `model` with `cache`.
    static func trainArguments(model: String, cache: String) -> [String] {
        let negatives = try! FileManager.default.contentsOfDirectory(atPath: TestPaths.sample("heldout-negatives")).sorted().prefix(3)
        return ["train", "--positive", TestPaths.sample("alexa/train"), "--negative"]
            + negatives.map { TestPaths.sample("heldout-negatives/\($0)") }
            + ["--copies", "3", "--output", model, "--cache-dir", cache, "--quiet"]
    }

    @Test("train --pools: the head averages over each length given, longest first, and the model and info say so")
    func trainPools() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = "\(directory)/m.wakeword"
        let run = try runTool(
            CommandLineTests.trainArguments(model: model, cache: "\(directory)/cache") + ["--pools", "0.2", "1", "0.51"])
        try #require(run.status == 0, "\(run.stderr)")
        // 0.51 s is 25.5 encoder positions of 20 ms: rounded to 26, 0.52 s.
        let read = try ModelFile.read(path: model)
        #expect(read.windowing.pools == [16_000, 8_320, 3_200])
        #expect(read.head.inputs == 3 * 384, "\(read.head.inputs)")
        #expect(run.stdout.contains("pools 1.0 s + 0.52 s + 0.2 s"), "\(run.stdout)")
        let info = try runTool(["info", model])
        #expect(info.stdout.contains("a score every 0.1 s from the last 1 s, 0.52 s and 0.2 s"), "\(info.stdout)")
    }

    @Test("train killed at random moments never leaves a broken model or cache entry")
    func killedTraining() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (model, cache) = ("\(directory)/m.wakeword", "\(directory)/cache")
        let old = try CommandLineTests.modelFile(in: directory)
        try FileManager.default.copyItem(atPath: old, toPath: model)
        let oldBytes = try Data(contentsOf: URL(fileURLWithPath: model))
        var generator = SplitMix64(seed: 42)
        for _ in 0..<5 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: TestPaths.binary)
            process.arguments = CommandLineTests.trainArguments(model: model, cache: cache)
            process.environment = ProcessInfo.processInfo.environment.merging(["WAKEWORD_ENCODER": TestPaths.encoderDirectory]) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32.random(in: 300_000...6_000_000, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            // The model is the old one or a complete new one; every cache entry is whole.
            let loaded = try ModelFile.read(path: model)
            #expect(try Data(contentsOf: URL(fileURLWithPath: model)) == oldBytes || loaded.name == "m")
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: cache)) ?? [] where entry.hasSuffix(".features") {
                #expect(FeatureCache.isIntact("\(cache)/\(entry)"), "\(entry)")
            }
        }
        // A run to the end replaces the model and clears the killed runs' temporary files.
        let run = try runTool(CommandLineTests.trainArguments(model: model, cache: cache))
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try ModelFile.read(path: model).name == "m")
        let leftovers =
            try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".tmp") }
            + ((try? FileManager.default.contentsOfDirectory(atPath: cache)) ?? []).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test("Ctrl-C stops training cleanly, with a message and the old model intact")
    func interruptedTraining() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = "\(directory)/m.wakeword"
        try FileManager.default.copyItem(atPath: try CommandLineTests.modelFile(in: directory), toPath: model)
        let oldBytes = try Data(contentsOf: URL(fileURLWithPath: model))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestPaths.binary)
        process.arguments = CommandLineTests.trainArguments(model: model, cache: "\(directory)/cache")
        process.environment = ProcessInfo.processInfo.environment.merging(["WAKEWORD_ENCODER": TestPaths.encoderDirectory]) { $1 }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        usleep(2_500_000)
        kill(process.processIdentifier, SIGINT)
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 130, "\(stderr)")
        #expect(stderr.contains("interrupted; no output was written"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: model)) == oldBytes)
    }
}
