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
    /// The `wakeword` tool built with the tests, beside the test runner.
    static var binary: String {
        let runner = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: runner).deletingLastPathComponent().appendingPathComponent("wakeword").path
    }

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

/// What a run of the `wakeword` tool printed and how it ended.
struct ToolRun {
    let status: Int32
    /// True when the process died of a signal (a crash or trap), not an exit.
    let signalled: Bool
    let stdout: String
    let stderr: String

    var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
}

/// Runs the tool with `arguments`; `input` is piped to stdin; `user` runs it as that uid.
func runTool(_ arguments: [String], input: Data? = nil, environment: [String: String] = [:], user: UInt32? = nil) throws -> ToolRun {
    let process = Process()
    if let user {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=\(user)", "--regid=\(user)", "--clear-groups", TestPaths.binary] + arguments
    } else {
        process.executableURL = URL(fileURLWithPath: TestPaths.binary)
        process.arguments = arguments
    }
    var env = ProcessInfo.processInfo.environment
    env["WAKEWORD_ENCODER"] = TestPaths.encoderDirectory
    env.merge(environment) { $1 }
    process.environment = env
    let (out, err, stdin) = (Pipe(), Pipe(), Pipe())
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input == nil ? FileHandle.nullDevice : stdin
    try process.run()
    if let input {
        // Feed stdin on another thread while this one drains the output pipes.
        let writer = Thread {
            try? stdin.fileHandleForWriting.write(contentsOf: input)
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
    }
    let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
    let stderrData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ToolRun(status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
                   stdout: String(decoding: stdoutData, as: UTF8.self), stderr: String(decoding: stderrData, as: UTF8.self))
}
