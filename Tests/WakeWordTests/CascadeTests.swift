import Foundation
import Testing

@testable import WakeWord

@Suite("Detection: the screen's cascade") struct CascadeTests {
    @Test("a cascade computes, on every pass it opens, exactly the deep inputs a full stream computes, and none elsewhere")
    func openedPassesMatchFullStream() throws {
        // The screen's block runs at the kept positions only: the same whatever opens, and
        // the whole block's values there up to rounding.
        let encoder = try SharedEncoder.load()
        let (cheap, deep) = (
            FeatureStream.Tap(pools: Windowing.standard.pools, layer: 1), FeatureStream.Tap(pools: Windowing.standard.pools, layer: 3)
        )
        // 9.3 s: 17 full passes and a final one.
        let audio = Array(try Clip.load(TestPaths.sample("stream/stream.flac"))[(3 * 16_000)..<(12 * 16_000 + 4_800)])
        var counted = FeatureStream.PassCount()
        func run(screenLayer: Int?, opened: Set<Int>) -> [FeatureStream.Pass] {
            var stream = FeatureStream(encoder: encoder, windowing: .standard, taps: [cheap, deep], screenLayer: screenLayer)
            var passes: [FeatureStream.Pass] = []
            // Isolated passes after long closed stretches (the deep history restarts), runs of
            // consecutive ones (it continues), and the final pass.
            func open(_ pass: FeatureStream.Pass) -> Bool { opened.contains(passes.count) }
            for start in stride(from: 0, to: audio.count, by: 7_777) {
                for pass in stream.push(Array(audio[start..<min(start + 7_777, audio.count)]), open: open) { passes.append(pass) }
            }
            passes += stream.finish(open: open)
            counted = stream.passCount
            return passes
        }
        let full = run(screenLayer: nil, opened: [])
        #expect(full.count == 18)
        #expect(counted == FeatureStream.PassCount(passes: 18, deep: 18))
        // Deep passes: a pass opened after closed ones also runs the two before it, whose kept
        // positions its first hop's 1 s pool reaches (pass 1 has only pass 0 before it; pass 0
        // is the first); a pass after an opened one runs alone.
        let deepPasses: [Set<Int>: Int] = [
            [1, 2, 3, 7, 12, 13, 17]: 2 + 1 + 1 + 3 + 3 + 1 + 3, [0]: 1, [5, 6, 7, 8, 9, 10]: 3 + 5, Set(0..<18): 18, []: 0,
        ]
        let everyPass = run(screenLayer: 1, opened: Set(0..<18))
        for (c, f) in zip(everyPass, full) {
            #expect(maxAbsDifference(c.inputs(cheap).features.values, f.inputs(cheap).features.values) < 1e-5)
        }
        for opened: Set<Int> in [[1, 2, 3, 7, 12, 13, 17], [0], [5, 6, 7, 8, 9, 10], Set(0..<18), []] {
            let cascade = run(screenLayer: 1, opened: opened)
            #expect(counted == FeatureStream.PassCount(passes: 18, deep: deepPasses[opened]!), "opened \(opened.sorted())")
            #expect(cascade.count == full.count)
            for (i, (c, f)) in zip(cascade, full).enumerated() {
                #expect(c.hops(deep) == f.hops(deep) && c.hops(cheap) == f.hops(cheap))
                #expect(c.inputs(cheap).features == everyPass[i].inputs(cheap).features, "pass \(i), block 1")
                if opened.contains(i) {
                    #expect(c.computed(deep)?.features == f.inputs(deep).features, "pass \(i), block 3, opened \(opened.sorted())")
                } else {
                    #expect(c.computed(deep) == nil, "pass \(i), closed")
                }
            }
        }
    }

    @Test("a screen that opens every pass changes no score; one that opens none leaves σ(−30); one in between, whole passes")
    func detectorBehindScreen() throws {
        let encoder = try SharedEncoder.load()
        let audio = Array(try Clip.load(TestPaths.sample("stream/stream.flac"))[0..<(12 * 16_000)])
        let plain = try DetectionTests.randomModel(encoder: encoder, threshold: nil, seed: 3, layer: 3)
        let screenHead = try DetectionTests.randomModel(encoder: encoder, threshold: nil, seed: 9, layer: 1).head
        func scores(_ model: WakeWordModel) throws -> ([HopScore], [Detection]) {
            var detector = try Detector(models: [model], encoder: encoder)
            var scores: [HopScore] = []
            var found = detector.process(audio) { scores.append($0) }
            found += detector.finish { scores.append($0) }
            return (scores, found)
        }
        let (reference, referenceFound) = try scores(plain)
        func screened(_ threshold: Float) throws -> ([HopScore], [Detection]) {
            var model = plain
            model.screen = Screen(layer: 1, head: screenHead, threshold: threshold)
            return try scores(model)
        }
        let (all, allFound) = try screened(-.infinity)
        #expect(all == reference && allFound == referenceFound)
        let (none, noneFound) = try screened(.infinity)
        #expect(none.map(\.sample) == reference.map(\.sample) && none.allSatisfy { $0.score == TriggerHead.sigmoid(Screen.closedLogit) })
        #expect(noneFound.isEmpty)
        // The screen head's median logit over the hops: some passes open, some do not.
        let windowing = Windowing.standard
        var stream = FeatureStream(encoder: encoder, windowing: windowing, taps: [FeatureStream.Tap(pools: windowing.pools, layer: 1)])
        let tap = FeatureStream.Tap(pools: windowing.pools, layer: 1)
        let passes = stream.push(audio) + stream.finish()
        let screenLogits = passes.flatMap { screenHead.logits($0.inputs(tap).features) }
        let median = screenLogits.sorted()[screenLogits.count / 2]
        let (some, _) = try screened(median)
        var kinds: [Int: Set<Bool>] = [:]  // pass: whether its hops kept their scores
        for (s, r) in zip(some, reference) {
            #expect(s.sample == r.sample)
            #expect(s.score == r.score || s.score == TriggerHead.sigmoid(Screen.closedLogit))
            kinds[Screen.Trace.pass(s.sample, windowing), default: []].insert(s.score == r.score)
        }
        #expect(kinds.values.allSatisfy { $0.count == 1 }, "a pass is opened or closed whole")
        #expect(kinds.values.contains([true]) && kinds.values.contains([false]))
        // Opened exactly where a hop of the pass reaches the screen's threshold.
        let hops = passes.flatMap { $0.inputs(tap).hops }
        let trace = Screen.Trace(hops: hops, screenLogits: screenLogits)
        let opened = trace.passes(threshold: median, windowing: windowing).opened
        #expect(Set(kinds.filter { $0.value == [true] }.keys) == opened)
    }

    @Test("a model scores only the passes its own screen opens, whatever models run beside it")
    func ownScreenBesideOthers() throws {
        let encoder = try SharedEncoder.load()
        let audio = Array(try Clip.load(TestPaths.sample("stream/stream.flac"))[0..<(12 * 16_000)])
        let screenHead = try DetectionTests.randomModel(encoder: encoder, threshold: nil, seed: 9, layer: 1).head
        let windowing = Windowing.standard
        let tap = FeatureStream.Tap(pools: windowing.pools, layer: 1)
        var stream = FeatureStream(encoder: encoder, windowing: windowing, taps: [tap])
        let screenLogits = (stream.push(audio) + stream.finish()).flatMap { screenHead.logits($0.inputs(tap).features) }
        var model = try DetectionTests.randomModel(encoder: encoder, threshold: 0.5, seed: 3, layer: 3)
        // Midway between two logits near the median at least 1e-3 apart: beside a model
        // without a screen, block 1 runs whole and its logits move by rounding (about 1e-6).
        let sorted = screenLogits.sorted()
        let gap = try #require((sorted.count / 2..<(sorted.count - 1)).first { sorted[$0 + 1] - sorted[$0] > 1e-3 })
        model.screen = Screen(layer: 1, head: screenHead, threshold: (sorted[gap] + sorted[gap + 1]) / 2)
        // Beside it: a model whose screen opens every pass (a cascade opening all), and one
        // without a screen (no cascade: every pass runs every block).
        var opensAll = try DetectionTests.randomModel(encoder: encoder, threshold: 0.5, seed: 4, layer: 3)
        opensAll.screen = Screen(layer: 1, head: screenHead, threshold: -.infinity)
        let unscreened = try DetectionTests.randomModel(encoder: encoder, threshold: 0.5, seed: 5, layer: 3)
        func run(_ models: [WakeWordModel]) throws -> (scores: [HopScore], found: [Detection]) {
            var detector = try Detector(models: models, encoder: encoder)
            var scores: [HopScore] = []
            var found = detector.process(audio) { if $0.model == 0 { scores.append($0) } }
            found += detector.finish { if $0.model == 0 { scores.append($0) } }
            return (scores, found.filter { $0.model == model.name })
        }
        let alone = try run([model])
        let closed = alone.scores.filter { $0.score == TriggerHead.sigmoid(Screen.closedLogit) }.count
        #expect(closed > 0 && closed < alone.scores.count, "the screen opens some passes and closes others")
        for others in [[opensAll], [unscreened], [opensAll, unscreened]] {
            let beside = try run([model] + others)
            #expect(beside.scores == alone.scores && beside.found == alone.found, "\(others.map(\.name))")
        }
    }

    @Test("training's gating and opened fraction, by hand")
    func gatingByHand() {
        let windowing = Windowing.standard  // window 16 000, stride 8 000
        #expect([0, 16_000, 16_001, 24_000, 24_001, 32_000].map { Screen.Trace.pass($0, windowing) } == [0, 0, 1, 1, 2, 2])
        let trace = Screen.Trace(hops: [16_000, 17_600, 24_000, 25_600, 40_000], screenLogits: [-5, 2, -1, -3, 0])
        let closed = Screen.closedLogit
        #expect(Screen.gated([1, 2, 3, 4, 5], trace: trace, threshold: 0, windowing: windowing) == [closed, 2, 3, closed, 5])
        #expect(
            Screen.gated([1, 2, 3, 4, 5], trace: trace, threshold: 2.5, windowing: windowing) == [closed, closed, closed, closed, closed])
        // Passes 0, 1, 2, 3 have hops; 1 and 3 open at 0.
        #expect(Screen.openedFraction([trace], threshold: 0, windowing: windowing) == 0.5)
        #expect(Screen.openedFraction([trace, Screen.Trace(hops: [16_000], screenLogits: [9])], threshold: 0, windowing: windowing) == 0.6)
        #expect(Screen.openedFraction([], threshold: 0, windowing: windowing) == 0)
        // The passes' highest logits are 2, 0, −3 and −5: opening half of them takes 0.
        #expect([0.5, 0.25, 0.01, 1].map { Screen.level(opening: $0, [trace], windowing: windowing) } == [0, 2, 2, -5])
        #expect(
            Screen.openedFraction([trace], threshold: Screen.level(opening: 0.5, [trace], windowing: windowing), windowing: windowing)
                == 0.5)
        #expect(Screen.level(opening: 0.05, [], windowing: windowing) == -.infinity)
    }
}
