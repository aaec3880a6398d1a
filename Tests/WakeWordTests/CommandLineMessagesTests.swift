import Foundation
import Testing

@testable import WakeWord

/// What the tool says when the command line or the audio is not what it expects.
@Suite("CommandLine: messages", .serialized) struct CommandLineMessagesTests {
    @Test("an unknown option is reported as unknown, with the closest known one, before anything else is checked")
    func unknownOption() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (arguments, message) in [
            (
                ["train", "--postive", TestPaths.sample("alexa/train"), "--output", "\(directory)/m.wakeword"],
                "Unknown option '--postive'. Did you mean '--positive'?"
            ),
            (["detect", "--modle", "\(directory)/m.wakeword", "x.wav"], "Unknown option '--modle'. Did you mean '--model'?"),
            (
                ["eval", "--model", "m.wakeword", "--negative", "n.wav", "--output=\(directory)/r", "--snt=5"],
                "Unknown option '--snt'. Did you mean '--snr'?"
            ),
            (["eval", "--xyzzy"], "Unknown option '--xyzzy'"),
        ] {
            let run = try runTool(arguments)
            #expect(run.status == 64 && run.stderrLines.first == "Error: \(message)", "\(arguments): \(run.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        // After "--" an argument is an input, not an option.
        let file = try runTool(["features", "--output", "\(directory)/o.npy", "--", "--no-such-file.wav"])
        #expect(file.stderrLines.last == "Error: --no-such-file.wav: no such file or directory", "\(file.stderr)")
    }

    @Test("negative numbers parse after a space as after '=', and meet the range check")
    func negativeNumbers() throws {
        for arguments in [["--copies", "-1"], ["--copies=-1"]] {
            let run = try runTool(["train", "--positive", TestPaths.sample("alexa/train"), "--output", "/tmp/never.wakeword"] + arguments)
            #expect(run.status == 64 && run.stderrLines.first == "Error: --copies must be at least 1", "\(arguments): \(run.stderr)")
        }
        // Smoothing: 1 to 4 hops (a training scene labels 4 hops after the word).
        for value in ["0", "5", "-2"] {
            let run = try runTool([
                "train", "--positive", TestPaths.sample("alexa/train"), "--output", "/tmp/never.wakeword", "--smoothing", value,
            ])
            #expect(run.status == 64 && run.stderrLines.first == "Error: --smoothing must be from 1 to 4 hops", "\(value): \(run.stderr)")
        }
        // Averaged heads: 1 to 8 (each adds about 50 KB to the model).
        for value in ["0", "9", "-1"] {
            let run = try runTool([
                "train", "--positive", TestPaths.sample("alexa/train"), "--output", "/tmp/never.wakeword", "--ensemble", value,
            ])
            #expect(run.status == 64 && run.stderrLines.first == "Error: --ensemble must be from 1 to 8 heads", "\(value): \(run.stderr)")
        }
        // Hidden units of each head: 1 to 128.
        for value in ["0", "129"] {
            let run = try runTool([
                "train", "--positive", TestPaths.sample("alexa/train"), "--output", "/tmp/never.wakeword", "--hidden", value,
            ])
            #expect(run.status == 64 && run.stderrLines.first == "Error: --hidden must be from 1 to 128 units", "\(value): \(run.stderr)")
        }
        // The folds' average holds one head per fold; several heads per fit need a refit.
        let averaged = try runTool([
            "train", "--positive", TestPaths.sample("alexa/train"), "--output", "/tmp/never.wakeword", "--ensemble", "2",
            "--final-head", "fold-average",
        ])
        #expect(
            averaged.status == 64
                && averaged.stderrLines.first
                    == "Error: --final-head fold-average averages one head per fold: use it with --ensemble 1",
            "\(averaged.stderr)")
        // Pool lengths: 0.02 to 3 s, no two the same once rounded to whole encoder positions (20 ms).
        for arguments in [
            ["--pools", "0"], ["--pools", "1", "4"], ["--pools", "1", "1"], ["--pools", "0.3", "0.305"],
        ] {
            let run = try runTool(["train", "--positive", TestPaths.sample("alexa/train"), "--output", "/tmp/never.wakeword"] + arguments)
            #expect(
                run.status == 64
                    && run.stderrLines.first
                        == "Error: --pools must be up to 8 different lengths (in steps of 0.02 s), each from 0.02 to 3 seconds",
                "\(arguments): \(run.stderr)")
        }
        // The screen reads a block before the head's, and cannot be combined with attention memory.
        for (arguments, message) in [
            (["--screen-layer", "3"], "Error: --screen-layer must be 0 (none) or a block before --layer 3"),
            (["--screen-layer", "2", "--layer", "2"], "Error: --screen-layer must be 0 (none) or a block before --layer 2"),
            (["--screen-layer", "-1"], "Error: --screen-layer must be 0 (none) or a block before --layer 3"),
            (
                ["--screen-layer", "1", "--window", "1", "--stride", "1", "--memory", "1"],
                "Error: --screen-layer cannot be used with --memory: attention memory runs every block on every pass"
            ),
        ] {
            let run = try runTool(
                ["train", "--positive", TestPaths.sample("alexa/train"), "--output", "/tmp/never.wakeword"] + arguments)
            #expect(run.status == 64 && run.stderrLines.first == message, "\(arguments): \(run.stderr)")
        }
        let layer = try runTool([
            "embed",
            TestPaths.sample(
                "alexa/train/\(try FileManager.default.contentsOfDirectory(atPath: TestPaths.sample("alexa/train")).sorted()[0])"),
            "--output", "/tmp/never.npy", "--layer", "-2",
        ])
        #expect(layer.status != 0 && layer.stderrLines.last == "Error: --layer -2 is outside 1...4 for this encoder", "\(layer.stderr)")
    }

    @Test("an MP3 that sox writes reads without a damaged-data warning (its declared length is an estimate)")
    func mp3WithoutWarning() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // 28.17 s at 44.1 kHz stereo, as in the report: libsndfile declares 28.28 s and decodes 28.21 s.
        let mp3 = "\(directory)/stream.mp3"
        let sox = Process()
        sox.executableURL = URL(fileURLWithPath: "/usr/bin/sox")
        sox.arguments = [TestPaths.sample("stream/stream.flac"), "-r", "44100", "-c", "2", mp3, "trim", "0", "28.17"]
        try sox.run()
        sox.waitUntilExit()
        try #require(sox.terminationStatus == 0, "sox could not write MP3")
        let run = try runTool(["features", mp3, "--output", "\(directory)/o.npy"])
        #expect(run.status == 0 && run.stderr.isEmpty, "\(run.stderr)")
        // 100 frames per second of what decodes: 28.17 s plus the encoder's padding, not more than 28.28 s.
        let frames = try NumpyFile.read(path: "\(directory)/o.npy").shape
        #expect(frames[0] == 80 && (2_817...2_828).contains(frames[1]), "\(frames)")
        // A FLAC that stops early still warns (the shipped damaged clip: 0.36 s of about 1 s).
        let damaged = try runTool(["features", TestPaths.sample("damaged/126.flac"), "--output", "\(directory)/d.npy"])
        #expect(damaged.status == 0 && damaged.stderr.contains("damaged data: decoding stopped at 0.36 s"), "\(damaged.stderr)")
    }
}
