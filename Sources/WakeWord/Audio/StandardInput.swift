import Foundation

/// Standard input as audio: a WAV, FLAC or Ogg stream is recognised by its first four bytes
/// and decoded as its header says (rate, channels, encoding); anything else is headerless PCM
/// in the format given. WAV, Ogg and PCM are decoded as they arrive, so a live stream is
/// detected live; FLAC, which libsndfile cannot decode from a pipe, is read to its end first
/// (into a temporary file that is already deleted).
public struct StandardInput {
    /// A container recognised from the first bytes of the stream.
    public enum Container: String, Sendable {
        case wav = "WAV"
        case flac = "FLAC"
        case ogg = "Ogg"

        /// "RIFF", "RIFX" and "RF64" (WAV), "fLaC", "OggS"; nil for anything else.
        init?(signature: [UInt8]) {
            switch String(decoding: signature.prefix(4), as: UTF8.self) {
            case "RIFF", "RIFX", "RF64": self = .wav
            case "fLaC": self = .flac
            case "OggS": self = .ogg
            default: return nil
            }
        }
    }

    public let reader: AudioReader
    /// nil for headerless PCM.
    public let container: Container?
    private let failure = Failure()

    /// A read error the thread feeding `reader` met; `reader` then ended early, as at the end
    /// of the input. Check it once `reader` is exhausted (nil: the input ended normally).
    public var readFailure: WakeWordError? { failure.error }

    /// What the feeding thread reports to the reading one.
    private final class Failure: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: WakeWordError?

        var error: WakeWordError? {
            get { lock.withLock { stored } }
            set { lock.withLock { stored = newValue } }
        }
    }

    /// Opens `descriptor` (standard input by default); `raw` describes it when it holds no
    /// recognised container.
    public init(raw: RawAudioFormat, descriptor: Int32 = 0) throws {
        let name = "stdin"
        let signature = try StandardInput.read(upTo: 4, from: descriptor, name: name)
        container = Container(signature: signature)
        if container == .flac {
            let file = try SoundFile(descriptor: try StandardInput.spool(signature, descriptor, name: name), name: name, lengthKnown: true)
            reader = AudioReader(file: file, name: name)
        } else {
            let pipe = try StandardInput.replay(signature, descriptor, name: name, failure: failure)
            let file: SoundFile
            do {
                file =
                    container == nil
                    ? try SoundFile(descriptor: pipe, raw: raw, name: name, closing: true)
                    : try SoundFile(descriptor: pipe, name: name, lengthKnown: false)
            } catch {
                // A header cut short by a read error: the read error is the cause. The feeder
                // stores it before it closes the pipe, so it is there when the header ends.
                throw failure.error ?? error
            }
            reader = AudioReader(file: file, name: name)
        }
    }

    /// Up to `count` bytes, fewer only at the end of the input.
    static func read(upTo count: Int, from descriptor: Int32, name: String) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = bytes.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress! + filled, count - filled) }
            if got > 0 { filled += got } else if got == 0 { break } else if !waited(descriptor) { throw readError(name, after: filled) }
        }
        return Array(bytes.prefix(filled))
    }

    /// A pipe that yields `signature` and then the rest of `descriptor`, fed by a thread as
    /// the bytes arrive; the read end is returned. A read error ends the pipe as the end of
    /// the input would, and is left in `failure`.
    private static func replay(_ signature: [UInt8], _ descriptor: Int32, name: String, failure: Failure) throws -> Int32 {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw WakeWordError.unreadable(path: name, reason: String(cString: strerror(errno))) }
        let (readEnd, writeEnd) = (ends[0], ends[1])
        let feeder = Thread {
            // A reader that stops early closes the pipe: this write then fails with EPIPE
            // instead of the signal ending the process.
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, SIGPIPE)
            pthread_sigmask(SIG_BLOCK, &set, nil)
            var chunk = signature
            var total = 0
            while !chunk.isEmpty, StandardInput.write(chunk, to: writeEnd) {
                total += chunk.count
                do {
                    chunk = try StandardInput.read(available: 1 << 16, from: descriptor, name: name, after: total)
                } catch {
                    failure.error = error as? WakeWordError
                    chunk = []
                }
            }
            close(writeEnd)
        }
        feeder.start()
        return readEnd
    }

    /// `signature` and the rest of `descriptor` in an unlinked temporary file, rewound.
    static func spool(_ signature: [UInt8], _ descriptor: Int32, name: String) throws -> Int32 {
        var template = Array((NSTemporaryDirectory() + "wakeword-stdin-XXXXXX").utf8CString)
        let file = mkstemp(&template)
        guard file >= 0 else {
            throw WakeWordError.unreadable(path: name, reason: "cannot make a temporary file: \(String(cString: strerror(errno)))")
        }
        _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
        var chunk = signature
        var total = 0
        while !chunk.isEmpty {
            total += chunk.count
            guard write(chunk, to: file) else {
                close(file)
                throw WakeWordError.unreadable(
                    path: name, reason: "cannot keep it in a temporary file: \(String(cString: strerror(errno)))")
            }
            do {
                chunk = try read(available: 1 << 16, from: descriptor, name: name, after: total)
            } catch {
                close(file)
                throw error
            }
        }
        lseek(file, 0, SEEK_SET)
        return file
    }

    /// What one read gives (at most `count` bytes, as soon as any arrive); empty at the end.
    /// `after`: the bytes read before, for the error.
    private static func read(available count: Int, from descriptor: Int32, name: String, after: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        while true {
            let got = bytes.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress!, count) }
            if got >= 0 { return Array(bytes.prefix(got)) }
            if !waited(descriptor) { throw readError(name, after: after) }
        }
    }

    /// After a failed read: true when it is worth reading again, after a signal (EINTR) or,
    /// on a non-blocking descriptor with nothing to read yet (EAGAIN), once it is readable; a
    /// blocking descriptor's EAGAIN (a receive timeout) is an error.
    private static func waited(_ descriptor: Int32) -> Bool {
        let failure = errno
        if failure == EINTR { return true }
        guard failure == EAGAIN || failure == EWOULDBLOCK, fcntl(descriptor, F_GETFL) & O_NONBLOCK != 0 else {
            errno = failure
            return false
        }
        var readable = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        while true {
            if poll(&readable, 1, -1) >= 0 { return true }
            if errno != EINTR { return false }
        }
    }

    /// The error of the read that just failed (errno), after `bytes` bytes had come. A
    /// blocking descriptor's EAGAIN is its receive timeout running out.
    private static func readError(_ name: String, after bytes: Int) -> WakeWordError {
        let reason = errno == EAGAIN || errno == EWOULDBLOCK ? "no data within its receive timeout" : String(cString: strerror(errno))
        return .unreadable(path: name, reason: bytes == 0 ? reason : "\(reason) after \(bytes) bytes; the input stopped there")
    }

    /// Writes all of `bytes`; false if the descriptor refuses them.
    private static func write(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
        var written = 0
        while written < bytes.count {
            let done = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            if done > 0 { written += done } else if done < 0 && errno == EINTR { continue } else { return false }
        }
        return true
    }
}
