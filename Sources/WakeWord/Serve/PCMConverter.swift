/// Turns a stream of PCM payloads in any `PCMFormat` into 16 kHz mono Float, as
/// `wakeword detect -` reads stdin: samples scaled to [-1, 1) as libsndfile does (s16 / 2^15,
/// s24 / 2^23, s32 / 2^31, (u8 − 128) / 2^7), channels averaged, other rates through libsoxr.
/// A payload that ends inside a frame keeps the partial frame for the next one.
public final class PCMConverter {
    public let format: PCMFormat
    private let resampler: Resampler?
    /// Bytes of a frame split across payloads (fewer than `format.frameBytes`).
    private var partial: [UInt8] = []

    public init(format: PCMFormat) {
        self.format = format
        resampler = format.rate == AudioFormat.sampleRate ? nil : Resampler(from: Double(format.rate), to: Double(AudioFormat.sampleRate))
    }

    /// 16 kHz mono samples for the next payload; lags the input by the resampler's delay.
    public func convert(_ payload: [UInt8]) -> [Float] {
        let bytes = partial.isEmpty ? payload : partial + payload
        let frames = bytes.count / format.frameBytes
        partial = Array(bytes[(frames * format.frameBytes)...])
        let mono = PCMConverter.mix(bytes, frames: frames, format: format)
        return resampler.map { $0.process(mono) } ?? mono
    }

    /// The samples still inside the resampler, at the end of the stream.
    public func finish() -> [Float] {
        partial = []
        return resampler?.flush() ?? []
    }

    private static func mix(_ bytes: [UInt8], frames: Int, format: PCMFormat) -> [Float] {
        let (width, channels) = (format.width, format.channels)
        let scale = 1 / (Float(1 << (8 * width - 1)) * Float(channels))
        var mono = [Float](repeating: 0, count: frames)
        bytes.withUnsafeBufferPointer { raw in
            for frame in 0..<frames {
                var sum: Float = 0
                for channel in 0..<channels {
                    let at = (frame * channels + channel) * width
                    var value: Int32
                    if width == 1 {
                        value = Int32(raw[at]) - 128
                    } else {
                        // Little-endian bytes into the top of an Int32, then an arithmetic shift signs it.
                        var word: UInt32 = 0
                        for b in 0..<width { word |= UInt32(raw[at + b]) << (8 * (4 - width + b)) }
                        value = Int32(bitPattern: word) >> (8 * (4 - width))
                    }
                    sum += Float(value)
                }
                mono[frame] = sum * scale
            }
        }
        return mono
    }
}
