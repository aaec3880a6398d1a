import Foundation
import Testing

@testable import WakeWord

@Suite("Audio") struct AudioTests {
    /// Amplitude of the `frequency` component of 16 kHz `x` (a single-bin DFT).
    private func amplitude(of frequency: Double, in x: [Float]) -> Double {
        var (re, im) = (0.0, 0.0)
        for (n, v) in x.enumerated() {
            let phase = 2 * Double.pi * frequency * Double(n) / Double(AudioFormat.sampleRate)
            re += Double(v) * cos(phase)
            im -= Double(v) * sin(phase)
        }
        return 2 * (re * re + im * im).squareRoot() / Double(x.count)
    }

    @Test(
        "every encoding and rate reads as 16 kHz mono with the tone preserved",
        arguments: [
            (AudioWriter.Encoding.wav16, 44_100), (.wavU8, 16_000), (.wav24, 48_000), (.wav32, 22_050),
            (.wavFloat, 8_000), (.flac16, 44_100), (.flac24, 96_000), (.oggVorbis, 44_100), (.wav16, 384_000),
        ])
    func readsAnyEncoding(encoding: AudioWriter.Encoding, rate: Int) throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tone = sine(frequency: 1000, seconds: 1.5, rate: rate)
        // Stereo: left carries the tone, right carries it at half amplitude: the mix is 0.75 × tone.
        let stereo = tone.flatMap { [$0, $0 * 0.5] }
        let path = "\(directory)/tone"
        try AudioWriter.write(stereo, channels: 2, sampleRate: rate, encoding: encoding, to: path)
        let (samples, warnings) = try AudioReader.load(path: path)
        #expect(warnings.isEmpty)
        #expect(abs(samples.count - 24_000) <= 1)
        let middle = Array(samples[4000..<20000])
        let tolerance = encoding == .wavU8 || encoding == .oggVorbis ? 0.02 : 0.002
        #expect(abs(amplitude(of: 1000, in: middle) - 0.375) < tolerance)
        #expect(amplitude(of: 3000, in: middle) < 0.01)
    }

    @Test("audio is written atomically: a failed write keeps the old file and leaves no temporary file; a killed writer's is removed")
    func atomicAudio() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/a.wav"
        try AudioWriter.write([0.1, 0.2], to: path)
        let old = try Data(contentsOf: URL(fileURLWithPath: path))
        // A temporary file of a writer that no longer runs (PID 2^31-1 is never live).
        try Data([1]).write(to: URL(fileURLWithPath: "\(directory)/.a.wav.2147483647.tmp"))
        // FLAC allows no 1 MHz stream: libsndfile refuses, the old file stays.
        #expect(throws: WakeWordError.self) { try AudioWriter.write([0.1], sampleRate: 1_000_000, encoding: .flac16, to: path) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == old)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["a.wav"])
        try AudioWriter.write([0.3, 0.4, 0.5], to: path)
        #expect(try AudioReader.load(path: path).samples.count == 3)
    }

    @Test("chunked reading gives the same samples as one read, with resampling")
    func chunkedReadMatchesWhole() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/speechlike.wav"
        var generator = SplitMix64(seed: 3)
        try AudioWriter.write(
            (0..<90_000).map { _ in Float.random(in: -0.3...0.3, using: &generator) },
            sampleRate: 44_100, encoding: .wavFloat, to: path)
        let whole = try AudioReader(path: path).readAll()
        let reader = try AudioReader(path: path)
        var chunked: [Float] = []
        while case let chunk = try reader.read(maxFrames: 777), !chunk.isEmpty { chunked += chunk }
        #expect(chunked.count == whole.count)
        #expect(maxAbsDifference(chunked, whole) < 1e-6)
    }

    @Test("a damaged FLAC gives what decodes and a warning naming the file")
    func damagedFlac() throws {
        let path = TestPaths.sample("damaged/126.flac")
        let (samples, warnings) = try AudioReader.load(path: path)
        #expect(samples.count == 5760)
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains(path) == true)
        #expect(warnings.first?.contains("damaged") == true)
    }

    @Test("bad inputs fail with a message naming the file")
    func badInputs() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = "\(directory)/notes.wav"
        try Data("this is not audio\n".utf8).write(to: URL(fileURLWithPath: text))
        #expect(throws: WakeWordError.self) { try AudioReader(path: text) }
        do { _ = try AudioReader(path: text) } catch { #expect("\(error)".hasPrefix(text)) }

        #expect(throws: WakeWordError.fileNotFound(path: "\(directory)/missing.wav")) {
            try AudioReader(path: "\(directory)/missing.wav")
        }
        #expect(throws: WakeWordError.unreadable(path: directory, reason: "it is a directory, not an audio file")) {
            try AudioReader(path: directory)
        }

        let nan = "\(directory)/nan.wav"
        try AudioWriter.write([0, 0.1, .nan, 0.2], encoding: .wavFloat, to: nan)
        #expect(throws: WakeWordError.badAudio(path: nan, reason: "sample at 0.000 s is NaN or infinite")) {
            try AudioReader.load(path: nan)
        }

        let slow = "\(directory)/slow.wav"
        try AudioWriter.write([0, 0.1], sampleRate: 100, encoding: .wav16, to: slow)
        #expect(throws: WakeWordError.badAudio(path: slow, reason: "sample rate 100 Hz is outside the supported 8000 to 768000 Hz")) {
            try AudioReader(path: slow)
        }

        let empty = "\(directory)/empty.wav"
        try AudioWriter.write([], encoding: .wav16, to: empty)
        #expect(throws: WakeWordError.badAudio(path: empty, reason: "it contains no audio samples")) {
            try Clip.load(empty)
        }
    }

    @Test("stdin that fails is an error naming it, not an end: at the first read, and after audio has come")
    func standardInputFailure() throws {
        let raw = RawAudioFormat(sampleRate: 16_000, channels: 1, encoding: .s16)
        // A directory cannot be read: the first read fails.
        let folder = open(try TestPaths.temporaryDirectory(), O_RDONLY)
        defer { close(folder) }
        #expect(throws: WakeWordError.unreadable(path: "stdin", reason: "Is a directory")) {
            try StandardInput(raw: raw, descriptor: folder)
        }
        // A socket that delivers 0.1 s of PCM, then times out (EAGAIN) instead of closing.
        var ends: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends) == 0)
        defer { ends.forEach { close($0) } }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(ends[0], SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let pcm = [Int16](repeating: 1_000, count: 1_600)
        #expect(pcm.withUnsafeBytes { write(ends[1], $0.baseAddress!, $0.count) } == 3_200)
        let input = try StandardInput(raw: raw, descriptor: ends[0])
        var samples: [Float] = []
        while case let chunk = try input.reader.read(maxFrames: 4_000), !chunk.isEmpty { samples += chunk }
        #expect(samples.count == 1_600 && samples.allSatisfy { abs($0 - 1_000 / 32_768) < 1e-6 })
        #expect(
            input.readFailure
                == WakeWordError.unreadable(
                    path: "stdin", reason: "no data within its receive timeout after 3200 bytes; the input stopped there"))
    }

    @Test("a WAV header cut short by a read error reports the read error, not a bad header")
    func standardInputHeaderFailure() throws {
        var ends: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends) == 0)
        defer { ends.forEach { close($0) } }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(ends[0], SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let header = Array("RIFF\u{0}\u{0}\u{0}\u{0}WA".utf8)
        #expect(header.withUnsafeBytes { write(ends[1], $0.baseAddress!, $0.count) } == 10)
        #expect(
            throws: WakeWordError.unreadable(
                path: "stdin", reason: "no data within its receive timeout after 10 bytes; the input stopped there")
        ) { try StandardInput(raw: RawAudioFormat(sampleRate: 16_000, channels: 1, encoding: .s16), descriptor: ends[0]) }
    }

    @Test("a non-blocking stdin is waited for, not taken as ended, when nothing has come yet")
    func nonBlockingStandardInput() throws {
        let raw = RawAudioFormat(sampleRate: 16_000, channels: 1, encoding: .s16)
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]) }
        #expect(fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK) == 0)
        // Three bursts of 0.1 s, 0.15 s apart, then the end.
        let writeEnd = ends[1]
        let writer = Thread {
            for burst in 0..<3 {
                Thread.sleep(forTimeInterval: 0.15)
                let pcm = [Int16](repeating: Int16(1_000 * (burst + 1)), count: 1_600)
                _ = pcm.withUnsafeBytes { write(writeEnd, $0.baseAddress!, $0.count) }
            }
            close(writeEnd)
        }
        writer.start()
        let input = try StandardInput(raw: raw, descriptor: ends[0])
        var samples: [Float] = []
        while case let chunk = try input.reader.read(maxFrames: 4_000), !chunk.isEmpty { samples += chunk }
        #expect(input.readFailure == nil)
        #expect(samples.count == 4_800)
        for burst in 0..<3 {
            let level = Float(1_000 * (burst + 1)) / 32_768
            #expect(samples[(burst * 1_600)..<((burst + 1) * 1_600)].allSatisfy { abs($0 - level) < 1e-6 }, "burst \(burst)")
        }
    }

    @Test("resampling keeps the length ratio and the tone")
    func resampler() {
        let tone = sine(frequency: 440, seconds: 2, rate: 22_050)
        let out = Resampler.resample(tone, from: 22_050, to: 16_000)
        #expect(abs(out.count - 32_000) <= 1)
        #expect(abs(amplitude(of: 440, in: Array(out[2000..<30000])) - 0.5) < 0.002)
    }
}
