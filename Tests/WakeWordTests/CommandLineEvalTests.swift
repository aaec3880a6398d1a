import Foundation
import Testing

@testable import WakeWord

/// `eval` at another threshold, and on negative audio alone.
@Suite("CommandLine: eval", .serialized) struct CommandLineEvalTests {
    typealias Fixture = CommandLineDetectTests.Fixture

    @Test("eval with --negative only reports false accepts: the events detect finds, per hour")
    func negativesOnly() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let model = try fixture.model(seed: 6)
        let events = CommandLineDetectTests.Event.all(try runTool(["detect", "--model", model, fixture.clip]))
        #expect(events.count == 8)
        let output = "\(fixture.directory)/report"
        let run = try runTool(["eval", "--model", model, "--negative", fixture.clip, "--output", output, "--quiet"])
        // 8 events in 20 s: 1440 per hour.
        #expect(
            run.status == 0
                && run.stdout.split(separator: "\n").first
                    == "random6 at threshold 0.5000: 1440.00 false accepts per hour (8 in 0.01 h); no positive clips, so no false-reject rate",
            "\(run.stdout) \(run.stderr)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(output)/report.json"))) as? [String: Any])
        #expect(report["positives"] as? Int == 0 && abs((report["fa_per_hour"] as? Double ?? 0) - 1_440) < 1e-6)
        let accepts = try #require(report["false_accepts"] as? [[String: Any]])
        #expect(accepts.map { String(format: "%.2f", $0["time"] as? Double ?? -1) } == events.map(\.time))
        #expect(accepts.map { String(format: "%.3f", $0["score"] as? Double ?? -1) } == events.map(\.score))
        let markdown = try String(contentsOfFile: "\(output)/report.md", encoding: .utf8)
        #expect(
            markdown.contains("no positive clips (false accepts only)") && !markdown.contains("\n| false-reject rate |")
                && !markdown.contains("Worst misses"))
        let html = try String(contentsOfFile: "\(output)/report.html", encoding: .utf8)
        #expect(html.contains("no positive clips were given, so its misses are not measured") && !html.contains("id=\"det\""))
        // --negative stays required.
        let none = try runTool(["eval", "--model", model, "--positive", fixture.clip, "--output", output])
        #expect(
            none.status == 64
                && none.stderrLines.first == "Error: give negative audio with --negative (and recordings of the wake word with --positive)")
    }

    @Test("eval --threshold evaluates another operating point, and says it is not the model's own")
    func otherThreshold() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let model = try fixture.model(seed: 6)
        let output = "\(fixture.directory)/report"
        for arguments in [["--threshold", "0.52"], ["--threshold=0.52"]] {
            let run = try runTool(["eval", "--model", model, "--negative", fixture.clip, "--output", output, "--quiet"] + arguments)
            // At 0.52 only the 0.523 at 4.70 s fires: 180 per hour.
            #expect(
                run.status == 0
                    && run.stdout.split(separator: "\n").first
                        == "random6 at threshold 0.5200 (the model's own: 0.5000): 180.00 false accepts per hour (1 in 0.01 h); no positive clips, so no false-reject rate",
                "\(run.stdout) \(run.stderr)")
        }
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(output)/report.json"))) as? [String: Any])
        #expect(abs((report["threshold"] as? Double ?? 0) - 0.52) < 1e-6 && abs((report["model_threshold"] as? Double ?? 0) - 0.5) < 1e-9)
        #expect((report["false_accepts"] as? [[String: Any]])?.map { String(format: "%.2f", $0["time"] as? Double ?? -1) } == ["4.70"])
        #expect(
            try String(contentsOfFile: "\(output)/report.md", encoding: .utf8).contains(
                "| | at the threshold given, 0.5200 (the model's own: 0.5000) |"))
        let bad = try runTool(["eval", "--model", model, "--negative", fixture.clip, "--output", output, "--threshold", "-0.5"])
        #expect(bad.status == 64 && bad.stderrLines.first == "Error: --threshold must be between 0 and 1, not -0.5")
    }
}
