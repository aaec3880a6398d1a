import Foundation
import Testing
import WakeWord

/// Paths the tests use: the project's own files only (never ../shared), and the encoder
/// that scripts/setup fetches.
enum TestPaths {
    /// The project folder (this file is Tests/WakeWordTests/TestSupport.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static func sample(_ relative: String) -> String { "\(root)/audio-samples/\(relative)" }
    static func golden(_ name: String) -> String { "\(root)/Tests/WakeWordTests/Golden/\(name)" }
    static var encoderDirectory: String {
        ProcessInfo.processInfo.environment["WAKEWORD_ENCODER"] ?? "\(root)/.encoder/whisper-tiny.en"
    }
    /// The release binary the tests run as a user would (scripts/test builds it first).
    static var binary: String { "\(root)/.build/release/wakeword" }

    /// A new empty directory, removed by the caller with `cleanUp`.
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "wakeword-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// The real Whisper tiny.en encoder, loaded once for all tests. Fails with the set-up command
/// when it is missing: tests run on the real weights, never on a stand-in.
enum SharedEncoder {
    static let result: Result<WhisperEncoder, Error> = Result { try WhisperEncoder(directory: TestPaths.encoderDirectory) }

    static func load() throws -> WhisperEncoder {
        try result.get()
    }
}

/// Largest |a - b| over two equally long arrays.
func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// A sine of `frequency` Hz, `seconds` long, at `rate`.
func sine(frequency: Double, seconds: Double, rate: Int, amplitude: Float = 0.5) -> [Float] {
    (0..<Int(seconds * Double(rate))).map { amplitude * Float(sin(2 * Double.pi * frequency * Double($0) / Double(rate))) }
}
