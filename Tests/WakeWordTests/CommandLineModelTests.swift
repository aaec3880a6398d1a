import Foundation
import Testing

@testable import WakeWord

/// `info` and `retune`: looking inside a model and moving its operating point.
@Suite("CommandLine: info and retune", .serialized) struct CommandLineModelTests {
    typealias Fixture = CommandLineDetectTests.Fixture

    /// The header as `info --json` prints it.
    static func header(_ path: String) throws -> [String: Any] {
        let run = try runTool(["info", "--json", path])
        try #require(run.status == 0, "\(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }

    @Test("info: a folds' average says so for the head and the screen; a refitted screen beside averaged heads is one")
    func infoAveraged() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let encoder = try SharedEncoder.load()
        var generator = SplitMix64(seed: 5)
        let inputs = encoder.dimensions.width * Windowing.standard.pools.count
        var model = try DetectionTests.randomModel(encoder: encoder, threshold: 0.9, seed: 6, layer: 3)
        model.head = TriggerHead(kind: .mlp, inputs: inputs, hidden: 80, generator: &generator)
        model.training.averagedHeads = 5
        model.screen = Screen(layer: 2, head: TriggerHead(kind: .mlp, inputs: inputs, hidden: 80, generator: &generator), threshold: -3)
        let path = "\(fixture.directory)/folds.wakeword"
        try ModelFile.write(model, to: path)
        func line(_ label: String) throws -> String {
            let run = try runTool(["info", path])
            #expect(run.status == 0, "\(run.stderr)")
            return run.stdout.split(separator: "\n").first { $0.hasPrefix("  \(label):") }.map(String.init) ?? ""
        }
        #expect(try line("detection").contains("encoder block 3, the average of 5 mlp heads (16 hidden units each);"))
        #expect(try line("screen").contains("encoder block 2, the average of 5 mlp heads (16 hidden units each), logit -3.00;"))
        // Four heads refitted (--ensemble 4) beside one screen of 16 units.
        model.head = TriggerHead(kind: .mlp, inputs: inputs, hidden: 64, generator: &generator)
        model.training.averagedHeads = 4
        model.screen = Screen(layer: 2, head: TriggerHead(kind: .mlp, inputs: inputs, hidden: 16, generator: &generator), threshold: -3)
        try ModelFile.write(model, to: path)
        #expect(try line("detection").contains("the average of 4 mlp heads (16 hidden units each);"))
        #expect(try line("screen").contains("encoder block 2, an mlp head (16 hidden units), logit -3.00;"))
    }

    @Test("info: the header in words and as JSON, values as trained")
    func info() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let encoder = try SharedEncoder.load()
        var model = try DetectionTests.randomModel(encoder: encoder, threshold: 0.8123, seed: 6)
        model.name = "toaster"
        model.training.positiveClips = 12
        model.training.positiveClipsSkipped = 1
        model.training.copiesPerClip = 24
        model.training.trainingExamples = 4_321
        model.training.negativeFiles = 63
        model.training.negativeSeconds = 780
        model.training.calibrationSeconds = 936
        model.training.seed = 7
        model.training.date = "2025-01-02T03:04:05Z"
        model.training.toolVersion = "0.1.0"
        model.training.targetFAPerHour = 0.5
        model.training.expectedFAPerHour = 0.45
        model.training.expectedFRR = 0.042
        model.training.expectedFRRInterval = ConfidenceInterval(lower: 0.0101, upper: 0.158)
        model.training.expectedFAPerHourInterval = ConfidenceInterval(lower: 0, upper: 3.44)
        model.smoothing = 3
        let screenHead = try DetectionTests.randomModel(encoder: encoder, threshold: nil, seed: 8, layer: 1).head
        model.screen = Screen(layer: 1, head: screenHead, threshold: -3.5)
        model.training.screenOpenedPasses = 0.0642
        let path = "\(fixture.directory)/toaster.wakeword"
        try ModelFile.write(model, to: path)
        let run = try runTool(["info", path])
        #expect(run.status == 0 && run.stderr.isEmpty)
        #expect(
            run.stdout == """
                \(path)
                  name:       toaster
                  threshold:  0.8123, calibrated by training for 0.5 false accepts per hour
                  expected:   4.2 % of words missed (1 to 16 %), 0.45 false accepts per hour (0 to 3.4); 90 % intervals, cross-validated on 15.6 min of negative audio
                  detection:  encoder block 2, a linear head; 1 s windows every 0.5 s; a score every 0.1 s from the last 1 s and 0.3 s; score averaged over 3 hops; 0.5 s refractory
                  screen:     encoder block 1, a linear head, logit -3.50; block 2 and the head run only on the passes it opens (6.4 % of the negative audio's in training)
                  training:   12 clips of the word (1 skipped), 24 copies each, 4321 examples; 63 negative files (13.0 min); seed 7
                  trained:    2025-01-02T03:04:05Z with wakeword 0.1.0
                  encoder:    \(encoder.identity)

                """)
        let header = try CommandLineModelTests.header(path)
        #expect(header["file"] as? String == path && header["name"] as? String == "toaster" && header["layer"] as? Int == 2)
        #expect(abs((header["threshold"] as? Double ?? 0) - 0.8123) < 1e-6 && header["retuning"] == nil)
        #expect(header["smoothing_hops"] as? Int == 3)
        #expect((header["screen"] as? [String: Any])?["layer"] as? Int == 1)
        #expect((header["windowing"] as? [String: Any])?["window"] as? Int == 16_000)
        let training = try #require(header["training"] as? [String: Any])
        #expect(training["expected_frr"] as? Double == 0.042 && training["positive_clips"] as? Int == 12 && training["seed"] as? Int == 7)
        #expect((training["expected_frr_interval"] as? [String: Any])?["upper"] as? Double == 0.158)
        // A file from before intervals says the rates alone.
        model.training.expectedFRRInterval = nil
        model.training.expectedFAPerHourInterval = nil
        try ModelFile.write(model, to: path)
        #expect(
            try runTool(["info", path]).stdout.contains(
                "  expected:   4.2 % of words missed, 0.45 false accepts per hour (cross-validated; 15.6 min of negative audio)\n"))
        // Two models: a blank line between them in words, one line each in JSON; a damaged one is an error.
        let other = try fixture.model(seed: 2)
        #expect(try runTool(["info", path, other]).stdout.components(separatedBy: "\n\n").count == 2)
        #expect(try runTool(["info", "--json", path, other]).stdout.split(separator: "\n").count == 2)
        try Data("WAKEWORD".utf8).write(to: URL(fileURLWithPath: "\(fixture.directory)/bad.wakeword"))
        let bad = try runTool(["info", path, "\(fixture.directory)/bad.wakeword"])
        #expect(
            bad.status != 0 && bad.stdout.isEmpty
                && bad.stderrLines == [
                    "Error: \(fixture.directory)/bad.wakeword: not a usable wake-word model: it does not start with the WAKEWORD signature"
                ],
            "\(bad.stderr)")
    }

    @Test("retune --threshold with negatives: the new threshold, its false accepts there, stored and used")
    func retuneThreshold() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let model = try fixture.model(seed: 6)
        let output = "\(fixture.directory)/strict.wakeword"
        let run = try runTool(["retune", model, "--threshold", "0.52", "--negative", fixture.clip, "--output", output, "--quiet"])
        // At 0.52 the clip fires once (4.70 s, 0.523) in 20 s: 180 per hour.
        #expect(
            run.status == 0
                && run.stdout == """
                    wrote \(output): "random6", threshold 0.5200 (was 0.5000)
                    on the negative audio: 1 false accept in 20.0 s of negative audio (1 file): 180.00 per hour

                    """,
            "\(run.stdout) \(run.stderr)")
        let lines = try runTool(["info", output]).stdout.split(separator: "\n").map(String.init)
        #expect(
            lines.contains { $0.hasPrefix("  threshold:  0.5200, set by retune on ") && $0.hasSuffix(" (training calibrated 0.5000)") },
            "\(lines)")
        #expect(lines.contains("  measured:   1 false accept in 20.0 s of negative audio (1 file): 180.00 per hour"))
        #expect(lines.contains { $0.hasPrefix("  expected:   at training's threshold 0.5000: ") })
        let retuning = try #require(try CommandLineModelTests.header(output)["retuning"] as? [String: Any])
        #expect(abs((retuning["trained_threshold"] as? Double ?? 0) - 0.5) < 1e-9 && retuning["trained_name"] as? String == "random6")
        #expect((retuning["measured"] as? [String: Any])?["false_accepts"] as? Int == 1)
        let detected = CommandLineDetectTests.Event.all(try runTool(["detect", "--model", output, fixture.clip]))
        #expect(detected == [.init(time: "4.70", model: "random6", score: "0.523", file: fixture.clip)])
        // Without negatives the rate is not claimed.
        let blind = try runTool(["retune", model, "--threshold", "0.6", "--output", "\(fixture.directory)/blind.wakeword"])
        #expect(
            blind.stdout.hasSuffix("false accepts at the new threshold not measured: give --negative audio, or check with wakeword eval\n"),
            "\(blind.stdout)")
    }

    @Test("retune --target-fa-per-hour: the lowest threshold the negatives allow, extrapolated when they are too short")
    func retuneTarget() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let model = try fixture.model(seed: 6)
        // 360 per hour over 20 s allows 2 false accepts.
        let output = "\(fixture.directory)/two.wakeword"
        let run = try runTool(["retune", model, "--target-fa-per-hour", "360", "--negative", fixture.clip, "--output", output, "--quiet"])
        #expect(
            run.status == 0
                && run.stdout.hasSuffix("on the negative audio: 2 false accepts in 20.0 s of negative audio (1 file): 360.00 per hour\n"),
            "\(run.stdout)")
        let threshold = Float(try CommandLineModelTests.header(output)["threshold"] as? Double ?? 0)
        #expect(CommandLineDetectTests.Event.all(try runTool(["detect", "--model", output, fixture.clip])).count == 2)
        let lower = try runTool(["detect", "--model", model, "--threshold", String(threshold - 0.0005), fixture.clip])
        #expect(CommandLineDetectTests.Event.all(lower).count >= 3, "\(lower.stdout)")
        // 0.5 per hour cannot show in 20 s: extrapolated above every score there (the highest is 0.530).
        let far = "\(fixture.directory)/far.wakeword"
        let extrapolated = try runTool([
            "retune", model, "--target-fa-per-hour", "0.5", "--negative", fixture.clip, "--output", far, "--quiet",
        ])
        #expect(
            extrapolated.stdout.hasSuffix(
                "on the negative audio: 0 false accepts in 20.0 s of negative audio (1 file), too short to show the rate:"
                    + " 0.50 per hour extrapolated from its highest scores\n"), "\(extrapolated.stdout)")
        #expect((try CommandLineModelTests.header(far)["threshold"] as? Double ?? 0) > 0.53)
        #expect(try runTool(["detect", "--model", far, fixture.clip]).stdout.isEmpty)
    }

    @Test("retune --name renames, keeps what was measured, and never overwrites its input")
    func retuneNameAndInput() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let model = try fixture.model(seed: 6)
        let strict = "\(fixture.directory)/strict.wakeword"
        #expect(try runTool(["retune", model, "--threshold", "0.52", "--negative", fixture.clip, "-o", strict, "--quiet"]).status == 0)
        let renamed = "\(fixture.directory)/renamed.wakeword"
        try Data("an older file".utf8).write(to: URL(fileURLWithPath: renamed))
        let rename = try runTool(["retune", strict, "--name", "toaster", "--output", renamed])
        #expect(
            rename.status == 0 && rename.stdout == "wrote \(renamed): \"toaster\", threshold 0.5200 (was 0.5200)\n",
            "\(rename.stdout) \(rename.stderr)")
        let lines = try runTool(["info", renamed]).stdout.split(separator: "\n").map(String.init)
        #expect(
            lines.contains("  name:       toaster (trained as random6)")
                && lines.contains("  measured:   1 false accept in 20.0 s of negative audio (1 file): 180.00 per hour"), "\(lines)")
        #expect(CommandLineDetectTests.Event.all(try runTool(["detect", "--model", renamed, fixture.clip])).map(\.model) == ["toaster"])
        // The input under any of its names is refused, and left as it was.
        let before = try Data(contentsOf: URL(fileURLWithPath: strict))
        try FileManager.default.createSymbolicLink(atPath: "\(fixture.directory)/link.wakeword", withDestinationPath: strict)
        try FileManager.default.linkItem(atPath: strict, toPath: "\(fixture.directory)/hard.wakeword")
        for output in [
            strict, "\(fixture.directory)/./strict.wakeword", "\(fixture.directory)/link.wakeword", "\(fixture.directory)/hard.wakeword",
        ] {
            let run = try runTool(["retune", strict, "--threshold", "0.9", "--output", output])
            #expect(
                run.status != 0
                    && run.stderrLines == [
                        "Error: \(output): this is the input model; retune never changes it, so write the retuned model to another file"
                    ],
                "\(run.stderr)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: strict)) == before)
        for (arguments, message) in [
            (["--target-fa-per-hour", "1"], "--target-fa-per-hour needs --negative audio to read the rate from"),
            (
                ["--threshold", "0.6", "--target-fa-per-hour", "1", "--negative", fixture.clip],
                "give --threshold or --target-fa-per-hour, not both"
            ),
            ([], "give a new --threshold, a --target-fa-per-hour with --negative audio, or a new --name"),
            (["--threshold", "1.5"], "--threshold must be between 0 and 1, not 1.5"),
        ] {
            let run = try runTool(["retune", strict, "--output", "\(fixture.directory)/x.wakeword"] + arguments)
            #expect(run.status == 64 && run.stderrLines.first == "Error: \(message)", "\(arguments): \(run.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: "\(fixture.directory)/x.wakeword"))
        // Negatives too short to score a single hop: an error, not a threshold read off nothing.
        let short = "\(fixture.directory)/one-second.wav"
        try AudioWriter.write([Float](repeating: 0.01, count: 16_000), to: short)
        let run = try runTool([
            "retune", strict, "--target-fa-per-hour", "1", "--negative", short, "--output", "\(fixture.directory)/x.wakeword",
        ])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(
            run.stderrLines.last
                == "Error: the --negative audio (1 file) is too short to score: detection scores its first hop 1.5 s into a stream; give minutes of audio"
        )
        #expect(!FileManager.default.fileExists(atPath: "\(fixture.directory)/x.wakeword"))
    }

    @Test("an output that cannot be written is refused before any work, with the path and why, and nothing is written")
    func unwritableOutputs() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let model = try fixture.model(seed: 6)
        let (missing, file) = ("\(fixture.directory)/missing", "\(fixture.directory)/a-file")
        try Data("not a folder".utf8).write(to: URL(fileURLWithPath: file))
        let cases: [([String], String)] = [
            (
                ["retune", model, "--threshold", "0.6", "--output", "\(missing)/m.wakeword"],
                "\(missing)/m.wakeword: cannot write: directory \(missing) does not exist; create it first"
            ),
            (
                ["retune", model, "--threshold", "0.6", "--output", fixture.folder],
                "\(fixture.folder): cannot write: it names a directory; give a file name"
            ),
            (
                ["train", "--positive", fixture.clip, "--negative", fixture.clip, "--output", "\(missing)/m.wakeword"],
                "\(missing)/m.wakeword: cannot write: directory \(missing) does not exist; create it first"
            ),
            (
                ["eval", "--model", model, "--negative", fixture.clip, "--output", file],
                "\(file): cannot write: it is a file, not a directory"
            ),
            (
                ["eval", "--model", model, "--negative", fixture.clip, "--output", "\(file)/report/x"],
                "\(file)/report/x: cannot write: \(file) is a file, not a directory"
            ),
            (
                ["eval", "--model", model, "--negative", fixture.clip, "--output", "\(missing)/r", "--save-audio", "\(file)/audio"],
                "\(file)/audio: cannot write: \(file) is a file, not a directory"
            ),
            (
                ["retune", model, "--threshold", "0.6", "--output", "\(file)/m.wakeword"],
                "\(file)/m.wakeword: cannot write: \(file) is a file, not a directory"
            ),
            (
                ["retune", model, "--threshold", "0.6", "--output", "\(missing)/"],
                "\(missing)/: cannot write: it names a directory; give a file name"
            ),
            (
                ["eval", "--model", model, "--negative", fixture.clip, "--output", "\(file)/"],
                "\(file)/: cannot write: it is a file, not a directory"
            ),
            (
                ["detect", "--model", model, fixture.clip, "--scores", fixture.folder],
                "\(fixture.folder): cannot write: it names a directory; give a file name"
            ),
            (
                ["embed", fixture.clip, "--output", "\(missing)/e.npy"],
                "\(missing)/e.npy: cannot write: directory \(missing) does not exist; create it first"
            ),
        ]
        for (arguments, message) in cases {
            let run = try runTool(arguments)
            #expect(run.status == 1 && run.stderrLines == ["Error: \(message)"], "\(arguments): \(run.stderr)")
        }
        // Nothing was made: no folder on the way to an output, no report beside the file.
        #expect(!FileManager.default.fileExists(atPath: missing))
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == Data("not a folder".utf8))
    }

    @Test("training's expected misses hold at the threshold training gave, not at a retuned one")
    func firingProblemAfterRetune() throws {
        var model = try DetectionTests.randomModel(encoder: try SharedEncoder.load(), threshold: 0.9, seed: 6)
        model.training.expectedFRR = 0.6
        #expect(model.firingProblem() == "training expects it to miss 60% of its words at threshold 0.9000")
        model.retuning = Retuning(trainedThreshold: 0.9, trainedName: "random6", date: "", targetFAPerHour: nil, measured: nil)
        model.threshold = 0.5
        #expect(model.firingProblem() == nil)
        #expect(model.firingProblem(threshold: 0.9) == "training expects it to miss 60% of its words at threshold 0.9000")
        // The record survives the file.
        let path = NSTemporaryDirectory() + "retuned-\(UUID().uuidString).wakeword"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ModelFile.write(model, to: path)
        #expect(try ModelFile.read(path: path).retuning == model.retuning)
    }
}
