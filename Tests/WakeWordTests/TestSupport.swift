import Foundation
import Testing

@testable import WakeWord

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
    static let result: Result<WhisperEncoder, Error> = Result {
        // As every command does: one BLAS thread per call, so results do not depend on how
        // OpenBLAS splits a product (tests compare scores exactly and train the CLI's models).
        BLAS.setThreads(1)
        return try WhisperEncoder(directory: TestPaths.encoderDirectory)
    }

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
/// By default the test build's binary runs with $WAKEWORD_ENCODER set to the tests' encoder;
/// `installed` runs another copy in `directory` with only `environment` (and PATH) set, as
/// an installed binary meets a user's shell.
func runTool(
    _ arguments: [String], input: Data? = nil, environment: [String: String] = [:], user: UInt32? = nil,
    installed: (binary: String, directory: String)? = nil
) throws -> ToolRun {
    let process = Process()
    let binary = installed?.binary ?? TestPaths.binary
    if let user {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=\(user)", "--regid=\(user)", "--clear-groups", binary] + arguments
    } else {
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
    }
    var env = ProcessInfo.processInfo.environment
    env["WAKEWORD_ENCODER"] = TestPaths.encoderDirectory
    if let installed {
        env = ["PATH": env["PATH"] ?? "/usr/bin:/bin"]
        process.currentDirectoryURL = URL(fileURLWithPath: installed.directory)
    }
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
    return ToolRun(
        status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
        stdout: String(decoding: stdoutData, as: UTF8.self), stderr: String(decoding: stderrData, as: UTF8.self))
}

/// An "alexa" model trained once per test run on the project's own clips and default
/// negatives, at 5 false accepts per hour (what 27 minutes of negative audio can show;
/// 0.5 per hour would be extrapolated). Also records the encoder's parameters before
/// training, to prove training leaves them untouched.
enum TrainedAlexa {
    struct Fixture: Sendable {
        let outcome: TrainingOutcome
        let encoderHashBefore: UInt64
        var model: WakeWordModel { outcome.model }
    }

    static let result: Result<Fixture, Error> = Result {
        let encoder = try SharedEncoder.load()
        let before = parameterHash(encoder)
        var options = TrainingOptions()
        options.name = "alexa"
        options.targetFAPerHour = 5
        let outcome = try Trainer(encoder: encoder, options: options).train(
            TrainingInput(
                positives: try audioFiles(TestPaths.sample("alexa/train")),
                negatives: try audioFiles(TestPaths.sample("negatives")),
                noise: try audioFiles(TestPaths.sample("negatives/noise"))))
        return Fixture(outcome: outcome, encoderHashBefore: before)
    }

    static func load() throws -> Fixture { try result.get() }
}

/// Audio files under `folder`, sorted.
func audioFiles(_ folder: String) throws -> [String] {
    try FileManager.default.subpathsOfDirectory(atPath: folder).filter { $0.hasSuffix(".flac") || $0.hasSuffix(".ogg") }
        .sorted().map { "\(folder)/\($0)" }
}

/// A fingerprint of every parameter the encoder computes with.
func parameterHash(_ encoder: WhisperEncoder) -> UInt64 {
    var hash = ContentHash()
    for conv in [encoder.conv1, encoder.conv2] {
        hash.update(conv.weight.values)
        hash.update(conv.bias)
    }
    hash.update(encoder.positions.values)
    for block in encoder.blocks {
        for norm in [block.attentionNorm, block.feedForwardNorm] {
            hash.update(norm.gamma)
            hash.update(norm.beta)
        }
        for linear in [block.qkv, block.output, block.feedForwardIn, block.feedForwardOut] {
            hash.update(linear.weight.values)
            hash.update(linear.bias)
        }
    }
    hash.update(encoder.finalNorm.gamma)
    hash.update(encoder.finalNorm.beta)
    return hash.value
}

/// Runs `audio` through a detector for `model` alone; returns its detections.
func detections(_ model: WakeWordModel, _ audio: [Float]) throws -> [Detection] {
    var detector = try Detector(models: [model], encoder: try SharedEncoder.load())
    return detector.process(audio) + detector.finish()
}

/// The highest hop score of `model` over `audio`.
func bestScore(_ model: WakeWordModel, _ audio: [Float]) throws -> Float {
    var detector = try Detector(models: [model], encoder: try SharedEncoder.load())
    var best = -Float.infinity
    _ = detector.process(audio) { best = max(best, $0.score) }
    _ = detector.finish { best = max(best, $0.score) }
    return best
}
