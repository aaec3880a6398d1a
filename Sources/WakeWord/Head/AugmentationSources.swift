import Foundation

/// Audio available to augmentation: background noise to mix in, and negative speech to
/// surround a clip with (people talk before they say the wake word).
public struct AugmentationSources: Sendable {
    public struct Source: Sendable {
        public let name: String
        public let samples: [Float]
        /// ContentHash of the samples: names the source in cache keys.
        public let hash: String
        /// Mean square of the samples.
        public let power: Double

        public init(name: String, samples: [Float]) {
            self.name = name
            self.samples = samples
            var hash = ContentHash()
            hash.update(samples)
            self.hash = hash.hex
            power = max(Endpointer.power(samples, 0..<samples.count), 1e-12)
        }
    }

    public var noise: [Source]
    public var context: [Source]

    public init(noise: [Source], context: [Source]) {
        self.noise = noise
        self.context = context
    }
}

extension AugmentationSources.Source {
    /// The noise power a signal-to-noise ratio is measured against.
    enum NoisePower {
        /// The noise actually mixed in: the SNR holds exactly for that stretch (a scene, an
        /// evaluation clip).
        case mixedSegment
        /// The whole source: one noise level for a long stream mixed in chunks.
        case wholeSource
    }

    /// Adds this noise to `signal`, its sample `offset` (looping over the source) under the
    /// signal's first sample, scaled so that `signalPower` (a mean square, floored at 1e-10)
    /// is `snrDB` decibels above the noise's power as `reference` measures it. The one
    /// mixing at an SNR: scenes, noisy negative streams and evaluation clips differ only in
    /// the powers they name.
    func mix(into signal: inout [Float], offset: Int, snrDB: Double, signalPower: Double, noisePower reference: NoisePower) {
        let noisePower: Double
        switch reference {
        case .mixedSegment:
            let segment = (0..<signal.count).map { samples[(offset + $0) % samples.count] }
            noisePower = max(Endpointer.power(segment, 0..<segment.count), 1e-12)
        case .wholeSource:
            noisePower = power
        }
        let scale = Float((max(signalPower, 1e-10) / pow(10, snrDB / 10) / noisePower).squareRoot())
        for i in signal.indices { signal[i] += scale * samples[(offset + i) % samples.count] }
    }
}
