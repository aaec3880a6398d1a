import Foundation
import Testing

@testable import WakeWord

@Suite("Evaluation") struct EvaluationTests {
    /// Three clips and two recordings in one negative stream, scored by hand:
    /// - clip a: word 1.0–1.5 s, 0.9 at 1.6 s: a hit 100 ms after the end;
    /// - clip b: word 1.0–1.6 s, 0.95 at 2.3 s: too late (end + 0.7 s), a miss, best in window 0.4;
    /// - clip c: word 1.0–1.4 s, 0.8 at 1.4 s then 0.85 at 1.5 s: a hit at the end (0 ms);
    /// - negatives: x.flac (2 s) then y.flac; 0.7 at stream 1.5 s (x at 1.5 s) and at 1.8 s
    ///   (same run), 0.99 at 2.6 s (y at 0.6 s), 0.6 at 4.0 s (y at 2.0 s).
    static func record(threshold: Float = 0.5) throws -> EvaluationRecord {
        func positive(_ file: String, _ start: Double, _ end: Double, _ scores: [(Double, Float)]) -> PositiveRecord {
            let hops = (10...30).map { $0 * 1_600 }
            let values = hops.map { hop in scores.first { Int($0.0 * 16_000) == hop }?.1 ?? 0.1 }
            return PositiveRecord(
                file: file, savedAs: nil, wordStart: start, wordEnd: end, hops: hops, scores: values, detections: [], noise: nil)
        }
        let positives = [
            positive("a", 1.0, 1.5, [(1.6, 0.9)]),
            positive("b", 1.0, 1.6, [(1.5, 0.4), (2.3, 0.95)]),
            positive("c", 1.0, 1.4, [(1.4, 0.8), (1.5, 0.85)]),
        ]
        let hops = (10...50).map { $0 * 1_600 }
        let scores: [Float] = hops.map { hop in
            switch hop {
            case 24_000, 25_600, 27_200, 28_800: 0.7
            case 41_600: 0.99
            case 64_000: 0.6
            default: 0.05
            }
        }
        let negatives = [
            NegativeRecord(
                segments: [.init(file: "x.flac", start: 0, samples: 32_000), .init(file: "y.flac", start: 32_000, samples: 40_000)],
                hops: hops, scores: scores, detections: [])
        ]
        var model = try HeadTests.model(kind: .linear)
        model.threshold = threshold
        return EvaluationRecord(model: model, positives: positives, skipped: [], negatives: negatives, refractory: 16_000)
    }

    @Test("metrics agree with a hand count")
    func handCount() throws {
        let metrics = Metrics(try EvaluationTests.record())
        let point = metrics.point(at: 0.5)
        #expect(point.misses == 1 && abs(point.frr - 1.0 / 3) < 1e-12)
        // 72 000 samples = 4.5 s of negatives; events at 1.5 s (x) and 2.6 s (y); 4.0 s is within
        // 1 s of neither but 0.6 at 4.0 s is a new run: 3 events.
        #expect(point.falseAccepts == 3)
        #expect(abs(point.faPerHour - 3 / (4.5 / 3600)) < 1e-6)
        let accepts = metrics.falseAccepts(at: 0.5)
        #expect(accepts.map(\.file) == ["x.flac", "y.flac", "y.flac"])
        #expect(zip(accepts.map(\.time), [1.5, 0.6, 2.0]).allSatisfy { abs($0 - $1) < 1e-9 })
        #expect(accepts.map(\.score) == [0.7, 0.99, 0.6])
        // Only the 0.99 peak survives a threshold of 0.75; at 0.9 clip c is missed too.
        #expect(metrics.point(at: 0.75).falseAccepts == 1)
        #expect(metrics.point(at: 0.9).misses == 2)
        let misses = metrics.misses(at: 0.5)
        #expect(misses.map(\.file) == ["b"] && misses[0].bestScore == 0.4)
        let latency = try #require(metrics.latency(at: 0.5))
        // Delays 0 ms (c) and 100 ms (a): median 50, 95th percentile 95.
        #expect(abs(latency.median - 50) < 1e-6 && abs(latency.p95 - 95) < 1e-6)
    }

    @Test("the sweep is exact at every threshold and includes the model's")
    func sweep() throws {
        let metrics = Metrics(try EvaluationTests.record(threshold: 0.77))
        let sweep = metrics.sweep()
        #expect(sweep.contains { $0.threshold == 0.77 })
        #expect(zip(sweep, sweep.dropFirst()).allSatisfy { $0.threshold < $1.threshold })
        for point in sweep { #expect(point == metrics.point(at: point.threshold)) }
        let target = try #require(metrics.point(forFAPerHour: 0, in: sweep))
        #expect(target.falseAccepts == 0 && target.threshold > 0.99)
    }

    @Test("report.json has the documented fields with the hand-counted values")
    func reportJSON() throws {
        let report = EvaluationReport(try EvaluationTests.record(), modelFile: "m.wakeword", snr: 10, seed: 0, padding: 1)
        let json = try #require(try JSONSerialization.jsonObject(with: report.json()) as? [String: Any])
        for key in [
            "model", "threshold", "positives", "negative_hours", "frr", "fa_per_hour", "sweep", "misses", "false_accepts", "latency_ms",
        ] {
            #expect(json[key] != nil, "\(key)")
        }
        #expect(json["positives"] as? Int == 3)
        #expect(abs((json["frr"] as? Double ?? 0) - 1.0 / 3) < 1e-12)
        let sweep = try #require(json["sweep"] as? [[String: Any]])
        #expect(sweep.allSatisfy { $0["threshold"] != nil && $0["frr"] != nil && $0["fa_per_hour"] != nil })
        let accepts = try #require(json["false_accepts"] as? [[String: Any]])
        #expect(accepts.count == 3 && accepts.allSatisfy { Set($0.keys) == ["file", "time", "score"] })
        let latency = try #require(json["latency_ms"] as? [String: Double])
        #expect(abs(latency["median"]! - 50) < 1e-6 && abs(latency["p95"]! - 95) < 1e-6)
    }

    @Test("Markdown and HTML reports carry the figures and tables")
    func documents() throws {
        let record = try EvaluationTests.record()
        let writer = ReportWriter(report: EvaluationReport(record, modelFile: "m.wakeword", snr: nil, seed: 0, padding: 1))
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try writer.write(to: directory)
        let html = try String(contentsOfFile: "\(directory)/report.html", encoding: .utf8)
        #expect(html.contains("<polyline id=\"det-curve\""))
        #expect(html.contains("class=\"positives\"") && html.contains("class=\"negatives\""))
        #expect(html.contains("<table id=\"misses\"") && html.contains("<table id=\"false-accepts\""))
        #expect(
            !html.contains("http://")
                || html.components(separatedBy: "http://").dropFirst().allSatisfy { $0.hasPrefix("www.w3.org/2000/svg") })
        let markdown = try String(contentsOfFile: "\(directory)/report.md", encoding: .utf8)
        #expect(markdown.contains("| false-reject rate | 33.3 % (1 of 3 clips) |"))
        #expect(markdown.contains("| y.flac | 0.60 | 0.9900 |"))
        #expect(FileManager.default.fileExists(atPath: "\(directory)/det.svg"))
    }

    @Test("in-memory WAV for the report's players is valid 16-bit PCM")
    func wav() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tone = sine(frequency: 440, seconds: 0.5, rate: 16_000)
        try ReportWriter.wav(tone).write(to: URL(fileURLWithPath: "\(directory)/t.wav"))
        let (samples, _) = try AudioReader.load(path: "\(directory)/t.wav")
        #expect(samples.count == tone.count && maxAbsDifference(samples, tone) < 1e-4)
    }
}
