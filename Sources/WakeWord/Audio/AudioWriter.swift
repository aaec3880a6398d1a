import CSndFile
import Foundation

/// Writes audio files with libsndfile: the few containers and encodings the tool writes
/// (saved evaluation audio) and its tests read back. The file appears complete or not at all
/// (`AtomicFile`).
public enum AudioWriter {
    public enum Encoding: String, Sendable, CaseIterable {
        case wavU8, wav16, wav24, wav32, wavFloat, flac16, flac24, oggVorbis

        var format: Int32 {
            let (major, minor): (Int32, Int32) =
                switch self {
                case .wavU8: (Int32(SF_FORMAT_WAV), Int32(SF_FORMAT_PCM_U8))
                case .wav16: (Int32(SF_FORMAT_WAV), Int32(SF_FORMAT_PCM_16))
                case .wav24: (Int32(SF_FORMAT_WAV), Int32(SF_FORMAT_PCM_24))
                case .wav32: (Int32(SF_FORMAT_WAV), Int32(SF_FORMAT_PCM_32))
                case .wavFloat: (Int32(SF_FORMAT_WAV), Int32(SF_FORMAT_FLOAT))
                case .flac16: (Int32(SF_FORMAT_FLAC), Int32(SF_FORMAT_PCM_16))
                case .flac24: (Int32(SF_FORMAT_FLAC), Int32(SF_FORMAT_PCM_24))
                case .oggVorbis: (Int32(SF_FORMAT_OGG), Int32(SF_FORMAT_VORBIS))
                }
            return major | minor
        }
    }

    /// Writes interleaved `samples` (frames × channels, nominally in [-1, 1]) to `path`,
    /// atomically (`AtomicFile.replace`).
    public static func write(
        _ samples: [Float], channels: Int = 1, sampleRate: Int = AudioFormat.sampleRate,
        encoding: Encoding = .wav16, to path: String
    ) throws {
        precondition(channels >= 1 && samples.count % channels == 0, "samples must hold whole frames")
        try AtomicFile.replace(path) { temporary in
            var info = SF_INFO()
            info.samplerate = Int32(sampleRate)
            info.channels = Int32(channels)
            info.format = encoding.format
            guard let handle = sf_open(temporary, Int32(SFM_WRITE), &info) else {
                throw WakeWordError.writeFailed(path: path, reason: String(cString: sf_strerror(nil)))
            }
            // Clip out-of-range samples instead of letting integer encodings wrap around.
            sf_command(handle, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE))
            let frames = samples.count / channels
            let written = samples.withUnsafeBufferPointer { sf_writef_float(handle, $0.baseAddress, sf_count_t(frames)) }
            let closed = sf_close(handle)
            guard written == frames, closed == 0 else {
                throw WakeWordError.writeFailed(path: path, reason: "libsndfile wrote \(written) of \(frames) frames")
            }
        }
    }
}
