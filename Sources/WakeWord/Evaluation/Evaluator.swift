import Foundation

/// Runs a model over labelled audio through the streaming `Detector` (the `detect` code
/// path: same windowing, threshold and refractory time) and records every hop's score:
/// - each positive clip padded with `padding` seconds of silence on each side and, when
///   noise is given, mixed with a random noise segment at `snr` dB (seeded), then rounded
///   to 16-bit as a recording would be;
/// - the negative recordings, concatenated in order, as long streams: contiguous runs of
///   similar size, a few per thread so that the threads finish together.
public struct Evaluator: Sendable {
    public let encoder: WhisperEncoder
    public let model: WakeWordModel
    public var padding = 1.0
    public var snr = 10.0
    public var seed: UInt64 = 0
    public var threads = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Where to write the mixed positive clips (16-bit WAV) and a manifest, for other detectors.
    public var saveAudio: String?

    public init(encoder: WhisperEncoder, model: WakeWordModel) {
        (self.encoder, self.model) = (encoder, model)
    }

    public func evaluate(
        positives: [String], negatives: [String], noise: [String],
        progress: @escaping @Sendable (String, Int, Int) -> Void = { _, _, _ in },
        warn: @escaping @Sendable (String) -> Void = { _ in },
        isCancelled: @escaping @Sendable () -> Bool = { false }
    ) throws -> EvaluationRecord {
        // Before any work: where the mixtures will be saved.
        if let saveAudio { try OutputPath.checkFolder(saveAudio) }
        let detector = try Detector(models: [model], encoder: encoder)
        let noiseSources: [AugmentationSources.Source] = try noise.map { path in
            let samples = try Clip.load(path, warn: warn)
            return AugmentationSources.Source(name: path, samples: samples)
        }
        if let saveAudio {
            do {
                try FileManager.default.createDirectory(atPath: "\(saveAudio)/positives", withIntermediateDirectories: true)
            } catch {
                throw WakeWordError.writeFailed(path: saveAudio, reason: error.localizedDescription)
            }
        }

        // Positives: each clip's mixture, drawn in order from one seeded generator.
        var generator = SplitMix64(seed: seed)
        var usable: [PreparedClip] = []
        var skipped: [SkippedFile] = []
        for (index, path) in positives.enumerated() {
            switch PositiveClip.load(path, warn: warn) {
            case .success(let clip):
                let source = noiseSources.isEmpty ? nil : Int.random(in: 0..<noiseSources.count, using: &generator)
                let segment = source.map {
                    AugmentationRecipe.Segment(
                        source: $0, offset: Int.random(in: 0..<noiseSources[$0].samples.count, using: &generator), decibels: snr)
                }
                usable.append(PreparedClip(index: index, clip: clip, noise: segment))
            case .failure(let error):
                warn("skipping \(error)")
                skipped.append(SkippedFile(file: path, reason: "\(error)"))
            }
        }
        let padSamples = Int(padding * Double(AudioFormat.sampleRate))
        // No positive clips at all is a false-accept run; clips none of which is usable is a mistake.
        guard !usable.isEmpty || positives.isEmpty else {
            let reasons = skipped.map(\.reason)
            throw WakeWordError.invalidInput(
                "none of the \(positives.count) positive clips is usable"
                    + (reasons.first.map { " (\($0)\(reasons.count > 1 ? "; \(reasons.count - 1) more" : ""))" } ?? ""))
        }
        let saveAudio = self.saveAudio
        let clips = usable
        let positiveRecords = try Parallel.map(
            clips, threads: threads, isCancelled: isCancelled,
            progress: { progress("positive clips", $0, clips.count) }
        ) { item -> PositiveRecord in
            let clip = item.clip
            let audio = Evaluator.mix(clip, padding: padSamples, noise: item.noise.map { (noiseSources[$0.source], $0) })
            var savedAs: String?
            if let saveAudio {
                savedAs = String(format: "positives/%05d.wav", item.index)
                try AudioWriter.write(audio, encoding: .wav16, to: "\(saveAudio)/\(savedAs!)")
            }
            var run = detector
            let trace = Evaluator.run(&run, audio)
            return PositiveRecord(
                file: clip.path, savedAs: savedAs, wordStart: AudioFormat.seconds(samples: clip.bounds.start + padSamples),
                wordEnd: AudioFormat.seconds(samples: clip.bounds.end + padSamples),
                hops: trace.hops, scores: trace.scores, detections: trace.detections,
                noise: item.noise.map { .init(file: noiseSources[$0.source].name, offset: $0.offset, snrDB: $0.decibels) })
        }

        // Negatives: contiguous runs of the files, of similar byte size.
        let sizes = negatives.map { ((try? FileManager.default.attributesOfItem(atPath: $0))?[.size] as? Int) ?? 1 }
        let streams = Evaluator.partition(negatives, sizes: sizes, parts: min(4 * threads, max(negatives.count, 1)))
        let finished = Counter()
        let negativeRecords = try Parallel.map(streams, threads: threads, isCancelled: isCancelled) { paths -> NegativeRecord in
            var run = detector
            var hops: [Int] = []
            var scores: [Float] = []
            var detections: [Detection] = []
            var segments: [NegativeRecord.Segment] = []
            var offset = 0
            for path in paths {
                if isCancelled() { throw WakeWordError.interrupted }
                let reader = try AudioReader(path: path)
                let start = offset
                while true {
                    let chunk = try reader.read(maxFrames: 4 * AudioFormat.sampleRate)
                    if chunk.isEmpty { break }
                    offset += chunk.count
                    detections += run.process(chunk) {
                        hops.append($0.sample)
                        scores.append($0.score)
                    }
                }
                reader.warnings.forEach(warn)
                segments.append(.init(file: path, start: start, samples: offset - start))
                progress("negative audio", finished.increment(), negatives.count)
            }
            detections += run.finish {
                hops.append($0.sample)
                scores.append($0.score)
            }
            return NegativeRecord(segments: segments, hops: hops, scores: scores, detections: detections)
        }
        let record = EvaluationRecord(
            model: model, positives: positiveRecords,
            skipped: skipped,
            negatives: negativeRecords, refractory: AudioFormat.samples(seconds: model.refractory))
        if let saveAudio { try record.writeManifest(to: saveAudio) }
        return record
    }

    /// A usable positive clip: its place among the positives given, and the noise drawn for it.
    struct PreparedClip: Sendable {
        let index: Int
        let clip: PositiveClip
        let noise: AugmentationRecipe.Segment?
    }

    /// The audio of a positive record, rebuilt from its clip and noise files.
    public static func audio(of record: PositiveRecord, padding: Double) throws -> [Float] {
        guard case .success(let clip) = PositiveClip.load(record.file, warn: { _ in }) else {
            throw WakeWordError.badAudio(path: record.file, reason: "no longer usable")
        }
        let noise = try record.noise.map { mix in
            (
                AugmentationSources.Source(name: mix.file, samples: try Clip.load(mix.file, warn: { _ in })),
                AugmentationRecipe.Segment(source: 0, offset: mix.offset, decibels: mix.snrDB)
            )
        }
        return mix(clip, padding: Int(padding * Double(AudioFormat.sampleRate)), noise: noise)
    }

    /// The clip between `padding` samples of silence, plus noise at the segment's SNR: the
    /// clip's speech power over the power of the noise mixed in (`.mixedSegment`), rounded to 16-bit.
    static func mix(_ clip: PositiveClip, padding: Int, noise: (AugmentationSources.Source, AugmentationRecipe.Segment)?) -> [Float] {
        var audio = [Float](repeating: 0, count: padding) + clip.samples + [Float](repeating: 0, count: padding)
        if let (source, segment) = noise {
            source.mix(
                into: &audio, offset: segment.offset, snrDB: segment.decibels,
                signalPower: Endpointer.power(clip.samples, clip.bounds.start..<clip.bounds.end), noisePower: .mixedSegment)
        }
        return audio.map { (max(-1, min(1, $0)) * 32767).rounded() / 32767 }
    }

    /// Streams `audio` through the detector in 0.5 s chunks, recording every hop.
    static func run(_ detector: inout Detector, _ audio: [Float]) -> (hops: [Int], scores: [Float], detections: [Detection]) {
        var hops: [Int] = []
        var scores: [Float] = []
        var detections: [Detection] = []
        let chunk = AudioFormat.sampleRate / 2
        for start in stride(from: 0, to: audio.count, by: chunk) {
            detections += detector.process(Array(audio[start..<min(start + chunk, audio.count)])) {
                hops.append($0.sample)
                scores.append($0.score)
            }
        }
        detections += detector.finish {
            hops.append($0.sample)
            scores.append($0.score)
        }
        return (hops, scores, detections)
    }

    /// A count shared by worker threads.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0

        func increment() -> Int {
            lock.withLock {
                value += 1
                return value
            }
        }
    }

    /// `items` cut into at most `parts` contiguous runs of nearly equal total `sizes`.
    static func partition<T>(_ items: [T], sizes: [Int], parts: Int) -> [[T]] {
        let total = Double(max(sizes.reduce(0, +), 1))
        var runs: [[T]] = [[]]
        var filled = 0.0
        for (item, size) in zip(items, sizes) {
            if !runs[runs.count - 1].isEmpty && filled >= total * Double(runs.count) / Double(parts) { runs.append([]) }
            runs[runs.count - 1].append(item)
            filled += Double(size)
        }
        return runs.filter { !$0.isEmpty }
    }
}
