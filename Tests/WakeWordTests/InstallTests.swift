import Foundation
import Testing

@testable import WakeWord

/// The tool copied out of the checkout (as scripts/setup --prefix installs it), run from
/// another folder with no flags and no WAKEWORD_* variables: it finds the encoder and the
/// default negatives in the per-user data folder, $XDG_DATA_HOME/wakeword or
/// ~/.local/share/wakeword.
@Suite("Install", .serialized) struct InstallTests {
    /// A temporary home, data folder, working folder and installed binary.
    struct Layout {
        let root: String
        var binary: String { "\(root)/prefix/bin/wakeword" }
        var work: String { "\(root)/work" }
        var home: String { "\(root)/home" }
        var data: String { "\(root)/data" }

        init() throws {
            root = try TestPaths.temporaryDirectory()
            for folder in ["prefix/bin", "work", "home", "data"] {
                try FileManager.default.createDirectory(atPath: "\(root)/\(folder)", withIntermediateDirectories: true)
            }
            try FileManager.default.copyItem(atPath: TestPaths.binary, toPath: binary)
        }

        /// Links `base`/wakeword/encoder/whisper-tiny.en to the tests' encoder, as scripts/setup places it.
        func linkEncoder(under base: String) throws {
            try FileManager.default.createDirectory(atPath: "\(base)/wakeword/encoder", withIntermediateDirectories: true)
            let encoder = URL(fileURLWithPath: TestPaths.encoderDirectory).resolvingSymlinksInPath().path
            try FileManager.default.createSymbolicLink(atPath: "\(base)/wakeword/encoder/whisper-tiny.en", withDestinationPath: encoder)
        }

        func run(_ arguments: [String], _ environment: [String: String]) throws -> ToolRun {
            try runTool(arguments, environment: environment, installed: (binary, work))
        }

        func cleanUp() { try? FileManager.default.removeItem(atPath: root) }
    }

    @Test("an installed copy finds the encoder in $XDG_DATA_HOME/wakeword, else ~/.local/share/wakeword, from any folder")
    func findsEncoder() throws {
        let layout = try Layout()
        defer { layout.cleanUp() }
        try layout.linkEncoder(under: layout.data)
        try layout.linkEncoder(under: "\(layout.home)/.local/share")
        let clip = try audioFiles(TestPaths.sample("alexa/train"))[0]
        let encoder = try SharedEncoder.load()
        let expected = encoder.encode(LogMel()(try Clip.load(clip)))
        for environment in [["HOME": layout.home, "XDG_DATA_HOME": layout.data], ["HOME": layout.home]] {
            let run = try layout.run(["embed", clip, "--output", "embedding.npy"], environment)
            #expect(run.status == 0 && run.stderr.isEmpty, "\(environment): \(run.stderr)")
            let written = try NumpyFile.read(path: "\(layout.work)/embedding.npy")
            #expect(written.shape == [expected.rows, 384])
            #expect(maxAbsDifference(written.values, expected.values) <= 1e-4, "\(environment)")
            try FileManager.default.removeItem(atPath: "\(layout.work)/embedding.npy")
        }
        // detect with nothing but the model and the audio gives what the checkout's binary gives.
        let model = try CommandLineTests.modelFile(in: layout.root)
        let stream = "\(layout.work)/stream.wav"
        try AudioWriter.write(Array(try Clip.load(TestPaths.sample("stream/stream.flac"))[0..<(20 * 16_000)]), encoding: .wav16, to: stream)
        let installed = try layout.run(["detect", "--model", model, "stream.wav"], ["HOME": layout.home])
        let checkout = try runTool(["detect", "--model", model, stream])
        #expect(installed.status == 0 && checkout.status == 0, "\(installed.stderr)")
        #expect(!checkout.stdout.isEmpty && installed.stdout == checkout.stdout.replacingOccurrences(of: stream, with: "stream.wav"))
    }

    @Test("without an encoder anywhere, one line names the missing folder and how to get the weights")
    func missingEncoder() throws {
        let layout = try Layout()
        defer { layout.cleanUp() }
        let clip = try audioFiles(TestPaths.sample("alexa/train"))[0]
        for (environment, missing) in [
            (["HOME": layout.home, "XDG_DATA_HOME": layout.data], "\(layout.data)/wakeword/encoder/whisper-tiny.en"),
            (["HOME": layout.home], "\(layout.home)/.local/share/wakeword/encoder/whisper-tiny.en"),
        ] {
            let run = try layout.run(["embed", clip, "--output", "embedding.npy"], environment)
            #expect(run.status != 0 && !run.signalled)
            #expect(run.stderrLines.count == 1, "\(run.stderr)")
            let line = run.stderrLines.first ?? ""
            #expect(line.hasPrefix("Error: \(missing): encoder model not found"), "\(line)")
            #expect(line.contains("scripts/setup") && line.contains("--encoder DIR"), "\(line)")
            #expect(!FileManager.default.fileExists(atPath: "\(layout.work)/embedding.npy"))
        }
    }

    @Test("an installed copy's train takes its default negatives and noise from the data folder, its cache from $XDG_CACHE_HOME")
    func trainsOnDefaultNegatives() throws {
        let layout = try Layout()
        defer { layout.cleanUp() }
        try layout.linkEncoder(under: layout.data)
        let environment = ["HOME": layout.home, "XDG_DATA_HOME": layout.data, "XDG_CACHE_HOME": "\(layout.root)/cache"]
        let arguments = [
            "train", "--positive", TestPaths.sample("alexa/train"), "--output", "m.wakeword", "--copies", "1", "--replacements", "0",
            "--quiet",
        ]

        let help = try layout.run(["train", "--help"], environment)
        #expect(help.stdout.contains("wakeword/negatives") && !help.stdout.contains("scripts/"), "\(help.stdout)")

        let none = try layout.run(arguments, environment)
        #expect(none.status != 0 && none.stderrLines.count == 1, "\(none.stderr)")
        #expect(
            none.stderr.contains("no default negatives found (looked in \(layout.data)/wakeword/negatives/audio-samples"), "\(none.stderr)")

        // A small stand-in for the shipped audio-samples/negatives: three speech files and one noise file.
        let shipped = "\(layout.data)/wakeword/negatives/audio-samples"
        try FileManager.default.createDirectory(atPath: "\(shipped)/noise", withIntermediateDirectories: true)
        for file in try audioFiles(TestPaths.sample("heldout-negatives")).prefix(3) + [
            try audioFiles(TestPaths.sample("negatives/noise"))[0]
        ] {
            let folder = file.contains("/noise/") ? "\(shipped)/noise" : shipped
            try FileManager.default.copyItem(atPath: file, toPath: "\(folder)/\((file as NSString).lastPathComponent)")
        }
        let run = try layout.run(arguments, environment)
        #expect(run.status == 0, "\(run.stderr)")
        // A minute of negatives earns a warning; an installed copy's does not point at the checkout's scripts.
        #expect(run.stderr.contains("warning: ") && !run.stderr.contains("scripts/"), "\(run.stderr)")
        // The noise folder is inside the shipped negatives, so it counts among them too.
        #expect(run.stdout.contains("negatives: 4 files"), "\(run.stdout)")
        let model = try ModelFile.read(path: "\(layout.work)/m.wakeword")
        #expect(model.name == "m")
        // The rates it expects, with their intervals, as stored in the model.
        let line = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix("threshold ") }.map(String.init))
        let training = model.training
        let frr = try #require(training.expectedFRRInterval)
        #expect(
            line.hasPrefix(
                String(format: "threshold %.4f: expected %.1f%% false rejects (", model.threshold, 100 * training.expectedFRR)),
            "\(line)")
        #expect(line.contains(String(format: frr.upper < 0.1 ? " to %.2g%%), " : " to %.0f%%), ", 100 * frr.upper)), "\(line)")
        #expect(line.contains(String(format: "%.2f false accepts per hour (", training.expectedFAPerHour)), "\(line)")
        #expect(line.contains("); 90% intervals, cross-validated") && !line.contains(") ("), "\(line)")
        let cached = (try? FileManager.default.contentsOfDirectory(atPath: "\(layout.root)/cache/wakeword")) ?? []
        #expect(cached.contains { $0.hasSuffix(".features") }, "\(cached)")
    }

    @Test("an installed copy runs info, retune, eval and detect with a per-model threshold, from any folder with no flags")
    func newCommands() throws {
        let layout = try Layout()
        defer { layout.cleanUp() }
        try layout.linkEncoder(under: "\(layout.home)/.local/share")
        let fixture = try CommandLineDetectTests.Fixture()
        defer { fixture.cleanUp() }
        try FileManager.default.copyItem(atPath: try fixture.model(seed: 6), toPath: "\(layout.work)/m.wakeword")
        try FileManager.default.copyItem(atPath: fixture.clip, toPath: "\(layout.work)/clip.wav")
        let environment = ["HOME": layout.home]
        let info = try layout.run(["info", "m.wakeword"], environment)
        #expect(
            info.status == 0 && info.stdout.hasPrefix("m.wakeword\n  name:       random6\n  threshold:  0.5000,"),
            "\(info.stdout) \(info.stderr)")
        // At 0.52 the clip fires once, at 4.70 s: 180 per hour.
        let retune = try layout.run(
            ["retune", "m.wakeword", "--threshold", "0.52", "--negative", "clip.wav", "-o", "strict.wakeword", "--quiet"], environment)
        #expect(
            retune.status == 0
                && retune.stdout.hasSuffix("on the negative audio: 1 false accept in 20.0 s of negative audio (1 file): 180.00 per hour\n"),
            "\(retune.stdout) \(retune.stderr)")
        let detect = try layout.run(["detect", "--model", "m.wakeword:0.52", "clip.wav", "--quiet"], environment)
        #expect(detect.status == 0 && detect.stdout == "4.70\trandom6\t0.523\tclip.wav\n", "\(detect.stdout) \(detect.stderr)")
        let eval = try layout.run(["eval", "--model", "strict.wakeword", "--negative", "clip.wav", "-o", "report", "--quiet"], environment)
        #expect(
            eval.status == 0 && eval.stdout.hasPrefix("random6 at threshold 0.5200: 180.00 false accepts per hour (1 in 0.01 h);"),
            "\(eval.stdout) \(eval.stderr)")
        #expect(FileManager.default.fileExists(atPath: "\(layout.work)/report/report.html"))
    }
}
