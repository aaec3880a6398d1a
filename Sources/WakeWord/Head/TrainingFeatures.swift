import Foundation

/// Labelled head inputs for training, computed through the same `FeatureStream` code the
/// detector runs, and kept in the feature cache when there is one; with a screen, the
/// screen's inputs at the same hops come from the same passes.
struct TrainingFeatures: Sendable {
    let encoder: WhisperEncoder
    let layer: Int
    let windowing: Windowing
    let cache: FeatureCache?
    /// The block a cascade's screen reads, or nil for none.
    var screenLayer: Int? = nil
    let logMel = LogMel()

    /// What the head reads.
    var tap: FeatureStream.Tap { FeatureStream.Tap(pools: windowing.pools, layer: layer) }
    /// What the screen reads.
    var screenTap: FeatureStream.Tap? { screenLayer.map { FeatureStream.Tap(pools: windowing.pools, layer: $0) } }
    private var taps: Set<FeatureStream.Tap> { Set([tap] + (screenTap.map { [$0] } ?? [])) }

    /// Head inputs per hop: encoder width times the number of pools.
    var featureCount: Int { encoder.dimensions.width * windowing.pools.count }

    /// What every cache key shares: the encoder, the tap layer and the windowing.
    var keyBase: String { keyBase(layer: layer) }

    private func keyBase(layer: Int) -> String {
        "\(encoder.identity.contentHash)|layer \(layer), kept positions only|\(windowing)"
    }

    /// Background noise under a negative stream: a source, where in it to start, and the SNR
    /// of each 4 s of the recordings over the whole source's power (`.wholeSource`).
    struct Noise: Sendable {
        let source: AugmentationSources.Source
        let offset: Int
        let snrDB: Double
    }

    /// Head inputs computed for one stream, the screen's at the same hops when there is a
    /// screen, and whether the feature cache had them.
    struct Computed: Sendable {
        let entry: FeatureCache.Entry
        let screenEntry: FeatureCache.Entry?
        let cached: Bool
    }

    /// The cached entries of `kind` (a key without its layer), or nil unless all are there.
    private func load(_ kind: String) -> Computed? {
        guard let entry = cache?.load(key: "\(kind)|\(keyBase)") else { return nil }
        guard let screenLayer else { return Computed(entry: entry, screenEntry: nil, cached: true) }
        guard let screen = cache?.load(key: "\(kind)|\(keyBase(layer: screenLayer))") else { return nil }
        return Computed(entry: entry, screenEntry: screen, cached: true)
    }

    /// Keeps `entries` (by tap) under `kind`; returns them as computed.
    private func store(_ entries: [FeatureStream.Tap: FeatureCache.Entry], _ kind: String) -> Computed {
        for (tap, entry) in entries { cache?.store(entry, key: "\(kind)|\(keyBase(layer: tap.layer))") }
        return Computed(entry: entries[tap]!, screenEntry: screenTap.map { entries[$0]! }, cached: false)
    }

    /// Every hop of negative recordings played one after another as one stream, as the
    /// detector would hear them (label 0), with `noise` under them when given (positive
    /// scenes are mostly noisy too, so noise alone must not mean the wake word); the entry's
    /// `samples` is the stream's length. `hashes` are the recordings' content hashes.
    func negative(paths: [String], hashes: [String], noise: Noise?, isCancelled: @Sendable () -> Bool) throws -> Computed {
        let noiseKey = noise.map { "noise \($0.source.hash) at \($0.offset), \($0.snrDB) dB" } ?? "clean"
        let kind = "negative|\(hashes.joined(separator: ","))|\(noiseKey)"
        if let computed = load(kind) { return computed }
        var stream = FeatureStream(encoder: encoder, windowing: windowing, taps: taps, logMel: logMel, screenLayer: screenLayer)
        var scored: [FeatureStream.Pass] = []
        for path in paths {
            let reader = try AudioReader(path: path)
            while true {
                if isCancelled() { throw WakeWordError.interrupted }
                var chunk = try reader.read(maxFrames: 4 * AudioFormat.sampleRate)
                if chunk.isEmpty { break }
                if let noise {
                    noise.source.mix(
                        into: &chunk, offset: noise.offset + stream.total, snrDB: noise.snrDB,
                        signalPower: Endpointer.power(chunk, 0..<chunk.count), noisePower: .wholeSource)
                }
                scored += stream.push(chunk)
            }
        }
        scored += stream.finish()
        let entries = Dictionary(
            uniqueKeysWithValues: taps.map { tap in
                let inputs = scored.map { $0.inputs(tap) }
                let hops = inputs.flatMap(\.hops)
                var values: [Float] = []
                values.reserveCapacity(hops.count * featureCount)
                for rows in inputs { values += rows.features.values }
                return (
                    tap,
                    FeatureCache.Entry(
                        hops: hops, labels: [Float](repeating: 0, count: hops.count),
                        features: Matrix(rows: hops.count, columns: featureCount, values: values), samples: stream.total)
                )
            })
        return store(entries, kind)
    }

    /// The labelled hops of one augmented scene of a clip, streamed as the detector would.
    func positive(_ clip: PositiveClip, recipe: AugmentationRecipe, augmenter: Augmenter) -> Computed {
        let sources = [
            recipe.noise.map { "noise \(augmenter.sources.noise[$0.source].hash)" },
            recipe.context.map { "context \(augmenter.sources.context[$0.source].hash)" },
            recipe.replaceWord.map { "replacement \(augmenter.sources.context[$0.source].hash)" },
        ].compactMap { $0 }
        let kind = "positive|\(clip.hash)|\(clip.bounds)|\(recipe.key)|\(sources)"
        if let computed = load(kind) { return computed }
        var stream = FeatureStream(encoder: encoder, windowing: windowing, taps: taps, logMel: logMel, screenLayer: screenLayer)
        let passes = stream.push(augmenter.render(clip.samples, bounds: clip.bounds, recipe: recipe))
        let entries = Dictionary(
            uniqueKeysWithValues: taps.map { tap in
                var hops: [Int] = []
                var labels: [Float] = []
                var values: [Float] = []
                for pass in passes {
                    let inputs = pass.inputs(tap)
                    let features = inputs.features
                    for (i, hop) in inputs.hops.enumerated() {
                        guard let label = Augmenter.label(sinceEnd: hop - recipe.endInScene, negative: recipe.isNegative) else {
                            continue
                        }
                        hops.append(hop)
                        labels.append(label)
                        values += features.values[(i * features.columns)..<((i + 1) * features.columns)]
                    }
                }
                return (
                    tap,
                    FeatureCache.Entry(
                        hops: hops, labels: labels, features: Matrix(rows: hops.count, columns: featureCount, values: values),
                        samples: stream.total)
                )
            })
        return store(entries, kind)
    }
}
