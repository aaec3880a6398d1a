import Foundation

/// Triangular mel filters on the Slaney scale with Slaney area normalisation: librosa's
/// `filters.mel(sr, n_fft, n_mels, norm="slaney")`, which is what Whisper's
/// `mel_filters.npz` stores (whisper/audio.py `mel_filters`).
public struct MelFilterBank: Sendable {
    /// [melCount, fftSize / 2 + 1]: weight of each FFT bin in each mel band.
    public let weights: Matrix

    public init(
        sampleRate: Int = AudioFormat.sampleRate, fftSize: Int = 400, melCount: Int = 80,
        minimumFrequency: Double = 0, maximumFrequency: Double? = nil
    ) {
        let bins = fftSize / 2 + 1
        let top = maximumFrequency ?? Double(sampleRate) / 2
        let binHz = (0..<bins).map { Double($0) * Double(sampleRate) / Double(fftSize) }
        // melCount + 2 band edges, evenly spaced in mel.
        let (low, high) = (MelFilterBank.mel(minimumFrequency), MelFilterBank.mel(top))
        let edges = (0..<(melCount + 2)).map {
            MelFilterBank.hertz(low + (high - low) * Double($0) / Double(melCount + 1))
        }
        var values = [Float](repeating: 0, count: melCount * bins)
        for band in 0..<melCount {
            let (left, centre, right) = (edges[band], edges[band + 1], edges[band + 2])
            let norm = 2 / (right - left)
            for bin in 0..<bins {
                let rising = (binHz[bin] - left) / (centre - left)
                let falling = (right - binHz[bin]) / (right - centre)
                values[band * bins + bin] = Float(max(0, min(rising, falling)) * norm)
            }
        }
        weights = Matrix(rows: melCount, columns: bins, values: values)
    }

    /// Slaney's mel scale: linear below 1 kHz (3 mel per 200 Hz), logarithmic above
    /// (27 mel per factor 6.4), as librosa's `hz_to_mel(htk=False)`.
    public static func mel(_ hertz: Double) -> Double {
        let linearTop = 1000.0
        let melPerHz = 3.0 / 200.0
        let logStep = log(6.4) / 27
        return hertz < linearTop ? hertz * melPerHz : linearTop * melPerHz + log(hertz / linearTop) / logStep
    }

    /// Inverse of `mel(_:)`.
    public static func hertz(_ mel: Double) -> Double {
        let linearTop = 1000.0
        let melPerHz = 3.0 / 200.0
        let logStep = log(6.4) / 27
        let linearTopMel = linearTop * melPerHz
        return mel < linearTopMel ? mel / melPerHz : linearTop * exp(logStep * (mel - linearTopMel))
    }
}
