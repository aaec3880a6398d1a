import Foundation

/// Reads any audio libsndfile decodes (or headerless PCM on standard input) as mono Float
/// at 16 kHz, in chunks, so a long input is never held whole. Channels are averaged; other
/// rates go through libsoxr.
///
/// Damaged data: libsndfile stops at the first frame it cannot decode (a FLAC CRC failure)
/// without reporting an error, so a read that ends before the frame count the header
/// declares is treated as damage: what decoded is used and a warning names the file. MP3's
/// declared length is often an estimate, so a read within `SoundFile.declaredFramesSlack` of
/// it is not.
public final class AudioReader {
    /// The path, or "stdin", as used in messages.
    public let name: String
    /// The stored rate in Hz, before conversion to 16 kHz.
    public let sourceSampleRate: Int
    public let sourceChannels: Int
    /// Duration the header declares, in seconds, or nil for streams.
    public var declaredDuration: Double? { file.declaredFrames.map { Double($0) / Double(sourceSampleRate) } }
    /// Problems met so far that did not stop the read (damaged data), one line each.
    public private(set) var warnings: [String] = []

    private let file: SoundFile
    private let resampler: Resampler?
    private var framesRead = 0
    private var finished = false

    /// Opens a file; fails with a message naming it if it is missing, unreadable or not audio.
    public init(path: String) throws {
        try AudioReader.checkReadable(path)
        file = try SoundFile(path: path)
        name = path
        (sourceSampleRate, sourceChannels) = (file.sampleRate, file.channels)
        resampler = AudioReader.resampler(from: file.sampleRate)
        warnings += file.headerInconsistencies.map { "\(path): damaged header: \($0); using the audio the file holds" }
    }

    /// Reads headerless PCM from standard input.
    public init(standardInput format: RawAudioFormat = .standard) throws {
        file = try SoundFile(descriptor: 0, raw: format, name: "stdin")
        name = "stdin"
        (sourceSampleRate, sourceChannels) = (format.sampleRate, format.channels)
        resampler = AudioReader.resampler(from: format.sampleRate)
    }

    /// Reads `file`, opened elsewhere, naming it `name` in messages.
    init(file: SoundFile, name: String) {
        self.file = file
        self.name = name
        (sourceSampleRate, sourceChannels) = (file.sampleRate, file.channels)
        resampler = AudioReader.resampler(from: file.sampleRate)
    }

    /// The next chunk of 16 kHz mono samples, about `maxFrames` source frames' worth;
    /// empty once the input is exhausted.
    public func read(maxFrames: Int = 16_000) throws -> [Float] {
        while !finished {
            let interleaved = file.read(frames: maxFrames)
            let frames = interleaved.count / sourceChannels
            let mono = AudioReader.mix(interleaved, channels: sourceChannels)
            if file.isFloatingPoint, let bad = mono.firstIndex(where: { !$0.isFinite }) {
                let seconds = Double(framesRead + bad) / Double(sourceSampleRate)
                throw WakeWordError.badAudio(path: name, reason: String(format: "sample at %.3f s is NaN or infinite", seconds))
            }
            framesRead += frames
            if frames < maxFrames { try finish() }
            let converted = resampler.map { $0.process(mono) + (finished ? $0.flush() : []) } ?? mono
            if !converted.isEmpty || finished { return converted }
        }
        return []
    }

    /// Reads the whole input: for clips, not for streams of unbounded length.
    public func readAll() throws -> [Float] {
        var samples: [Float] = []
        if let duration = declaredDuration { samples.reserveCapacity(Int(duration * Double(AudioFormat.sampleRate)) + 1) }
        while true {
            let chunk = try read(maxFrames: 65_536)
            if chunk.isEmpty { return samples }
            samples.append(contentsOf: chunk)
        }
    }

    /// Loads a whole clip as 16 kHz mono; warnings (damaged data) are returned, not printed.
    public static func load(path: String) throws -> (samples: [Float], warnings: [String]) {
        let reader = try AudioReader(path: path)
        let samples = try reader.readAll()
        return (samples, reader.warnings)
    }

    private func finish() throws {
        finished = true
        let error = file.lastError.map { $0.replacingOccurrences(of: "Error : ", with: "") }
        let short = file.declaredFrames.map { framesRead < $0 - file.declaredFramesSlack } ?? false
        guard error != nil || short else { return }
        let reason = error.map { " (\($0))" } ?? ""
        guard framesRead > 0 else {
            throw WakeWordError.badAudio(path: name, reason: "no audio decodes\(reason)")
        }
        let extent = file.declaredFrames.map { " of \(seconds($0))" } ?? ""
        warnings.append("\(name): damaged data: decoding stopped at \(seconds(framesRead))\(extent)\(reason); using what decoded")
    }

    private func seconds(_ frames: Int) -> String {
        String(format: "%.2f s", Double(frames) / Double(sourceSampleRate))
    }

    private static func mix(_ interleaved: [Float], channels: Int) -> [Float] {
        guard channels > 1 else { return interleaved }
        let frames = interleaved.count / channels
        let scale = 1 / Float(channels)
        return (0..<frames).map { frame in
            var sum: Float = 0
            for channel in 0..<channels { sum += interleaved[frame * channels + channel] }
            return sum * scale
        }
    }

    private static func resampler(from rate: Int) -> Resampler? {
        rate == AudioFormat.sampleRate ? nil : Resampler(from: Double(rate), to: Double(AudioFormat.sampleRate))
    }

    private static func checkReadable(_ path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw WakeWordError.fileNotFound(path: path)
        }
        if isDirectory.boolValue { throw WakeWordError.unreadable(path: path, reason: "it is a directory, not an audio file") }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw WakeWordError.unreadable(path: path, reason: "permission denied")
        }
    }
}
