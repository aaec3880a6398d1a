import Foundation
import Testing

@testable import WakeWord

/// `detect` as scripts use it: several inputs, stdin containers, per-model thresholds,
/// --exec and --exit-on-first.
@Suite("CommandLine: detect", .serialized) struct CommandLineDetectTests {
    /// One output line of `detect`.
    struct Event: Hashable {
        let time: String
        let model: String
        let score: String
        let file: String

        init(line: Substring) {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            precondition(fields.count == 4, "not a detection line: \(line)")
            (time, model, score, file) = (fields[0], fields[1], fields[2], fields[3])
        }

        init(time: String, model: String, score: String, file: String) {
            (self.time, self.model, self.score, self.file) = (time, model, score, file)
        }

        static func all(_ run: ToolRun) -> [Event] { run.stdout.split(separator: "\n").map(Event.init(line:)) }
    }

    /// A folder with the audio and models the tests share.
    struct Fixture {
        let directory: String
        /// The labelled stream's first 20 s, as 16-bit WAV.
        var clip: String { "\(directory)/clip.wav" }
        /// 3 s of silence, then the clip, inside a folder.
        var later: String { "\(directory)/folder/later.wav" }
        var folder: String { "\(directory)/folder" }
        let samples: [Float]

        init() throws {
            directory = try TestPaths.temporaryDirectory()
            samples = Array(try Clip.load(TestPaths.sample("stream/stream.flac"))[0..<(20 * 16_000)])
            try AudioWriter.write(samples, encoding: .wav16, to: "\(directory)/clip.wav")
            try FileManager.default.createDirectory(atPath: "\(directory)/folder", withIntermediateDirectories: true)
            try AudioWriter.write([Float](repeating: 0, count: 3 * 16_000) + samples, encoding: .wav16, to: "\(directory)/folder/later.wav")
        }

        /// A random-head model named "random<seed>" in `directory`.
        func model(seed: UInt64, file: String? = nil) throws -> String {
            let path = "\(directory)/\(file ?? "random\(seed)").wakeword"
            try ModelFile.write(try DetectionTests.randomModel(encoder: try SharedEncoder.load(), threshold: nil, seed: seed), to: path)
            return path
        }

        func cleanUp() { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// `time` plus `seconds`, as detect prints times.
    static func shifted(_ time: String, by seconds: Double) -> String { String(format: "%.2f", Double(time)! + seconds) }

    @Test("several inputs, files and folders: each event names its file, times count from each file's start")
    func severalInputs() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let model = try fixture.model(seed: 6)
        let alone = try runTool(["detect", "--model", model, fixture.clip])
        let events = Event.all(alone)
        try #require(alone.status == 0 && !events.isEmpty, "\(alone.stderr)")
        #expect(events.allSatisfy { $0.file == fixture.clip && $0.model == "random6" } && events.count == 8)
        let scores = "\(fixture.directory)/scores.csv"
        let both = try runTool(["detect", "--model", model, fixture.clip, fixture.folder, "--scores", scores])
        #expect(
            both.status == 0
                && both.stderrLines.last == String(format: "processed 43.0 s of audio in 2 inputs; %d detections", 2 * events.count),
            "\(both.stderr)")
        // The second file is the first after 3 s of silence (six encoder strides): the same events, 3 s later.
        let expected =
            events
            + events.map {
                Event(time: CommandLineDetectTests.shifted($0.time, by: 3), model: $0.model, score: $0.score, file: fixture.later)
            }
        #expect(Event.all(both) == expected)
        // Every hop of both files, with its file: 1.5 s to 20.0 s and 1.5 s to 23.0 s every 0.1 s.
        let rows = try String(contentsOfFile: scores, encoding: .utf8).split(separator: "\n").map {
            $0.split(separator: ",").map(String.init)
        }
        #expect(rows.first == ["time", "model", "score", "file"])
        let clipRows = rows.dropFirst().filter { $0[3] == fixture.clip }
        let laterRows = rows.dropFirst().filter { $0[3] == fixture.later }
        #expect(clipRows.count == 186 && laterRows.count == 216 && rows.count == 1 + 186 + 216)
        #expect(clipRows.first?[0] == "1.50" && clipRows.last?[0] == "20.00" && laterRows.last?[0] == "23.00")
        let later = Dictionary(uniqueKeysWithValues: laterRows.map { ($0[0], $0[2]) })
        #expect(clipRows.allSatisfy { later[CommandLineDetectTests.shifted($0[0], by: 3)] == $0[2] })
        // JSON Lines carry the file too.
        let json = try runTool(["detect", "--model", model, fixture.folder, "--json", "--quiet"])
        let objects = try json.stdout.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(objects.count == events.count && objects.allSatisfy { $0["file"] as? String == fixture.later })
        #expect(
            objects.map { String(format: "%.2f", $0["time"] as! Double) } == events.map { CommandLineDetectTests.shifted($0.time, by: 3) })
    }

    @Test("stdin: a WAV, FLAC or Ogg stream is decoded by its header; raw PCM stays the default")
    func standardInputContainers() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let model = try fixture.model(seed: 6)
        let events = Event.all(try runTool(["detect", "--model", model, fixture.clip]))
        let fromStdin = events.map { Event(time: $0.time, model: $0.model, score: $0.score, file: "-") }
        try #require(!events.isEmpty)
        let flac = "\(fixture.directory)/clip.flac"
        let ogg = "\(fixture.directory)/clip.ogg"
        try AudioWriter.write(fixture.samples, encoding: .flac16, to: flac)
        try AudioWriter.write(fixture.samples, encoding: .oggVorbis, to: ogg)
        for file in [fixture.clip, flac] {
            let run = try runTool(["detect", "--model", model, "-"], input: try Data(contentsOf: URL(fileURLWithPath: file)))
            #expect(run.status == 0 && Event.all(run) == fromStdin, "\(file): \(run.stdout) \(run.stderr)")
            #expect(run.stderrLines == ["processed 20.0 s of audio; \(events.count) detections"], "\(run.stderr)")
        }
        // Ogg Vorbis is lossy: the same length is decoded, the scores may differ a little.
        let vorbis = try runTool(["detect", "--model", model, "-"], input: try Data(contentsOf: URL(fileURLWithPath: ogg)))
        #expect(vorbis.status == 0 && vorbis.stderrLines.last?.hasPrefix("processed 20.0 s of audio;") == true, "\(vorbis.stderr)")
        // A header wins over --rate, with a warning.
        let rated = try runTool(
            ["detect", "--model", model, "--rate", "8000", "-"], input: try Data(contentsOf: URL(fileURLWithPath: fixture.clip)))
        #expect(
            rated.stderrLines.first == "warning: stdin holds WAV audio; --rate, --channels and --format describe raw input and are ignored")
        #expect(Event.all(rated) == fromStdin)
        // stdin that cannot be read (a directory, through the shell) is an error, not an empty stream.
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "exec \"$0\" detect --model \"$1\" - < \"$2\"", TestPaths.binary, model, fixture.folder]
        shell.environment = ProcessInfo.processInfo.environment.merging(["WAKEWORD_ENCODER": TestPaths.encoderDirectory]) { $1 }
        let errors = Pipe()
        (shell.standardError, shell.standardOutput) = (errors, FileHandle.nullDevice)
        try shell.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        shell.waitUntilExit()
        #expect(
            shell.terminationStatus == 1 && message == "Error: stdin: cannot be read: Is a directory\n",
            "\(message)")
    }

    @Test("behind a screen, the summary gives the share of passes that ran the deep blocks, as the detector counts them")
    func deepShare() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let encoder = try SharedEncoder.load()
        var model = try DetectionTests.randomModel(encoder: encoder, threshold: nil, seed: 3, layer: 3)
        let screenHead = try DetectionTests.randomModel(encoder: encoder, threshold: nil, seed: 9, layer: 1).head
        // The screen head's 95th percentile logit over the clip's hops: a few passes open.
        var stream = FeatureStream(
            encoder: encoder, windowing: model.windowing, taps: [FeatureStream.Tap(pools: model.windowing.pools, layer: 1)])
        let logits = (stream.push(fixture.samples) + stream.finish()).flatMap { pass in
            screenHead.logits(pass.inputs(FeatureStream.Tap(pools: model.windowing.pools, layer: 1)).features)
        }
        model.screen = Screen(layer: 1, head: screenHead, threshold: logits.sorted()[logits.count * 19 / 20])
        var detector = try Detector(models: [model], encoder: encoder)
        let count = detector.process(fixture.samples).count + detector.finish().count
        let share = detector.passCount.deepShare
        #expect(detector.passCount.passes == 39 && share > 0 && share < 1, "\(detector.passCount)")
        let path = "\(fixture.directory)/screened.wakeword"
        try ModelFile.write(model, to: path)
        let run = try runTool(["detect", "--model", path, fixture.clip])
        #expect(run.status == 0, "\(run.stderr)")
        let expected = String(
            format: "processed 20.0 s of audio; %d detection%@; the deep blocks ran on %.1f %% of the encoder passes", count,
            count == 1 ? "" : "s", 100 * share)
        #expect(run.stderrLines.last == expected, "\(run.stderr)")
        // Two inputs: the passes of both count (the second starts with 3 s of silence).
        var later = try Detector(models: [model], encoder: encoder)
        _ = later.process([Float](repeating: 0, count: 3 * 16_000) + fixture.samples) + later.finish()
        let total = detector.passCount + later.passCount
        #expect(later.passCount.deepShare != share)
        let both = try runTool(["detect", "--model", path, fixture.clip, fixture.later])
        #expect(
            both.stderrLines.last?.hasSuffix(String(format: "ran on %.1f %% of the encoder passes", 100 * total.deepShare)) == true,
            "\(both.stderr)")
    }

    @Test("per-model thresholds: FILE:SCORE and NAME=SCORE fire each model at its own score, as each alone")
    func perModelThresholds() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let (a, b) = (try fixture.model(seed: 6), try fixture.model(seed: 2))
        let alone = { (model: String, threshold: String) in
            Set(Event.all(try runTool(["detect", "--model", model, "--threshold", threshold, fixture.clip])))
        }
        let (a5, a62, b5, b62) = (try alone(a, "0.5"), try alone(a, "0.62"), try alone(b, "0.5"), try alone(b, "0.62"))
        // Which model gets which score matters: the first fires 8 times at 0.5 and never at 0.62, the second the other way round.
        #expect(a5.count == 8 && a62.isEmpty && b5.count < b62.count, "\(a5) \(b5) \(b62)")
        #expect(a5.allSatisfy { Float($0.score)! >= 0.5 } && b62.allSatisfy { Float($0.score)! >= 0.62 })
        for arguments in [
            ["--model", "\(a):0.5", "--model", b, "--threshold", "random2=0.62"],
            ["--model", a, "--model", b, "--threshold", "random6=0.5", "--threshold", "0.62"],
            ["--model", "\(a):0.5", "--model", "\(b):0.62"],
        ] {
            let run = try runTool(["detect"] + arguments + [fixture.clip])
            #expect(
                run.status == 0 && Set(Event.all(run)) == a5.union(b62) && Event.all(run).count == a5.count + b62.count,
                "\(arguments): \(run.stderr)")
        }
        // Mistakes, each one line.
        try FileManager.default.createSymbolicLink(atPath: "\(fixture.directory)/link.wakeword", withDestinationPath: a)
        let copy = try fixture.model(seed: 6, file: "copy")
        for (arguments, message) in [
            (
                ["--model", a, "--model", b, "--threshold", "0.6", "--threshold", "0.7"],
                "--threshold is given 2 times without a model's name; give each model its own score with --threshold NAME=SCORE or --model FILE:SCORE"
            ),
            (["--model", a, "--threshold", "-1"], "--threshold and --model FILE:SCORE take a score between 0 and 1, not -1.0"),
            (["--model", a, "--threshold=-1"], "--threshold and --model FILE:SCORE take a score between 0 and 1, not -1.0"),
            (["--model", "\(a):1.5"], "--threshold and --model FILE:SCORE take a score between 0 and 1, not 1.5"),
            (["--model", a, "--model", a], "--model \(a) is given twice; give each model once"),
            (
                ["--model", a, "--model", "\(fixture.directory)/link.wakeword"],
                "--model \(a) and \(fixture.directory)/link.wakeword are the same file; give each model once"
            ),
            (["--model", a, "--threshold", "nobody=0.5"], "--threshold nobody=0.5: no model is named nobody (the models: random6)"),
            (
                ["--model", a, "--model", copy],
                "two models are named random6 (\(a) and \(copy)); rename one with wakeword retune \(copy) --name NEW --output NEW.wakeword"
            ),
        ] {
            let run = try runTool(["detect"] + arguments + [fixture.clip])
            #expect(run.status != 0 && run.stderrLines.first == "Error: \(message)" && run.stdout.isEmpty, "\(arguments): \(run.stderr)")
        }
    }

    @Test("serve takes the same per-model thresholds and says where each model fires")
    func servePerModelThresholds() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let (a, b) = (try fixture.model(seed: 6), try fixture.model(seed: 2))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestPaths.binary)
        process.arguments = ["serve", "--uri", "tcp://127.0.0.1:0", "--model", "\(a):0.9", "--model", b, "--threshold", "0.7"]
        process.environment = ProcessInfo.processInfo.environment.merging(["WAKEWORD_ENCODER": TestPaths.encoderDirectory]) { $1 }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var text = ""
        while !text.contains("\n") {
            let data = errors.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        let line = text.split(separator: "\n").first.map(String.init) ?? ""
        #expect(
            line.hasPrefix("wakeword serve: listening on tcp://127.0.0.1:")
                && line.hasSuffix(" with random6 (fires at 0.900), random2 (fires at 0.700)"), "\(text)")
        #expect(process.terminationStatus == 0)
    }

    @Test("--exec runs a command per detection with the event in its environment, stdin kept from it")
    func execHook() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let model = try fixture.model(seed: 6)
        let log = "\(fixture.directory)/hook.log"
        let command =
            "printf '%s|%s|%s|%s|%s\\n' \"$WAKEWORD_FILE\" \"$WAKEWORD_TIME\" \"$WAKEWORD_MODEL\" \"$WAKEWORD_SCORE\" \"$WAKEWORD_MODEL_FILE\" >> \(log); cat >> \(log)"
        let run = try runTool(
            ["detect", "--model", model, "--exec", command, "-"], input: try Data(contentsOf: URL(fileURLWithPath: fixture.clip)))
        let events = Event.all(run)
        #expect(run.status == 0 && !events.isEmpty, "\(run.stderr)")
        // One line per event, in order; `cat` read /dev/null, not the audio.
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines == events.map { "-|\($0.time)|random6|\($0.score)|\(model)" })
        let failing = try runTool(["detect", "--model", model, "--exec", "exit 3", fixture.clip])
        #expect(
            failing.status == 0
                && failing.stderrLines.first
                    == "warning: --exec command exited with status 3 after random6 at \(events[0].time) s in \(fixture.clip)",
            "\(failing.stderr)")
    }

    @Test("--exit-on-first: exit 0 at the first detection, 1 at the end of the input without one, 2 on an error")
    func exitOnFirst() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let model = try fixture.model(seed: 6)
        let first = try #require(Event.all(try runTool(["detect", "--model", model, fixture.clip])).first)
        let found = try runTool(["detect", "--model", model, "--exit-on-first", fixture.folder, fixture.clip])
        #expect(
            found.status == 0
                && Event.all(found) == [
                    Event(
                        time: CommandLineDetectTests.shifted(first.time, by: 3), model: "random6", score: first.score, file: fixture.later)
                ],
            "\(found.stdout)")
        let silence = "\(fixture.directory)/silence.wav"
        try AudioWriter.write([Float](repeating: 0, count: 5 * 16_000), encoding: .wav16, to: silence)
        let none = try runTool(["detect", "--model", model, "--exit-on-first", silence])
        #expect(none.status == 1 && none.stdout.isEmpty && none.stderrLines == ["processed 5.0 s of audio; 0 detections"], "\(none.stderr)")
        let missing = try runTool(["detect", "--model", model, "--exit-on-first", "\(fixture.directory)/missing.wav"])
        #expect(
            missing.status == 2 && missing.stderrLines == ["Error: \(fixture.directory)/missing.wav: no such file or directory"],
            "\(missing.stderr)")
    }
}
