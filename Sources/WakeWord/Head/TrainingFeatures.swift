import Foundation

/// Labelled head inputs for training, computed through the same `FeatureStream` code the
/// detector runs, and kept in the feature cache when there is one.
struct TrainingFeatures: Sendable {
    let encoder: WhisperEncoder
    let layer: Int
    let windowing: Windowing
    let cache: FeatureCache?
    let logMel = LogMel()

    /// What every cache key shares: the encoder, the tap layer and the windowing.
    var keyBase: String {
        "\(encoder.identity.contentHash)|layer \(layer)|\(windowing)"
    }

    /// Background noise under a negative stream: a source, where in it to start, and the SNR
    /// of each 4 s of the recordings over the whole source's power (`.wholeSource`).
    struct Noise: Sendable {
        let source: AugmentationSources.Source
        let offset: Int
        let snrDB: Double
    }

    /// Every hop of negative recordings played one after another as one stream, as the
    /// detector would hear them (label 0), with `noise` under them when given (positive
    /// scenes are mostly noisy too, so noise alone must not mean the wake word), and the
    /// stream's length in samples. `hashes` are the recordings' content hashes.
    func negative(paths: [String], hashes: [String], noise: Noise?, isCancelled: @Sendable () -> Bool) throws -> (entry: FeatureCache.Entry, samples: Int, cached: Bool) {
        let noiseKey = noise.map { "noise \($0.source.hash) at \($0.offset), \($0.snrDB) dB" } ?? "clean"
        let key = "negative|\(hashes.joined(separator: ","))|\(noiseKey)|\(keyBase)"
        if let entry = cache?.load(key: key), let samples = entry.hops.last {
            return (FeatureCache.Entry(hops: Array(entry.hops.dropLast()), labels: Array(entry.labels.dropLast()),
                                       features: entry.features.rows(0..<(entry.features.rows - 1))), samples, true)
        }
        var stream = FeatureStream(encoder: encoder, windowing: windowing, layers: [layer], logMel: logMel)
        var passes: [FeatureStream.Pass] = []
        for path in paths {
            let reader = try AudioReader(path: path)
            while true {
                if isCancelled() { throw WakeWordError.interrupted }
                var chunk = try reader.read(maxFrames: 4 * AudioFormat.sampleRate)
                if chunk.isEmpty { break }
                if let noise {
                    noise.source.mix(into: &chunk, offset: noise.offset + stream.total, snrDB: noise.snrDB,
                                     signalPower: Endpointer.power(chunk, 0..<chunk.count), noisePower: .wholeSource)
                }
                passes += stream.push(chunk)
            }
        }
        passes += stream.finish()
        let hops = passes.flatMap(\.hops)
        let width = encoder.dimensions.width * windowing.pools.count
        var values: [Float] = []
        values.reserveCapacity(hops.count * width)
        for pass in passes { values += pass.features[layer]!.values }
        let entry = FeatureCache.Entry(hops: hops, labels: [Float](repeating: 0, count: hops.count),
                                       features: Matrix(rows: hops.count, columns: width, values: values))
        // The stored entry carries the stream's length as one extra row.
        cache?.store(FeatureCache.Entry(hops: hops + [stream.total], labels: entry.labels + [0],
                                        features: Matrix(rows: hops.count + 1, columns: width, values: values + [Float](repeating: 0, count: width))),
                     key: key)
        return (entry, stream.total, false)
    }

    /// The labelled hops of one augmented scene of a clip, streamed as the detector would.
    func positive(_ clip: PositiveClip, recipe: AugmentationRecipe, augmenter: Augmenter) -> (entry: FeatureCache.Entry, cached: Bool) {
        let sources = [recipe.noise.map { "noise \(augmenter.sources.noise[$0.source].hash)" },
                       recipe.context.map { "context \(augmenter.sources.context[$0.source].hash)" },
                       recipe.replaceWord.map { "replacement \(augmenter.sources.context[$0.source].hash)" }].compactMap { $0 }
        let key = "positive|\(clip.hash)|\(clip.bounds)|\(recipe.key)|\(sources)|\(keyBase)"
        if let entry = cache?.load(key: key) { return (entry, true) }
        var stream = FeatureStream(encoder: encoder, windowing: windowing, layers: [layer], logMel: logMel)
        var hops: [Int] = [], labels: [Float] = []
        var values: [Float] = []
        for pass in stream.push(augmenter.render(clip.samples, bounds: clip.bounds, recipe: recipe)) {
            let features = pass.features[layer]!
            for (i, hop) in pass.hops.enumerated() {
                guard let label = Augmenter.label(sinceEnd: hop - recipe.endInScene, negative: recipe.isNegative) else { continue }
                hops.append(hop); labels.append(label)
                values += features.values[(i * features.columns)..<((i + 1) * features.columns)]
            }
        }
        let entry = FeatureCache.Entry(hops: hops, labels: labels,
                                       features: Matrix(rows: hops.count, columns: stream.featureCount, values: values))
        cache?.store(entry, key: key)
        return (entry, false)
    }
}

/// A usable recording of the wake word.
struct PositiveClip: Sendable {
    let path: String
    let samples: [Float]
    /// Speech start and end, in samples (Endpointer).
    let bounds: (start: Int, end: Int)
    let hash: String

    /// The clip at `path`, or the reason it cannot be trained on.
    static func load(_ path: String, warn: (String) -> Void) -> Result<PositiveClip, WakeWordError> {
        let samples: [Float]
        do {
            let loaded = try AudioReader.load(path: path)
            loaded.warnings.forEach(warn)
            samples = loaded.samples
        } catch let error as WakeWordError {
            return .failure(error)
        } catch {
            return .failure(.badAudio(path: path, reason: "\(error)"))
        }
        func unusable(_ reason: String) -> Result<PositiveClip, WakeWordError> { .failure(.badAudio(path: path, reason: reason)) }
        guard !samples.isEmpty else { return unusable("it contains no audio samples") }
        guard samples.count >= AudioFormat.sampleRate / 4 else { return unusable("shorter than 0.25 s") }
        guard let bounds = Endpointer.bounds(samples), bounds.end - bounds.start >= AudioFormat.sampleRate / 10 else {
            return unusable("no speech found")
        }
        guard bounds.end <= samples.count - 2 * Endpointer.frame else {
            return unusable("the recording stops while the word is still being spoken")
        }
        guard bounds.end - bounds.start <= 2 * AudioFormat.sampleRate else {
            return unusable(String(format: "%.1f s of speech is longer than a wake word (at most 2 s)",
                                   Double(bounds.end - bounds.start) / Double(AudioFormat.sampleRate)))
        }
        var hash = ContentHash()
        hash.update(samples)
        return .success(PositiveClip(path: path, samples: samples, bounds: bounds, hash: hash.hex))
    }
}
