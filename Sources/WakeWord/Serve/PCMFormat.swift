/// The PCM layout of a Wyoming audio stream (`rate`, `width`, `channels` of `audio-start` and
/// `audio-chunk`): little-endian, interleaved; width 1 is unsigned 8-bit, widths 2, 3 and 4
/// are signed integers.
public struct PCMFormat: Sendable, Equatable {
    /// Frames per second, in Hz.
    public let rate: Int
    /// Bytes per sample: 1...4.
    public let width: Int
    public let channels: Int

    /// Bytes per interleaved frame.
    public var frameBytes: Int { width * channels }

    /// Fails with a message naming the bad field when the format cannot be decoded.
    public init(rate: Int, width: Int, channels: Int) throws {
        guard (AudioFormat.minimumSampleRate...AudioFormat.maximumSampleRate).contains(rate) else {
            throw WakeWordError.badEvent("rate \(rate) Hz is outside \(AudioFormat.minimumSampleRate)...\(AudioFormat.maximumSampleRate)")
        }
        guard (1...4).contains(width) else { throw WakeWordError.badEvent("width \(width) bytes is not 1, 2, 3 or 4") }
        guard (1...64).contains(channels) else { throw WakeWordError.badEvent("channels \(channels) is not 1...64") }
        (self.rate, self.width, self.channels) = (rate, width, channels)
    }

    /// The format named by an event's `rate`, `width` and `channels` fields.
    public init(event: WyomingEvent) throws {
        guard let rate = event.data["rate"]?.int, let width = event.data["width"]?.int, let channels = event.data["channels"]?.int else {
            throw WakeWordError.badEvent("\(event.type) needs integer rate, width and channels")
        }
        try self.init(rate: rate, width: width, channels: channels)
    }
}
