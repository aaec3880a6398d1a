/// The audio the pipeline runs on: mono Float samples at 16 kHz, nominally in [-1, 1].
public enum AudioFormat {
    /// Samples per second of every signal past the reader (Whisper's rate).
    public static let sampleRate = 16_000
    /// Input rates accepted by the reader, in Hz: below 8 kHz speech loses what the encoder hears.
    public static let minimumSampleRate = 8_000
    public static let maximumSampleRate = 768_000

    /// `seconds` as a whole number of samples, to the nearest: how training, evaluation and
    /// detection turn a refractory time into the samples `EventGate` counts, so all three
    /// count events alike.
    public static func samples(seconds: Double) -> Int {
        Int((seconds * Double(sampleRate)).rounded())
    }

    /// `samples` at 16 kHz in seconds: the inverse of `samples(seconds:)`, exact for whole
    /// samples (what a detection's time, a clip's length and an hour of audio are read as).
    public static func seconds(samples: Int) -> Double {
        Double(samples) / Double(sampleRate)
    }
}

/// Headerless PCM, as `arecord` writes it: little-endian, interleaved.
public struct RawAudioFormat: Sendable, Equatable {
    public enum Encoding: String, Sendable, CaseIterable {
        case s16, s24, s32, f32, u8
    }
    public var sampleRate: Int
    public var channels: Int
    public var encoding: Encoding

    /// 16-bit signed little-endian mono at 16 kHz (`arecord -f S16_LE -r 16000 -c 1`).
    public static let standard = RawAudioFormat(sampleRate: 16_000, channels: 1, encoding: .s16)

    public init(sampleRate: Int, channels: Int, encoding: Encoding) {
        self.sampleRate = sampleRate
        self.channels = channels
        self.encoding = encoding
    }
}
