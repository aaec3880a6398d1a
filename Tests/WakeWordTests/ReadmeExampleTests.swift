import Foundation
import Testing

@testable import WakeWord

/// The README's library example compiles as written (it is the readme-example target's
/// source) and does what it says on the shipped audio.
@Suite("README example") struct ReadmeExampleTests {
    /// The first ```swift block of README.md.
    static func readmeBlock() throws -> String {
        let readme = try String(contentsOfFile: "\(TestPaths.root)/README.md", encoding: .utf8)
        let start = try #require(readme.range(of: "```swift\n"))
        let end = try #require(readme.range(of: "\n```", range: start.upperBound..<readme.endIndex))
        return String(readme[start.upperBound..<end.lowerBound]) + "\n"
    }

    @Test("the README's swift block is Sources/readme-example/main.swift, byte for byte")
    func sameText() throws {
        let source = try String(contentsOfFile: "\(TestPaths.root)/Sources/readme-example/main.swift", encoding: .utf8)
        #expect(
            try ReadmeExampleTests.readmeBlock() == source,
            "copy the ```swift block of README.md to Sources/readme-example/main.swift (or back)")
    }

    @Test("run from a checkout, it trains alexa and prints the four labelled words of the stream, nothing else")
    func runs() throws {
        // A checkout's audio-samples, and a home whose data folder holds the encoder, as set-up leaves them.
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createSymbolicLink(atPath: "\(directory)/audio-samples", withDestinationPath: TestPaths.sample(""))
        try FileManager.default.createDirectory(
            atPath: "\(directory)/home/.local/share/wakeword/encoder", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: "\(directory)/home/.local/share/wakeword/encoder/whisper-tiny.en",
            withDestinationPath: URL(fileURLWithPath: TestPaths.encoderDirectory).resolvingSymlinksInPath().path)
        let example = URL(fileURLWithPath: TestPaths.binary).deletingLastPathComponent().appendingPathComponent("readme-example").path
        let run = try runTool([], environment: ["HOME": "\(directory)/home"], installed: (example, directory))
        #expect(run.status == 0 && run.stderr.isEmpty, "\(run.stderr)")
        #expect(try ModelFile.read(path: "\(directory)/alexa.wakeword").name == "alexa")
        // "time model score" per detection: one in each labelled word (by 0.5 s after its end), in order.
        let labels = try String(contentsOfFile: TestPaths.sample("stream/stream.labels.tsv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: "\t") }.map { (start: Double($0[0])!, end: Double($0[1])!) }
        let detections = run.stdout.split(separator: "\n").map { $0.split(separator: " ") }
        #expect(
            detections.count == labels.count && detections.allSatisfy { $0.count == 3 && $0[1] == "alexa" && Float($0[2])! <= 1 },
            "\(run.stdout)")
        for (detection, label) in zip(detections, labels) {
            let time = Double(detection[0])!
            #expect(time >= label.start && time <= label.end + Metrics.hitAfterEnd, "\(time) for the word at \(label)")
        }
    }
}
