import CSndFile
import Foundation

/// Thin wrapper over one open libsndfile handle (http://libsndfile.github.io/libsndfile/api.html).
/// The only place libsndfile is called.
final class SoundFile {
    /// Frames per second of the stored audio.
    let sampleRate: Int
    let channels: Int
    /// Frames the header declares, or nil when the source cannot say (a pipe, raw input).
    let declaredFrames: Int?
    /// True for stored floating-point samples, which may hold NaN or infinity.
    let isFloatingPoint: Bool
    /// Frames a complete read may fall short of `declaredFrames` by. For MPEG, without a
    /// Xing/Info header mpg123 estimates the length from the first frame's size, and frames
    /// differ by a padding byte (sox's 28.17 s at 44.1 kHz declares 28.28 s and decodes
    /// 28.21 s): one frame of 1152 samples or 1 % of the length. Elsewhere none.
    let declaredFramesSlack: Int
    private let handle: OpaquePointer

    /// Opens a file by path.
    init(path: String) throws {
        var info = SF_INFO()
        guard let handle = sf_open(path, Int32(SFM_READ), &info) else {
            throw WakeWordError.badAudio(path: path, reason: SoundFile.openFailure(String(cString: sf_strerror(nil))))
        }
        self.handle = handle
        (sampleRate, channels) = (Int(info.samplerate), Int(info.channels))
        declaredFrames = info.frames >= 0 && info.frames < Int64(Int32.max) * 64 ? Int(info.frames) : nil
        isFloatingPoint = SoundFile.isFloat(info.format)
        let isMPEG = info.format & Int32(SF_FORMAT_TYPEMASK) == Int32(SF_FORMAT_MPEG)
        declaredFramesSlack = isMPEG ? max(1_152, (declaredFrames ?? 0) / 100) : 0
        try validate(path: path)
    }

    /// Opens headerless PCM on a file descriptor (standard input is 0); the descriptor stays
    /// open unless `closing`.
    init(descriptor: Int32, raw format: RawAudioFormat, name: String, closing: Bool = false) throws {
        var info = SF_INFO()
        info.samplerate = Int32(clamping: format.sampleRate)
        info.channels = Int32(clamping: format.channels)
        info.format = Int32(SF_FORMAT_RAW) | format.encoding.subtype | Int32(bitPattern: UInt32(SF_ENDIAN_LITTLE))
        guard let handle = sf_open_fd(descriptor, Int32(SFM_READ), &info, closing ? 1 : 0) else {
            throw WakeWordError.badAudio(path: name, reason: SoundFile.openFailure(String(cString: sf_strerror(nil))))
        }
        self.handle = handle
        (sampleRate, channels, declaredFrames, declaredFramesSlack) = (format.sampleRate, format.channels, nil, 0)
        isFloatingPoint = SoundFile.isFloat(info.format)
        try validate(path: name)
    }

    /// Opens a container libsndfile recognises (WAV, Ogg, FLAC...) on a file descriptor, which
    /// is closed with it. For a stream (`lengthKnown` false) the header's length is not taken:
    /// a piped WAV's header may claim any length.
    init(descriptor: Int32, name: String, lengthKnown: Bool) throws {
        var info = SF_INFO()
        guard let handle = sf_open_fd(descriptor, Int32(SFM_READ), &info, 1) else {
            throw WakeWordError.badAudio(path: name, reason: SoundFile.openFailure(String(cString: sf_strerror(nil))))
        }
        self.handle = handle
        (sampleRate, channels) = (Int(info.samplerate), Int(info.channels))
        declaredFrames = lengthKnown && info.frames >= 0 && info.frames < Int64(Int32.max) * 64 ? Int(info.frames) : nil
        isFloatingPoint = SoundFile.isFloat(info.format)
        declaredFramesSlack = 0
        try validate(path: name)
    }

    deinit { sf_close(handle) }

    /// Reads up to `frames` frames, interleaved, scaled to [-1, 1] for integer encodings.
    /// Returns fewer at the end of the data or where decoding stops.
    func read(frames: Int) -> [Float] {
        var buffer = [Float](repeating: 0, count: frames * channels)
        let got = buffer.withUnsafeMutableBufferPointer { sf_readf_float(handle, $0.baseAddress, sf_count_t(frames)) }
        buffer.removeLast((frames - max(0, Int(got))) * channels)
        return buffer
    }

    /// Lines of libsndfile's open log where a header field disagrees with the file, e.g.
    /// "data : 1048576 (should be 38400)" for a data chunk claiming more bytes than exist.
    var headerInconsistencies: [String] {
        var log = [CChar](repeating: 0, count: 16_384)
        sf_command(handle, Int32(SFC_GET_LOG_INFO), &log, Int32(log.count))
        return String(cString: log).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.contains("(should be") }
    }

    /// libsndfile's last error on this handle, or nil.
    var lastError: String? {
        sf_error(handle) == 0 ? nil : String(cString: sf_strerror(handle))
    }

    private func validate(path: String) throws {
        guard channels >= 1, channels <= 1024 else {
            throw WakeWordError.badAudio(path: path, reason: "\(channels) channels is not a valid channel count")
        }
        guard sampleRate >= AudioFormat.minimumSampleRate, sampleRate <= AudioFormat.maximumSampleRate else {
            throw WakeWordError.badAudio(
                path: path,
                reason: "sample rate \(sampleRate) Hz is outside the supported"
                    + " \(AudioFormat.minimumSampleRate) to \(AudioFormat.maximumSampleRate) Hz")
        }
    }

    private static func isFloat(_ format: Int32) -> Bool {
        let subtype = format & Int32(SF_FORMAT_SUBMASK)
        return subtype == Int32(SF_FORMAT_FLOAT) || subtype == Int32(SF_FORMAT_DOUBLE)
    }

    private static func openFailure(_ message: String) -> String {
        message.hasPrefix("Format not recognised") || message.contains("unknown format")
            ? "not an audio format libsndfile reads (\(message))" : message
    }
}

extension RawAudioFormat.Encoding {
    /// The libsndfile subtype code of this encoding.
    var subtype: Int32 {
        switch self {
        case .s16: Int32(SF_FORMAT_PCM_16)
        case .s24: Int32(SF_FORMAT_PCM_24)
        case .s32: Int32(SF_FORMAT_PCM_32)
        case .f32: Int32(SF_FORMAT_FLOAT)
        case .u8: Int32(SF_FORMAT_PCM_U8)
        }
    }
}
