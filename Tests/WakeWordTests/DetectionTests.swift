import Foundation
import Testing

@testable import WakeWord

@Suite("Detection") struct DetectionTests {
    @Test(
        "every hop of any input is scored exactly once, in order",
        arguments: [
            Windowing.standard,
            Windowing(window: 32_000, stride: 16_000, hop: 1_600, pools: [16_000]),
            Windowing(window: 24_000, stride: 8_000, hop: 1_600, pools: [16_000, 4_800]),
        ])
    func scheduleCoversEveryHop(windowing: Windowing) {
        for total in [0, 100, 15_999, 16_000, 16_001, 17_600, 31_999, 48_000, 50_123, 160_000] {
            var schedule = WindowSchedule(windowing: windowing)
            var passes: [WindowSchedule.Pass] = []
            var available = 0
            while available < total {
                available = min(total, available + 7_777)
                passes += schedule.passes(available: available)
            }
            if let last = schedule.finish(total: total) { passes.append(last) }
            let hops = passes.flatMap(\.hops)
            let expected =
                total / windowing.hop * windowing.hop >= windowing.firstHop
                ? Array(stride(from: windowing.firstHop, through: total / windowing.hop * windowing.hop, by: windowing.hop)) : []
            #expect(hops == expected, "\(total) samples")
            // Each pass keeps positions after the previous one's end, and scores only hops it kept;
            // nothing before the first pass's last stride is kept.
            var kept = windowing.window - windowing.stride
            for pass in passes {
                #expect(pass.keepFrom == kept && pass.keepFrom >= pass.start)
                #expect(pass.hops.allSatisfy { $0 > kept && $0 <= pass.end })
                kept = pass.end
                #expect(pass.end <= max(total, windowing.window))
            }
        }
    }

    @Test("events: first hop at the threshold, one per run above it, refractory respected")
    func eventGate() {
        let hops = (1...12).map { $0 * 1_600 }
        let scores: [Float] = [0.1, 0.9, 0.95, 0.2, 0.8, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.7]
        // 0.9 at hop 2 fires; 0.95 is the same run; 0.8 at hop 5 is a new run but within 1 s;
        // 0.7 at hop 12 comes exactly 1 s after the event and fires.
        #expect(EventGate.events(hops: hops, scores: scores, threshold: 0.5, refractory: 16_000) == [3_200, 19_200])
        #expect(EventGate.events(hops: hops, scores: scores, threshold: 0.5, refractory: 16_001) == [3_200])
        #expect(EventGate.events(hops: hops, scores: scores, threshold: 0.5, refractory: 4_800) == [3_200, 8_000, 19_200])
        #expect(EventGate.events(hops: hops, scores: scores, threshold: 0.96, refractory: 0).isEmpty)
        #expect(EventGate.events(hops: hops, scores: scores, threshold: 0.7, refractory: 16_000) == [3_200, 19_200])
    }

    @Test("a refractory time becomes samples to the nearest, as training, evaluation and detection all count it")
    func refractorySamples() {
        #expect(AudioFormat.samples(seconds: 1) == 16_000)
        #expect(AudioFormat.samples(seconds: 0.3) == 4_800)
        // 15,999.52 samples: rounded, not truncated.
        #expect(AudioFormat.samples(seconds: 0.99997) == 16_000)
        #expect(AudioFormat.samples(seconds: 0.00002) == 0)
        // And back: whole samples are read as seconds exactly, and round-trip.
        #expect(AudioFormat.seconds(samples: 4_800) == 0.3 && AudioFormat.seconds(samples: 57_600_000) == 3_600)
        #expect([0, 1, 1_600, 12_345].allSatisfy { AudioFormat.samples(seconds: AudioFormat.seconds(samples: $0)) == $0 })
    }

    @Test(
        "chunk size does not change detections or scores",
        arguments: [
            Windowing.standard,
            Windowing(window: 16_000, stride: 16_000, hop: 1_600, pools: [16_000, 4_800], memory: 16_000),
        ])
    func chunkInvariance(windowing: Windowing) throws {
        let encoder = try SharedEncoder.load()
        var model = try DetectionTests.randomModel(encoder: encoder, threshold: nil)
        model.windowing = windowing
        let audio = try Clip.load(TestPaths.sample("stream/stream.flac"))
        let clip = Array(audio[(20 * 16_000)..<(26 * 16_000 + 777)])
        var outputs: [([Detection], [HopScore])] = []
        for chunk in [1, 160, 1_000, 48_000] {
            var detector = try Detector(models: [model], encoder: encoder)
            var scores: [HopScore] = []
            var detections: [Detection] = []
            for start in stride(from: 0, to: clip.count, by: chunk) {
                detections += detector.process(Array(clip[start..<min(start + chunk, clip.count)])) { scores.append($0) }
            }
            detections += detector.finish { scores.append($0) }
            outputs.append((detections, scores))
        }
        // 6.05 s: hops every 0.1 s from the first (1.5 s, or 1.0 s with memory) to 6.0 s.
        #expect(outputs[0].1.map(\.sample) == Array(stride(from: windowing.firstHop, through: 96_000, by: 1_600)))
        #expect(!outputs[0].0.isEmpty)
        for output in outputs.dropFirst() {
            #expect(output.0 == outputs[0].0)
            #expect(output.1 == outputs[0].1)
        }
    }

    @Test("models sharing passes (pools may differ) score together as alone: the deepest exactly, the rest to rounding")
    func severalModels() throws {
        let encoder = try SharedEncoder.load()
        let a = try DetectionTests.randomModel(encoder: encoder, threshold: nil, seed: 1, layer: 2)
        let b = try DetectionTests.randomModel(encoder: encoder, threshold: nil, seed: 2, layer: 3)
        // Longer pools (1.2 s, 0.3 s, 0.1 s): a later first hop and wider features.
        let c = try DetectionTests.randomModel(encoder: encoder, threshold: nil, seed: 4, layer: 1, pools: [19_200, 4_800, 1_600])
        // Shorter ones (0.6 s): c and b no longer lead.
        let d = try DetectionTests.randomModel(encoder: encoder, threshold: nil, seed: 5, layer: 2, pools: [9_600])
        let audio = Array(try Clip.load(TestPaths.sample("stream/stream.flac"))[0..<(5 * 16_000)])
        func run(_ models: [WakeWordModel]) throws -> [HopScore] {
            var detector = try Detector(models: models, encoder: encoder)
            var scores: [HopScore] = []
            _ = detector.process(audio) { scores.append($0) }
            _ = detector.finish { scores.append($0) }
            return scores
        }
        let models = [a, b, c, d]
        let together = try run(models)
        let alone = try models.indices.flatMap { m in try run([models[m]]).map { HopScore(sample: $0.sample, model: m, score: $0.score) } }
        // Alone, a model's block is the deepest its stream runs, computed at the kept positions
        // only; together, blocks before b's (layer 3) run whole, which rounds differently.
        let aloneScores = Dictionary(uniqueKeysWithValues: alone.map { ("\($0.sample) \($0.model)", $0.score) })
        #expect(together.count == alone.count && Set(together.map { "\($0.sample) \($0.model)" }) == Set(aloneScores.keys))
        for score in together {
            let other = aloneScores["\(score.sample) \(score.model)"] ?? -1
            if score.model == 1 {
                #expect(score.score == other, "model b at \(score.sample)")
            } else {
                #expect(abs(score.score - other) < 1e-4, "model \(score.model) at \(score.sample): \(score.score) and \(other)")
            }
        }
        // First hops: the longest pool after the first kept position (0.5 s), in whole hops.
        #expect(together.filter { $0.model == 2 }.map(\.sample).min() == 27_200)
        #expect(together.filter { $0.model == 3 }.map(\.sample).min() == 17_600)
    }

    @Test("input shorter than the first hop (1.5 s) gives nothing; empty input gives nothing")
    func shortInput() throws {
        let encoder = try SharedEncoder.load()
        var detector = try Detector(models: [try DetectionTests.randomModel(encoder: encoder, threshold: 0)], encoder: encoder)
        var scores = 0
        #expect(detector.process([Float](repeating: 0.1, count: 23_999)) { _ in scores += 1 }.isEmpty)
        #expect(detector.finish { _ in scores += 1 }.isEmpty)
        #expect(scores == 0)
        var empty = try Detector(models: [try DetectionTests.randomModel(encoder: encoder, threshold: 0)], encoder: encoder)
        #expect(empty.process([]).isEmpty && empty.finish().isEmpty)
        // 1.75 s of audio: hops at 1.5 s (the first full pass that reaches it), 1.6 and 1.7 s
        // (the last pass, ending at the last whole hop).
        var short = try Detector(models: [try DetectionTests.randomModel(encoder: encoder, threshold: 0)], encoder: encoder)
        var hops: [Int] = []
        _ = short.process([Float](repeating: 0.01, count: 28_000)) { hops.append($0.sample) }
        _ = short.finish { hops.append($0.sample) }
        #expect(hops == [24_000, 25_600, 27_200])
    }

    @Test("the smoother averages the last hops' logits, and restarts at a gap in a trace")
    func smoother() {
        var smoother = ScoreSmoother(count: 3)
        #expect([1, 2, 3, 6, -3].map { smoother.push($0) } == [1, 1.5, 2, 11.0 / 3, 2])
        let trace = ScoreSmoother.smooth([1, 2, 3, 4, 6, 8], hops: [0, 1_600, 3_200, 8_000, 9_600, 11_200], count: 2, hopSize: 1_600)
        #expect(trace.map(\.logit) == [1, 1.5, 2.5, 4, 5, 7])
        #expect(trace.map(\.isComplete) == [false, true, true, false, true, true])
        var one = ScoreSmoother(count: 1)
        #expect(one.push(0.25) == 0.25 && one.push(-7) == -7)
    }

    @Test("a smoothed model scores σ of the mean of its last 3 logits, and fires on that")
    func smoothedDetection() throws {
        let encoder = try SharedEncoder.load()
        let audio = try Clip.load(TestPaths.sample("stream/stream.flac"))
        var model = try DetectionTests.randomModel(encoder: encoder, threshold: nil)
        var plain = try Detector(models: [model], encoder: encoder)
        var raw: [HopScore] = []
        _ = plain.process(audio) { raw.append($0) }
        _ = plain.finish { raw.append($0) }
        model.smoothing = 3
        // A threshold that some but not all of the smoothed scores reach.
        let logits = raw.map { log($0.score / (1 - $0.score)) }
        let expected = logits.indices.map { i in TriggerHead.sigmoid(ScoreSmoother.mean(logits[max(0, i - 2)...i])) }
        let sorted = expected.sorted()
        model.threshold = (sorted[sorted.count * 9 / 10] + sorted[sorted.count * 9 / 10 + 1]) / 2
        var smoothed = try Detector(models: [model], encoder: encoder)
        var scores: [HopScore] = []
        var found = smoothed.process(audio) { scores.append($0) }
        found += smoothed.finish { scores.append($0) }
        #expect(scores.map(\.sample) == raw.map(\.sample))
        #expect(zip(scores, expected).allSatisfy { abs($0.score - $1) <= 1e-5 })
        let events = EventGate.events(hops: scores.map(\.sample), scores: expected, threshold: model.threshold, refractory: 8_000)
        #expect(!events.isEmpty && found.map { Int(($0.time * 16_000).rounded()) } == events)
    }

    /// A model with a seeded random linear head on the real encoder; threshold nil puts it at
    /// a level a random head reaches on speech now and then.
    static func randomModel(
        encoder: WhisperEncoder, threshold: Float?, seed: UInt64 = 3, layer: Int = 2,
        pools: [Int] = Windowing.standard.pools
    ) throws -> WakeWordModel {
        var generator = SplitMix64(seed: seed)
        var windowing = Windowing.standard
        windowing.pools = pools
        let inputs = encoder.dimensions.width * pools.count
        var head = TriggerHead(kind: .linear, inputs: inputs, generator: &generator)
        for i in head.parameters.indices { head.parameters[i] = Float.random(in: -0.05...0.05, using: &generator) }
        return WakeWordModel(
            name: "random\(seed)", threshold: threshold ?? 0.5, layer: layer, windowing: windowing, refractory: 0.5,
            head: head, encoder: encoder.identity, training: TrainingSummary())
    }
}

@Suite("Detection: the labelled stream") struct LabelledStreamTests {
    @Test("every labelled word is detected by 0.5 s after its end, and nothing else fires")
    func labelledStream() throws {
        let model = try TrainedAlexa.load().model
        let labels = try String(contentsOfFile: TestPaths.sample("stream/stream.labels.tsv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: "\t") }.map { (start: Double($0[0])!, end: Double($0[1])!) }
        #expect(labels.count == 4)
        let found = try detections(model, try Clip.load(TestPaths.sample("stream/stream.flac")))
        for label in labels {
            #expect(found.contains { $0.time >= label.start && $0.time <= label.end + Metrics.hitAfterEnd }, "word \(label)")
        }
        let others = found.filter { detection in
            !labels.contains { detection.time >= $0.start && detection.time <= $0.end + Metrics.hitAfterEnd }
        }
        #expect(others.isEmpty, "\(others); threshold \(model.threshold)")
    }

    @Test("time stamps stay exact ten hours in")
    func exactTimesAfterTenHours() {
        // Pure schedule arithmetic: ten hours of passes, then the hops near the end.
        var schedule = WindowSchedule(windowing: .standard)
        let tenHours = 10 * 3600 * AudioFormat.sampleRate
        let passes = schedule.passes(available: tenHours)
        #expect(passes.count == (tenHours - Windowing.standard.window) / Windowing.standard.stride + 1)
        let last = passes.last!.hops
        #expect(last.last == tenHours)
        let detection = Detection(time: Double(last.last!) / Double(AudioFormat.sampleRate), model: "m", score: 1)
        #expect(detection.time == 36_000)
        #expect(Double(last[last.count - 2]) / Double(AudioFormat.sampleRate) == 35_999.9)
    }
}
