import Foundation

/// Whisper's log-mel spectrogram (whisper/audio.py `log_mel_spectrogram`), step by step:
/// periodic Hann window of 400, hop 160, centred STFT (reflect-pad 200 each side), power of
/// the 201 bins, last frame dropped, 80 Slaney mel bands, log10(max(x, 1e-10)), clamped to
/// (max - 8) over the input, then (x + 4) / 4.
///
/// Holds one FFTW plan, made once; safe to share between threads.
public final class LogMel: Sendable {
    public static let fftSize = 400
    /// Samples between frames: 10 ms at 16 kHz, so 100 frames per second.
    public static let hop = 160
    public let melCount: Int

    private let filters: MelFilterBank
    private let fft: RealFFT
    /// Periodic Hann: w[n] = 0.5 - 0.5 cos(2πn / N), n in 0..<N (torch.hann_window default).
    private let window: [Float]

    public init(melCount: Int = 80) {
        self.melCount = melCount
        filters = MelFilterBank(fftSize: LogMel.fftSize, melCount: melCount)
        fft = RealFFT(size: LogMel.fftSize)
        window = (0..<LogMel.fftSize).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(LogMel.fftSize))) }
    }

    /// Frames produced for `sampleCount` samples: one per hop (the centred STFT's last frame dropped).
    public static func frameCount(samples sampleCount: Int) -> Int {
        sampleCount / hop
    }

    /// [melCount, samples.count / 160] log-mel of 16 kHz audio, normalised as Whisper does.
    public func callAsFunction(_ samples: [Float]) -> Matrix {
        let frames = LogMel.frameCount(samples: samples.count)
        guard frames > 0 else { return Matrix(rows: melCount, columns: 0) }
        let power = powerSpectrogram(samples, frames: frames)
        // mel[m, t] = Σ_k filters[m, k] · power[t, k]
        var mel = BLAS.multiply(filters.weights, power, transposeB: true)
        var maximum = -Float.infinity
        for i in mel.values.indices {
            let value = log10(max(mel.values[i], 1e-10))
            mel.values[i] = value
            maximum = max(maximum, value)
        }
        let floor = maximum - 8
        for i in mel.values.indices { mel.values[i] = (max(mel.values[i], floor) + 4) / 4 }
        return mel
    }

    /// [frames, 201] power spectra of the Hann-windowed frames of the reflect-padded signal.
    private func powerSpectrogram(_ samples: [Float], frames: Int) -> Matrix {
        let half = LogMel.fftSize / 2
        var power = Matrix(rows: frames, columns: fft.bins)
        var frame = [Float](repeating: 0, count: LogMel.fftSize)
        for t in 0..<frames {
            let start = t * LogMel.hop - half
            for n in 0..<LogMel.fftSize {
                frame[n] = samples[LogMel.reflect(start + n, count: samples.count)] * window[n]
            }
            fft.powerSpectrum(of: &frame, into: &power.values, at: t * fft.bins)
        }
        return power
    }

    /// numpy's "reflect" padding index: mirror at the ends without repeating the edge sample,
    /// repeatedly for pads longer than the signal.
    static func reflect(_ index: Int, count: Int) -> Int {
        guard count > 1 else { return 0 }
        let period = 2 * (count - 1)
        var i = index % period
        if i < 0 { i += period }
        return i < count ? i : period - i
    }
}
