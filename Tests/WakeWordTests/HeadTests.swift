import Foundation
import Testing

@testable import WakeWord

@Suite("Head") struct HeadTests {
    /// A small random problem: features, 0/1 labels, positive weights.
    private func problem(rows: Int, columns: Int, seed: UInt64) -> (Matrix, [Float], [Float]) {
        var generator = SplitMix64(seed: seed)
        let features = Matrix(
            rows: rows, columns: columns, values: (0..<(rows * columns)).map { _ in Float.random(in: -2...2, using: &generator) })
        let labels = (0..<rows).map { _ in Float(Int.random(in: 0...1, using: &generator)) }
        let weights = (0..<rows).map { _ in Float.random(in: 0.5...2, using: &generator) }
        return (features, labels, weights)
    }

    @Test("gradients match central finite differences", arguments: TriggerHead.Kind.allCases)
    func gradients(kind: TriggerHead.Kind) {
        let (features, labels, weights) = problem(rows: 12, columns: 5, seed: 1)
        var generator = SplitMix64(seed: 2)
        var head = TriggerHead(kind: kind, inputs: 5, hidden: 4, generator: &generator)
        head.standardise(on: features)
        for i in head.parameters.indices { head.parameters[i] += Float.random(in: -0.3...0.3, using: &generator) }
        let l2: Float = 0.01
        let analytic = head.lossAndGradient(features, labels: labels, weights: weights, l2: l2).gradient
        let step: Float = 1e-2
        for i in head.parameters.indices {
            var plus = head
            var minus = head
            plus.parameters[i] += step
            minus.parameters[i] -= step
            let numeric =
                (plus.lossAndGradient(features, labels: labels, weights: weights, l2: l2).loss
                    - minus.lossAndGradient(features, labels: labels, weights: weights, l2: l2).loss) / Double(2 * step)
            #expect(abs(numeric - Double(analytic[i])) < 2e-3 * max(1, abs(numeric)), "parameter \(i)")
        }
    }

    @Test("fitting drives the loss down and separates a separable problem", arguments: TriggerHead.Kind.allCases)
    func separable(kind: TriggerHead.Kind) {
        var generator = SplitMix64(seed: 5)
        // Two clusters in 8 dimensions, labelled by the sign of the first coordinate.
        let rows = 400
        var values: [Float] = []
        var labels: [Float] = []
        for _ in 0..<rows {
            let label = Float(Int.random(in: 0...1, using: &generator))
            values.append((label == 1 ? 1 : -1) * Float.random(in: 0.5...2, using: &generator))
            for _ in 1..<8 { values.append(Float.random(in: -1...1, using: &generator)) }
            labels.append(label)
        }
        let features = Matrix(rows: rows, columns: 8, values: values)
        var head = TriggerHead(kind: kind, inputs: 8, hidden: 8, generator: &generator)
        head.standardise(on: features)
        var fitting = HeadFitting()
        fitting.epochs = 40
        fitting.batchSize = 32
        fitting.learningRate = 1e-2
        let (fitted, losses) = fitting.fit(
            head, features: features, labels: labels, weights: [Float](repeating: 1, count: rows), generator: &generator)
        #expect(losses.last! < 0.5 * losses.first!)
        #expect(losses.last! < 0.1)
        let scores = fitted.scores(features)
        #expect(zip(scores, labels).allSatisfy { ($0 >= 0.5) == ($1 == 1) })
        #expect(losses.count == 40)
    }

    @Test("an averaged head's logit is the mean of its members' logits", arguments: TriggerHead.Kind.allCases)
    func averaging(kind: TriggerHead.Kind) throws {
        let (features, _, _) = problem(rows: 20, columns: 6, seed: 3)
        var generator = SplitMix64(seed: 4)
        var template = TriggerHead(kind: kind, inputs: 6, hidden: 5, generator: &generator)
        template.standardise(on: features)
        let members = (0..<3).map { _ in
            var member = template
            member.parameters = member.parameters.map { _ in Float.random(in: -1...1, using: &generator) }
            return member
        }
        let averaged = TriggerHead.averaging(members)
        #expect(averaged.kind == kind && averaged.hidden == (kind == .mlp ? 15 : 0))
        let expected = (0..<features.rows).map { r in members.map { $0.logits(features)[r] }.reduce(0, +) / 3 }
        for (got, want) in zip(averaged.logits(features), expected) { #expect(abs(got - want) < 1e-5 * max(1, abs(want))) }
        #expect(TriggerHead.averaging([members[0]]) == members[0])
    }

    @Test("training's averaged head is the average of members fitted from seeds drawn in order, on one thread or two alike")
    func trainerEnsemble() throws {
        let set = HeadTests.separableSet()
        let encoder = try WhisperEncoder(model: try CTranslate2Model(bytes: CTranslate2Writer.tinyWhisper().data, path: "m.bin"))
        var options = TrainingOptions()
        (options.ensemble, options.hidden, options.fitting.epochs) = (3, 4, 3)
        let rows = set.rows(excluding: nil)
        func fitted(threads: Int) throws -> TriggerHead {
            options.threads = threads
            var generator = SplitMix64(seed: 9)
            return try Trainer(encoder: encoder, options: options).fitHead(set, rows: rows, generator: &generator)
        }
        let averaged = try fitted(threads: 1)
        #expect(try fitted(threads: 2) == averaged)
        #expect(averaged.hidden == 12)
        var seeds = SplitMix64(seed: 9)
        let members = (0..<3).map { _ in seeds.next() }.map { seed in
            var generator = SplitMix64(seed: seed)
            return Trainer(encoder: encoder, options: options).fitMember(set, rows: rows, generator: &generator)
        }
        #expect(members[0] != members[1])
        #expect(TriggerHead.averaging(members) == averaged)
    }

    @Test("cross-validation's fold heads are fitted without their fold, standardised alike on every row, and average")
    func foldHeads() throws {
        let set = HeadTests.separableSet()
        let encoder = try WhisperEncoder(model: try CTranslate2Model(bytes: CTranslate2Writer.tinyWhisper().data, path: "m.bin"))
        var options = TrainingOptions()
        (options.hidden, options.fitting.epochs) = (4, 3)
        #expect(options.resolvedFinalHead == .foldAverage)
        let trainer = Trainer(encoder: encoder, options: options)
        var cvGenerator = SplitMix64(seed: 9)
        let validated = try trainer.crossValidate(
            set, screenSet: nil, windowing: .standard, calibrationHeads: .folds, generator: &cvGenerator, progress: { _ in },
            isCancelled: { false })
        #expect(validated.foldHeads.count == 2 && validated.foldScreens.isEmpty)
        var expected = SplitMix64(seed: 9)
        for fold in 0..<2 {
            let head = trainer.fitMember(
                set, rows: set.rows(excluding: fold), standardisingOn: set.rows(excluding: nil), generator: &expected)
            #expect(validated.foldHeads[fold] == head)
        }
        #expect(validated.foldHeads[0] != validated.foldHeads[1])
        #expect(TriggerHead.averaging(validated.foldHeads).hidden == 8)
        // Several heads per fit are refitted unless a fold average is asked for, which refuses them.
        (options.ensemble, options.layer) = (2, 2)
        #expect(options.resolvedFinalHead == .refit)
        options.finalHead = .foldAverage
        #expect(throws: WakeWordError.invalidInput("a fold-average head averages one head per fold: use it with ensemble 1")) {
            try Trainer(encoder: encoder, options: options).train(
                TrainingInput(positives: ["/nonexistent.wav"], negatives: ["/nonexistent.wav"]))
        }
    }

    @Test("calibration's stand-in for the average: the mean of the heads fitted without a fold and one other; the lower threshold taken")
    func pairAverage() throws {
        let set = HeadTests.separableSet(clips: 3, folds: 3)
        let encoder = try WhisperEncoder(model: try CTranslate2Model(bytes: CTranslate2Writer.tinyWhisper().data, path: "m.bin"))
        var options = TrainingOptions()
        (options.hidden, options.fitting.epochs, options.seed) = (4, 3, 5)
        let all = set.rows(excluding: nil)
        let proxy = try Trainer(encoder: encoder, options: options).pairAverageLogits(set, standardisingOn: all)
        options.threads = 1
        #expect(try Trainer(encoder: encoder, options: options).pairAverageLogits(set, standardisingOn: all) == proxy)

        // By hand: the pairs in order, each head's seed drawn in turn from the "pairs" generator.
        let trainer = Trainer(encoder: encoder, options: options)
        let inFold = (0..<3).map { Set(all).subtracting(set.rows(excluding: $0)) }
        var seeds = SplitMix64(seed: 5, purpose: "pairs")
        var expected = [Float](repeating: 0, count: set.labels.count)
        var singles: [TriggerHead] = []
        for (f, g) in [(0, 1), (0, 2), (1, 2)] {
            var generator = SplitMix64(seed: seeds.next())
            let rows = all.filter { !inFold[f].contains($0) && !inFold[g].contains($0) }
            #expect(rows.count == inFold[3 - f - g].count)
            let head = trainer.fitMember(set, rows: rows, standardisingOn: all, generator: &generator)
            singles.append(head)
            let held = inFold[f].union(inFold[g]).sorted()
            for (row, logit) in zip(held, set.logits(head, rows: held)) { expected[row] += logit / 2 }
        }
        #expect(proxy == expected)
        #expect(singles[0] != singles[1] && singles[1] != singles[2])

        // Cross-validation reads its threshold from them; with two folds there is no pair to
        // leave out, and it reads the fold heads' scores, as `folds` does.
        func validated(_ heads: TrainingOptions.CalibrationHeads, _ set: TrainingSet) throws -> Trainer.CrossValidation {
            var generator = SplitMix64(seed: 9)
            return try trainer.crossValidate(
                set, screenSet: nil, windowing: .standard, calibrationHeads: heads, generator: &generator, progress: { _ in },
                isCancelled: { false })
        }
        let (pairs, folds) = (try validated(.pairs, set), try validated(.folds, set))
        #expect(pairs.foldHeads == folds.foldHeads)
        #expect(pairs.calibration != folds.calibration)
        // By hand: the lower of the pairs' threshold and the fold heads' own, each calibrated
        // on the held-out chunks (here without the lowering for the words' sake). The fold
        // heads fitted from seed 9 set a higher threshold than the pairs, those from seed 44
        // a lower one: each case takes the lower, with its rates.
        var uncapped = options
        uncapped.maximumExpectedFRR = 1
        func calibration(_ logits: (TrainingSet.Chunk) -> [Float]) -> Calibration {
            let streams = set.chunks.filter { !$0.rows.isEmpty }.map { chunk in
                let smoothed = ScoreSmoother.smooth(logits(chunk), hops: chunk.hops, count: uncapped.smoothing, hopSize: set.hop)
                return Calibration.Stream(hops: chunk.hops, logits: smoothed.map(\.logit))
            }
            return Calibration(
                streams: streams, hours: set.calibrationSeconds / 3600, refractory: AudioFormat.samples(seconds: uncapped.refractory))
        }
        let byPairs = calibration { Array(proxy[$0.rows]) }
        let target = uncapped.targetFAPerHour
        for (foldSeed, pairsLower) in [(UInt64(9), true), (44, false)] {
            var generator = SplitMix64(seed: foldSeed)
            let lowest = try Trainer(encoder: encoder, options: uncapped).crossValidate(
                set, screenSet: nil, windowing: .standard, calibrationHeads: .pairs, generator: &generator, progress: { _ in },
                isCancelled: { false })
            let byFolds = calibration { set.logits(lowest.foldHeads[$0.fold], rows: Array($0.rows)) }
            let (pairsThreshold, foldThreshold) = (byPairs.threshold(forFAPerHour: target), byFolds.threshold(forFAPerHour: target))
            #expect((pairsThreshold.logit < foldThreshold.logit) == pairsLower)
            #expect(lowest.calibration == (pairsLower ? pairsThreshold : foldThreshold))
        }
        let two = HeadTests.separableSet()
        #expect(try validated(.pairs, two).calibration == (try validated(.folds, two).calibration))
        // By default, pairs for negatives shorter than 2 hours, where copies are made; folds for longer ones.
        #expect(options.resolvedCalibrationHeads(negativeSeconds: 26 * 60) == .pairs)
        #expect(options.resolvedCalibrationHeads(negativeSeconds: 8.4 * 3600) == .folds)
        options.calibrationHeads = .pairs
        #expect(options.resolvedCalibrationHeads(negativeSeconds: 8.4 * 3600) == .pairs)
    }

    @Test("a negative stream's noisy copies are held out in its fold; streams, not recordings, are dealt to folds")
    func copiesShareFolds() {
        var generator = SplitMix64(seed: 3)
        func entry(_ rows: Int) -> FeatureCache.Entry {
            FeatureCache.Entry(
                hops: (1...rows).map { $0 * 1_600 }, labels: [Float](repeating: 0, count: rows),
                features: Matrix(rows: rows, columns: 2, values: (0..<(2 * rows)).map { Float($0) }), samples: rows * 1_600)
        }
        let originals = (0..<4).map { NegativeRecording(paths: ["n\($0)"], entry: entry(10), cached: false, stream: $0) }
        let copies = (0..<4).map {
            NegativeRecording(paths: ["n\($0)"], entry: entry(10), cached: false, stream: $0, isCopy: true)
        }
        let scenes = (0..<3).map { LabelledScene(entry: entry(2), clip: $0, isFair: true) }
        let set = TrainingSet(negatives: originals + copies, scenes: scenes, clips: 3, folds: 3, hop: 1_600, generator: &generator)
        #expect(set.chunks.count == 8)
        for stream in 0..<4 { #expect(set.chunks[stream].fold == set.chunks[stream + 4].fold) }
        #expect(Set(set.chunks.map(\.fold)) == [0, 1, 2])
        #expect(set.calibrationSeconds == 8)
        // Fewer streams than folds: each is cut into equal segments, a copy's like its original's.
        var small = SplitMix64(seed: 3)
        let two = TrainingSet(
            negatives: [originals[0], copies[0]], scenes: scenes, clips: 3, folds: 3, hop: 1_600, generator: &small)
        #expect(two.chunks.map(\.fold) == [0, 1, 2, 0, 1, 2])
    }

    /// A small separable training set: 3 negative streams of 40 rows and 6 scenes of 4 rows
    /// from `clips` clips, 8 features a row (the first shifted by 2 in positives), `folds` folds.
    static func separableSet(clips: Int = 2, folds: Int = 2) -> TrainingSet {
        var generator = SplitMix64(seed: 11)
        func entry(rows: Int, label: Float) -> FeatureCache.Entry {
            let values = (0..<(rows * 8)).map { i in Float.random(in: -1...1, using: &generator) + (i % 8 == 0 ? 2 * label : 0) }
            return FeatureCache.Entry(
                hops: (1...rows).map { $0 * 1_600 }, labels: [Float](repeating: label, count: rows),
                features: Matrix(rows: rows, columns: 8, values: values), samples: rows * 1_600)
        }
        let negatives = (0..<3).map {
            NegativeRecording(paths: ["n\($0)"], entry: entry(rows: 40, label: 0), cached: false, stream: $0)
        }
        let scenes = (0..<6).map { LabelledScene(entry: entry(rows: 4, label: 1), clip: $0 % clips, isFair: true) }
        return TrainingSet(negatives: negatives, scenes: scenes, clips: clips, folds: folds, hop: 1_600, generator: &generator)
    }

    @Test("the number of averaged heads is stored only when more than one")
    func averagedHeadsInHeader() throws {
        var model = try HeadTests.model(kind: .mlp)
        #expect(!String(decoding: try ModelFile.encode(model), as: UTF8.self).contains("averaged_heads"))
        model.training.averagedHeads = 4
        let encoded = try ModelFile.encode(model)
        #expect(String(decoding: encoded, as: UTF8.self).contains("\"averaged_heads\" : 4"))
        #expect(try ModelFile.decode(encoded, path: "m").training.averagedHeads == 4)
    }

    @Test("many rows get fewer epochs: a bounded number of rows visited, at least the minimum")
    func epochBudget() {
        var fitting = HeadFitting()
        (fitting.epochs, fitting.maximumRowVisits, fitting.minimumEpochs) = (30, 1_500_000, 4)
        #expect(fitting.epochs(rows: 25_000) == 30)  // 750,000 visits: all epochs
        #expect(fitting.epochs(rows: 100_000) == 15)  // 1.5 M / 100,000
        #expect(fitting.epochs(rows: 1_000_000) == 4)  // the minimum
        fitting.epochs = 2
        #expect(fitting.epochs(rows: 1_000_000) == 2)  // never more than asked for
    }

    @Test("the model file round-trips exactly")
    func modelRoundTrip() throws {
        let model = try HeadTests.model(kind: .mlp)
        let decoded = try ModelFile.decode(try ModelFile.encode(model), path: "m.wakeword")
        #expect(decoded.head == model.head)
        #expect(decoded.name == model.name && decoded.threshold == model.threshold && decoded.layer == model.layer)
        #expect(decoded.windowing == model.windowing && decoded.refractory == model.refractory && decoded.smoothing == model.smoothing)
        #expect(decoded.encoder == model.encoder && decoded.training == model.training && decoded.frontEnd == model.frontEnd)
    }

    @Test("a screen is stored as format 3 after the head's weights, round-trips, and is checked on reading")
    func screenInModelFile() throws {
        var model = try HeadTests.model(kind: .mlp)
        var generator = SplitMix64(seed: 11)
        var screenHead = TriggerHead(kind: .linear, inputs: 16, generator: &generator)
        screenHead.mean = (0..<16).map { Float($0) * -0.2 }
        model.screen = Screen(layer: 1, head: screenHead, threshold: -2.75)
        model.training.screenOpenedPasses = 0.125
        let data = try ModelFile.encode(model)
        #expect(data[8] == 3 && data[8] == ModelFile.formatVersion)
        let decoded = try ModelFile.decode(data, path: "m")
        #expect(decoded.screen == model.screen && decoded.head == model.head && decoded.training.screenOpenedPasses == 0.125)
        let headerLength = Int(data[12]) | Int(data[13]) << 8
        let header = try #require(try JSONSerialization.jsonObject(with: data.subdata(in: 16..<(16 + headerLength))) as? [String: Any])
        let screen = try #require(header["screen"] as? [String: Any])
        #expect(screen["layer"] as? Int == 1 && screen["threshold_logit"] as? Double == -2.75)
        let payload = data.subdata(in: (16 + headerLength)..<(data.count - 8))
        let floats = payload.withUnsafeBytes { raw in
            (0..<(payload.count / 4)).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)) }
        }
        // The screen's weights follow the head's: mean, scale, parameters.
        let headFloats = 2 * 16 + model.head.parameters.count
        #expect(floats.count == headFloats + 2 * 16 + 17 && Array(floats[headFloats..<(headFloats + 16)]) == screenHead.mean)
        func edited(_ change: (inout [String: Any]) -> Void, version: UInt32 = 3, payload: [Float]? = nil) throws -> Data {
            var copy = header
            change(&copy)
            let json = String(decoding: try JSONSerialization.data(withJSONObject: copy), as: UTF8.self)
            return modelBytes(json: json, payload: payload ?? floats, version: version)
        }
        #expect(try ModelFile.decode(try edited { _ in }, path: "m").screen == model.screen)
        #expect(throws: WakeWordError.badModel(path: "m", reason: "screen needs format version 3, not 2")) {
            try ModelFile.decode(try edited({ _ in }, version: 2), path: "m")
        }
        for layer in [0, 2] {
            #expect(throws: WakeWordError.badModel(path: "m", reason: "screen layer \(layer) is not a block before the model's layer 2")) {
                try ModelFile.decode(
                    try edited { $0["screen"] = ["layer": layer, "threshold_logit": 0, "head": screen["head"]!] }, path: "m")
            }
        }
        #expect(
            throws: WakeWordError.badModel(path: "m", reason: "expected \((headFloats + 49) * 4) bytes of weights, found \(headFloats * 4)")
        ) {
            try ModelFile.decode(try edited({ _ in }, payload: Array(floats.prefix(headFloats))), path: "m")
        }
        // Without a screen: format 1 and no field, as before.
        model.screen = nil
        model.training.screenOpenedPasses = nil
        let plain = try ModelFile.encode(model)
        #expect(plain[8] == 1 && !String(decoding: plain, as: UTF8.self).contains("screen"))
    }

    @Test("smoothing is stored only when it averages more than one hop, and checked on reading")
    func smoothingInHeader() throws {
        var model = try HeadTests.model(kind: .linear)
        let plain = try ModelFile.encode(model)
        #expect(!String(decoding: plain, as: UTF8.self).contains("smoothing"))  // files as before smoothing
        #expect(try ModelFile.decode(plain, path: "m").smoothing == 1)
        model.smoothing = 3
        let smoothed = try ModelFile.encode(model)
        #expect(String(decoding: smoothed, as: UTF8.self).contains("\"smoothing_hops\" : 3"))
        #expect(try ModelFile.decode(smoothed, path: "m").smoothing == 3)
        // Format 2 when smoothed, so that earlier releases refuse it rather than ignore the field.
        #expect(plain[8] == 1 && smoothed[8] == 2)
        // Out of range in the header: refused by name.
        let headerLength = Int(smoothed[12]) | Int(smoothed[13]) << 8
        var header = try #require(try JSONSerialization.jsonObject(with: smoothed.subdata(in: 16..<(16 + headerLength))) as? [String: Any])
        let payload = smoothed.subdata(in: (16 + headerLength)..<(smoothed.count - 8))
        let floats = payload.withUnsafeBytes { raw in
            (0..<(payload.count / 4)).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)) }
        }
        for bad in [0, 51] {
            header["smoothing_hops"] = bad
            let json = String(decoding: try JSONSerialization.data(withJSONObject: header), as: UTF8.self)
            #expect(throws: WakeWordError.badModel(path: "m", reason: "smoothing_hops \(bad) is outside 1...50")) {
                try ModelFile.decode(modelBytes(json: json, payload: floats, version: 2), path: "m")
            }
        }
        header["smoothing_hops"] = 3
        let json = String(decoding: try JSONSerialization.data(withJSONObject: header), as: UTF8.self)
        #expect(try ModelFile.decode(modelBytes(json: json, payload: floats, version: 2), path: "m").smoothing == 3)
        #expect(throws: WakeWordError.badModel(path: "m", reason: "smoothing_hops needs format version 2, not 1")) {
            try ModelFile.decode(modelBytes(json: json, payload: floats, version: 1), path: "m")
        }
        #expect(
            throws: WakeWordError.badModel(
                path: "m", reason: "format version 4 is not supported (expected 1 to 3): it was written by a newer wakeword")
        ) {
            try ModelFile.decode(modelBytes(json: json, payload: floats, version: 4), path: "m")
        }
    }

    @Test("training refuses a smoothing calibration cannot check, before any work")
    func smoothingLimit() throws {
        #expect(TrainingOptions.maximumSmoothing(hop: 1_600) == 4 && TrainingOptions.maximumSmoothing(hop: 800) == 8)
        for smoothing in [0, 5] {
            var options = TrainingOptions()
            options.smoothing = smoothing
            let trainer = Trainer(encoder: try SharedEncoder.load(), options: options)
            #expect(
                throws: WakeWordError.invalidInput(
                    "smoothing \(smoothing) is outside 1...4 hops (a training scene labels that many hops after the word)")
            ) {
                try trainer.train(TrainingInput(positives: ["/nonexistent.wav"], negatives: ["/nonexistent.wav"]))
            }
        }
    }

    @Test("training refuses an ensemble outside 1...maximumEnsemble, before any work")
    func ensembleLimit() throws {
        #expect(TrainingOptions.maximumEnsemble == 8)
        for ensemble in [0, -1, 9] {
            var options = TrainingOptions()
            options.ensemble = ensemble
            let trainer = Trainer(encoder: try SharedEncoder.load(), options: options)
            #expect(throws: WakeWordError.invalidInput("ensemble \(ensemble) is outside 1...8 heads")) {
                try trainer.train(TrainingInput(positives: ["/nonexistent.wav"], negatives: ["/nonexistent.wav"]))
            }
        }
    }

    @Test("noise given twice under two names is one source, in the order first given")
    func noiseOnce() throws {
        let folder = TestPaths.sample("negatives/noise")
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("noise-copy-\(getpid()).flac").path
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: "\(folder)/pink_noise.flac", toPath: copy)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        var warnings: [String] = []
        let sources = Trainer.loadNoise(
            ["\(folder)/white_noise.flac", copy, "\(folder)/pink_noise.flac", "\(folder)/white_noise.flac"],
            warn: { warnings.append($0) })
        #expect(sources.map(\.name) == ["\(folder)/white_noise.flac", copy] && warnings.isEmpty)
        #expect(sources[0].hash != sources[1].hash)
    }

    @Test("a model trained on another encoder is refused")
    func encoderMismatch() throws {
        let encoder = try WhisperEncoder(model: try CTranslate2Model(bytes: CTranslate2Writer.tinyWhisper().data, path: "a.bin"))
        let other = try WhisperEncoder(model: try CTranslate2Model(bytes: CTranslate2Writer.tinyWhisper(seed: 8).data, path: "b.bin"))
        #expect(encoder.identity != other.identity)
        var model = try HeadTests.model(kind: .linear)
        model.encoder = encoder.identity
        #expect(throws: Never.self) { try model.check(against: encoder, path: "m.wakeword") }
        #expect(
            throws: WakeWordError.encoderMismatch(
                path: "m.wakeword", model: encoder.identity.description, loaded: other.identity.description)
        ) {
            try model.check(against: other, path: "m.wakeword")
        }
        #expect(throws: WakeWordError.self) { try Detector(models: [model], encoder: other) }
    }

    @Test("damaged model files are refused with a reason")
    func damagedModel() throws {
        let data = try ModelFile.encode(try HeadTests.model(kind: .linear))
        var flipped = data
        flipped[40] ^= 0x20
        #expect(throws: WakeWordError.badModel(path: "m", reason: "checksum mismatch: the file is damaged or truncated")) {
            try ModelFile.decode(flipped, path: "m")
        }
        #expect(throws: WakeWordError.self) { try ModelFile.decode(data.prefix(data.count - 1), path: "m") }
        #expect(throws: WakeWordError.badModel(path: "m", reason: "it does not start with the WAKEWORD signature")) {
            try ModelFile.decode(Data("RIFF".utf8), path: "m")
        }
    }

    @Test("a model file cut at every 1 KB boundary of its first 64 KB is refused, never crashes")
    func truncatedModels() throws {
        // A real-size head: 768 inputs, 32 hidden units, about 110 KB.
        let encoder = try SharedEncoder.load()
        var generator = SplitMix64(seed: 12)
        let head = TriggerHead(kind: .mlp, inputs: 768, hidden: 32, generator: &generator)
        let model = WakeWordModel(
            name: "big", threshold: 0.9, layer: 1, windowing: .standard, refractory: 1, head: head,
            encoder: encoder.identity, training: TrainingSummary())
        let data = try ModelFile.encode(model)
        #expect(data.count > 64 * 1024)
        for kilobytes in 0...64 {
            #expect(throws: WakeWordError.self) { try ModelFile.decode(data.prefix(kilobytes * 1024), path: "m") }
        }
        #expect(try ModelFile.decode(data, path: "m").head == head)
    }

    /// Model-file bytes with `json` as the header and a valid checksum.
    private func modelBytes(json: String, payload: [Float] = [], version: UInt32 = 1) -> Data {
        var data = Data("WAKEWORD".utf8)
        func append<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        append(version)
        append(UInt32(json.utf8.count))
        data.append(contentsOf: Array(json.utf8))
        payload.forEach { append($0.bitPattern) }
        append(ContentHash.of(data).value)
        return data
    }

    @Test("headers that are not an object, lack a field or do not fit are refused by name")
    func badHeaders() throws {
        #expect(throws: WakeWordError.badModel(path: "m", reason: "the header is not a JSON object")) {
            try ModelFile.decode(modelBytes(json: "[1, 2]"), path: "m")
        }
        #expect(throws: WakeWordError.badModel(path: "m", reason: "the header is not a JSON object")) {
            try ModelFile.decode(modelBytes(json: "{\"name\": "), path: "m")
        }
        // A valid header with one field removed names the field.
        let good = try ModelFile.encode(try HeadTests.model(kind: .linear))
        let headerLength = Int(good[12]) | Int(good[13]) << 8
        var header = try #require(try JSONSerialization.jsonObject(with: good.subdata(in: 16..<(16 + headerLength))) as? [String: Any])
        header.removeValue(forKey: "threshold")
        let json = String(decoding: try JSONSerialization.data(withJSONObject: header), as: UTF8.self)
        let payload = good.subdata(in: (16 + headerLength)..<(good.count - 8))
        let floats = payload.withUnsafeBytes { raw in
            (0..<(payload.count / 4)).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)) }
        }
        #expect(throws: WakeWordError.badModel(path: "m", reason: "header lacks field threshold")) {
            try ModelFile.decode(modelBytes(json: json, payload: floats), path: "m")
        }
        // A payload of the wrong length.
        header["threshold"] = 0.5
        let fitting = String(decoding: try JSONSerialization.data(withJSONObject: header), as: UTF8.self)
        #expect(throws: WakeWordError.self) {
            try ModelFile.decode(modelBytes(json: fitting, payload: Array(floats.dropLast())), path: "m")
        }
        #expect(throws: Never.self) { try ModelFile.decode(modelBytes(json: fitting, payload: floats), path: "m") }
    }

    @Test("writing a model replaces the old file only when complete")
    func atomicWrite() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/m.wakeword"
        let old = try HeadTests.model(kind: .linear)
        try ModelFile.write(old, to: path)
        // A writer killed mid-way leaves only its temporary file; the target still holds the old model.
        try Data(try ModelFile.encode(HeadTests.model(kind: .mlp)).prefix(100)).write(
            to: URL(fileURLWithPath: "\(directory)/.m.wakeword.123.tmp"))
        #expect(try ModelFile.read(path: path).head == old.head)
        // A write that cannot complete (the directory is gone) throws and leaves nothing behind.
        #expect(throws: WakeWordError.self) { try ModelFile.write(old, to: "\(directory)/missing/m.wakeword") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == [".m.wakeword.123.tmp", "m.wakeword"])
    }

    @Test("augmentation is deterministic for a seed")
    func augmentationDeterministic() throws {
        let windowing = Windowing.standard
        var generator = SplitMix64(seed: 9)
        let noise = AugmentationSources.Source(
            name: "n", samples: (0..<16_000).map { _ in Float.random(in: -0.1...0.1, using: &generator) })
        let augmenter = Augmenter(windowing: windowing, sources: AugmentationSources(noise: [noise], context: [noise]))
        let clip =
            [Float](repeating: 0, count: 8_000) + sine(frequency: 300, seconds: 0.6, rate: 16_000) + [Float](repeating: 0, count: 8_000)
        func draw(_ seed: UInt64) -> [[Float]] {
            var g = SplitMix64(seed: seed)
            return (0..<6).map {
                augmenter.render(
                    clip, bounds: (8_000, 17_600),
                    recipe: augmenter.recipe(index: $0, kind: [.word, .truncated, .replaced][$0 % 3], generator: &g))
            }
        }
        #expect(draw(1) == draw(1))
        #expect(draw(1) != draw(2))
        // The clean copy places the word's end exactly where the recipe says.
        var g = SplitMix64(seed: 3)
        let recipe = augmenter.recipe(index: 0, kind: .word, generator: &g)
        let scene = augmenter.render(clip, bounds: (8_000, 17_600), recipe: recipe)
        #expect(scene.count == recipe.sceneLength)
        #expect(Endpointer.bounds(scene).map { abs($0.end - recipe.endInScene) <= 160 } == true)
    }

    @Test("a purpose's generator starts at the seed plus the purpose's letters, as noisy negatives always drew")
    func purposeSeed() {
        var named = SplitMix64(seed: 7, purpose: "noise")
        var offset = SplitMix64(seed: 7 &+ 0x6E6F_6973_65)
        #expect((0..<4).map { _ in named.next() } == (0..<4).map { _ in offset.next() })
        var wrapped = SplitMix64(seed: .max, purpose: "a")
        var expected = SplitMix64(seed: 0x60)
        #expect(wrapped.next() == expected.next())
    }

    /// One hour of hops every 0.1 s at logit -5, `peaks[i]` at hop 1,000 + `every` · i (so
    /// isolated for a 1 s refractory), as calibration sees a negative stream.
    private func oneHour(peaks: [Float], every: Int = 5_000) -> Calibration {
        let hops = (1...36_000).map { $0 * 1_600 }
        var logits = [Float](repeating: -5, count: hops.count)
        for (i, peak) in peaks.enumerated() { logits[1_000 + every * i] = peak }
        return Calibration(streams: [.init(hops: hops, logits: logits)], hours: 1, refractory: 16_000)
    }

    @Test("calibration reads the threshold off the data, or extrapolates above the highest peaks")
    func calibration() {
        // Five isolated peaks at logits 1...5.
        let calibration = oneHour(peaks: [1, 2, 3, 4, 5])
        #expect(calibration.peaks().prefix(5) == [5, 4, 3, 2, 1])
        // 2 per hour: just above the third-highest peak, and exactly two events there.
        let two = calibration.threshold(forFAPerHour: 2)
        #expect(!two.extrapolated && two.logit == Float(3).nextUp && two.observedEvents == 2 && two.expectedFAPerHour == 2)
        // 0.5 per hour needs extrapolation beyond the highest peak: six peaks (the first hop's
        // -5 too), u = -5, b = 5 / 40, so 5 + ln(1 / 0.5) / b.
        let half = calibration.threshold(forFAPerHour: 0.5)
        #expect(half.extrapolated && abs(Double(half.logit) - (5 + log(2) * 8)) < 1e-4 && half.observedEvents == 0)
        // At a given logit the rates are counted: logit 2 lets the peaks 2...5 through.
        let lowered = calibration.result(atLogit: 2)
        #expect(!lowered.extrapolated && lowered.observedEvents == 4 && lowered.expectedFAPerHour == 4 && !lowered.limitedByFalseRejects)
        #expect(lowered.threshold == TriggerHead.sigmoid(2))
        // Lowered below the 0.5-per-hour threshold for the clips' sake: never promises fewer
        // than the target, even where the audio shows fewer.
        let capped = calibration.lowered(toLogit: 5.5, target: 0.5)
        #expect(capped.limitedByFalseRejects && capped.observedEvents == 0 && capped.expectedFAPerHour == 0.5)
        #expect(calibration.lowered(toLogit: 2, target: 0.5).expectedFAPerHour == 4)
    }

    @Test("of two stand-ins' thresholds the lower is taken, with that stand-in's rates, by hand")
    func calibrationOrAsLowAs() {
        let plain = oneHour(peaks: [1, 2, 3, 4, 5])
        // One outlying peak at 9: u = -5, six peaks exceed it by 54, so 9 + ln 2 · 54 / 6.
        let outlier = oneHour(peaks: [1, 2, 3, 4, 5, 9])
        #expect(abs(Double(outlier.threshold(forFAPerHour: 0.5).logit) - (9 + log(2) * 9)) < 1e-4)
        // The other stand-in's 5 + ln 2 · 40 / 5 is lower: taken, as that stand-in has it.
        let lower = outlier.threshold(forFAPerHour: 0.5, orAsLowAs: plain)
        #expect(abs(Double(lower.logit) - (5 + log(2) * 8)) < 1e-4 && lower == plain.threshold(forFAPerHour: 0.5))
        #expect(lower.extrapolated && lower.observedEvents == 0 && lower.expectedFAPerHour == 0.5)
        // The other way round the own threshold is already the lower one.
        #expect(plain.threshold(forFAPerHour: 0.5, orAsLowAs: outlier) == plain.threshold(forFAPerHour: 0.5))
        // Read off the data (2 per hour: above the third-highest peak) all the same.
        let two = outlier.threshold(forFAPerHour: 2, orAsLowAs: plain)
        #expect(two == plain.threshold(forFAPerHour: 2) && two.logit == Float(3).nextUp && two.observedEvents == 2)
    }

    @Test("extrapolation goes ln(1 / allowed) / b beyond the highest peak, b from the 30 highest, by hand")
    func calibrationTail() {
        // 31 isolated peaks at logits 3.0, 2.9, ..., 0.0.
        let calibration = oneHour(peaks: (0...30).map { Float(30 - $0) / 10 }, every: 1_000)
        // u = 0, the 30 peaks above it exceed it by 46.5 in all: b = 30 / 46.5; 0.5 allowed events.
        let expected = 3 + log(1 / 0.5) / (30 / 46.5)
        let half = calibration.threshold(forFAPerHour: 0.5)
        #expect(half.extrapolated && abs(Double(half.logit) - expected) < 1e-4 && half.observedEvents == 0)
        #expect(half.expectedFAPerHour == 0.5)
        // Half the target rate: ln 2 / b further out.
        let quarter = calibration.threshold(forFAPerHour: 0.25)
        #expect(abs(Double(quarter.logit - half.logit) - log(2) * 46.5 / 30) < 1e-4)
    }

    @Test("the feature cache returns what was stored and treats damage as a miss")
    func cache() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cache = try FeatureCache(directory: directory, limitBytes: 250)
        let entry = FeatureCache.Entry(
            hops: [1_600, 3_200], labels: [0, 1], features: Matrix(rows: 2, columns: 3, values: [1, 2, 3, 4, 5, 6]), samples: 4_000)
        cache.store(entry, key: "a")
        #expect(cache.load(key: "a") == entry)
        #expect(cache.load(key: "b") == nil)
        let file = try FileManager.default.contentsOfDirectory(atPath: directory).first { $0.hasSuffix(".features") }!
        var bytes = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(file)"))
        bytes[bytes.count - 12] ^= 1
        try bytes.write(to: URL(fileURLWithPath: "\(directory)/\(file)"))
        #expect(cache.load(key: "a") == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        for key in ["x", "y", "z", "w", "v", "u", "t"] { cache.store(entry, key: key) }
        cache.trim()
        let remaining = try FileManager.default.contentsOfDirectory(atPath: directory)
        let size = FeatureCache.encode(entry, key: "x").count
        #expect(remaining.count == 250 / size)
    }

    /// A model with seeded weights over the synthetic encoder's sizes.
    static func model(kind: TriggerHead.Kind) throws -> WakeWordModel {
        let encoder = try WhisperEncoder(model: try CTranslate2Model(bytes: CTranslate2Writer.tinyWhisper().data, path: "m.bin"))
        var generator = SplitMix64(seed: 4)
        var head = TriggerHead(kind: kind, inputs: 16, hidden: 3, generator: &generator)
        head.mean = (0..<16).map { Float($0) * 0.1 }
        head.scale = (0..<16).map { 1 + Float($0) * 0.01 }
        var summary = TrainingSummary()
        summary.positiveClips = 7
        summary.expectedFRR = 0.05
        summary.expectedFAPerHour = 0.4
        return WakeWordModel(
            name: "test", threshold: 0.8, layer: 2, windowing: .standard, refractory: 1.25, head: head,
            encoder: encoder.identity, training: summary)
    }
}

@Suite("Head: training end to end") struct TrainingEndToEndTests {
    @Test("trained on audio-samples: held-out clips score above the threshold, the training negatives below it")
    func heldOutClips() throws {
        let fixture = try TrainedAlexa.load()
        #expect(fixture.outcome.skipped.isEmpty && fixture.model.training.positiveClips == 10)
        let silence = [Float](repeating: 0, count: AudioFormat.sampleRate)
        for clip in try audioFiles(TestPaths.sample("alexa/heldout")) {
            let audio = silence + (try Clip.load(clip)) + silence
            let found = try detections(fixture.model, audio)
            let best = try bestScore(fixture.model, audio)
            #expect(found.count == 1, "\(clip): \(found); threshold \(fixture.model.threshold), best score \(best)")
        }
        // The negative recordings, played one after another as in training.
        var negatives: [Float] = []
        for file in try audioFiles(TestPaths.sample("negatives")) { negatives += try Clip.load(file) }
        #expect(try detections(fixture.model, negatives).isEmpty)
    }

    @Test("training fits a block-2 screen and says how much of the negative audio it opened")
    func trainedScreen() throws {
        let model = try TrainedAlexa.load().model
        let screen = try #require(model.screen)
        #expect(screen.layer == 2 && model.layer == 3 && screen.head.inputs == model.head.inputs)
        // Head and screen: the folds' heads averaged, one per fold.
        let folds = TrainingOptions().folds
        #expect(model.training.averagedHeads == folds)
        #expect(model.head.hidden == folds * TrainingOptions().hidden && screen.head.hidden == model.head.hidden)
        let opened = try #require(model.training.screenOpenedPasses)
        #expect(opened > 0 && opened < 1, "\(opened)")
    }

    @Test("minutes of negatives are heard again under noise: calibration covers twice the recordings")
    func noisyCopies() throws {
        let training = try TrainedAlexa.load().model.training
        #expect(TrainingOptions().noisyCopies == 1 && training.negativeSeconds < TrainingOptions().noisyCopiesBelow)
        #expect(training.negativeFiles == (try audioFiles(TestPaths.sample("negatives"))).count)
        #expect(abs(training.calibrationSeconds - 2 * training.negativeSeconds) < 0.01, "\(training)")
    }

    @Test("the expected rates come with 90 % intervals: the clips as trials, the false accepts counted in the audio")
    func expectedIntervals() throws {
        let fixture = try TrainedAlexa.load()
        let training = fixture.model.training
        #expect(training.expectedFRRInterval == .wilson(rate: training.expectedFRR, trials: training.positiveClips))
        let counted = ConfidenceInterval.poisson(
            events: fixture.outcome.calibration.observedEvents, exposure: training.calibrationSeconds / 3600)
        #expect(
            training.expectedFAPerHourInterval
                == ConfidenceInterval(lower: counted.lower, upper: max(counted.upper, training.expectedFAPerHour)))
        let (frr, fa) = (try #require(training.expectedFRRInterval), try #require(training.expectedFAPerHourInterval))
        #expect(frr.lower <= training.expectedFRR && training.expectedFRR <= frr.upper && frr.upper - frr.lower > 0.1, "\(frr)")
        #expect(fa.lower <= training.expectedFAPerHour && training.expectedFAPerHour <= fa.upper, "\(fa)")
    }

    @Test("training leaves every encoder tensor bit-identical")
    func encoderUntouched() throws {
        let fixture = try TrainedAlexa.load()
        #expect(parameterHash(try SharedEncoder.load()) == fixture.encoderHashBefore)
        #expect(fixture.model.encoder == (try SharedEncoder.load()).identity)
    }

    @Test("unusable clips are skipped with their reasons; too few usable ones is an error that says how many")
    func partlyBadInput() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let bad = "\(directory)/notes.wav"
        try Data("not audio".utf8).write(to: URL(fileURLWithPath: bad))
        let silent = "\(directory)/silent.wav"
        try AudioWriter.write([Float](repeating: 0, count: 16_000), to: silent)
        let good = Array(try audioFiles(TestPaths.sample("alexa/train")).prefix(3))
        var options = TrainingOptions()
        options.copiesPerClip = 2
        options.confusablesPerClip = 1
        options.replacementsPerClip = 1
        let trainer = Trainer(encoder: try SharedEncoder.load(), options: options)
        let negatives = Array(try audioFiles(TestPaths.sample("heldout-negatives")).prefix(2))
        let outcome = try trainer.train(TrainingInput(positives: good + [bad, silent], negatives: negatives))
        #expect(outcome.model.training.positiveClips == 3 && outcome.model.training.positiveClipsSkipped == 2)
        #expect(Set(outcome.skipped.map(\.file)) == [bad, silent])
        #expect(outcome.skipped.first { $0.file == silent }?.reason.contains("no speech found") == true)
        #expect(
            throws: WakeWordError.invalidInput(
                "only 2 of 4 positive clips are usable (\(WakeWordError.badAudio(path: bad, reason: "not an audio format libsndfile reads (Format not recognised.)")); 1 more skipped); at least 3 are needed"
            )
        ) {
            try trainer.train(TrainingInput(positives: Array(good.prefix(2)) + [bad, silent], negatives: negatives))
        }
    }
}
