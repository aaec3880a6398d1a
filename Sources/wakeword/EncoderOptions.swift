import ArgumentParser
import Foundation
import WakeWord

/// Where the encoder weights are: --encoder, else $WAKEWORD_ENCODER, else the copy
/// scripts/setup unpacked into the project.
struct EncoderOptions: ParsableArguments {
    @Option(name: .customLong("encoder"), help: ArgumentHelp(
        "Directory holding the Whisper encoder's CTranslate2 model.bin (default: $WAKEWORD_ENCODER, else .encoder/whisper-tiny.en in the project).",
        valueName: "dir"))
    var directory: String?

    var resolvedDirectory: String {
        directory ?? ProcessInfo.processInfo.environment["WAKEWORD_ENCODER"]
            ?? ProjectPaths.root.map { "\($0)/.encoder/whisper-tiny.en" } ?? ".encoder/whisper-tiny.en"
    }

    func load() throws -> WhisperEncoder {
        try WhisperEncoder(directory: resolvedDirectory)
    }
}

extension ProjectPaths {
    /// The default negative audio: the project's audio-samples/negatives, and the real speech
    /// `scripts/setup --negatives` fetches into .cache/negatives when it is there.
    static var defaultNegatives: [String] {
        [existing("audio-samples/negatives"), existing(".cache/negatives/SOURCES.md").map { ($0 as NSString).deletingLastPathComponent }].compactMap { $0 }
    }
    /// The default noise for augmentation.
    static var defaultNoise: String? { existing("audio-samples/negatives/noise") }

    private static func existing(_ relative: String) -> String? {
        root.map { "\($0)/\(relative)" }.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
    }
}

/// The project folder this binary was built in (it holds the default encoder and the
/// default negatives), found by walking up from the executable.
enum ProjectPaths {
    static let root: String? = {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        if !CommandLine.arguments[0].contains("/"), let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            url = URL(fileURLWithPath: path)
        }
        for _ in 0..<6 {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path),
               FileManager.default.fileExists(atPath: url.appendingPathComponent("audio-samples").path) {
                return url.path
            }
        }
        return nil
    }()
}
