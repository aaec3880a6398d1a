import Foundation
import WakeWord

/// Where the command-line tool looks for what scripts/setup provides, so that a binary copied
/// anywhere (scripts/setup --prefix) works from any folder: first the per-user data folder
/// $XDG_DATA_HOME/wakeword (default ~/.local/share/wakeword), then the project checkout the
/// binary sits in (.build/release/wakeword run from the checkout).
///
///     $XDG_DATA_HOME/wakeword/encoder/whisper-tiny.en/     model.bin, config.json
///     $XDG_DATA_HOME/wakeword/negatives/audio-samples/     the shipped audio-samples/negatives (noise/ inside)
///     $XDG_DATA_HOME/wakeword/negatives/debian-speech/     scripts/setup --negatives (complete once SOURCES.md is there)
enum DefaultPaths {
    /// The per-user data folder: $XDG_DATA_HOME/wakeword, else $HOME/.local/share/wakeword
    /// (XDG base directories: a relative XDG_DATA_HOME is ignored).
    static var dataDirectory: String {
        (UserDirectories.base("XDG_DATA_HOME", fallback: ".local/share") as NSString).appendingPathComponent("wakeword")
    }

    /// The encoder folders tried in order: the data folder's, then the project's .encoder copy.
    static var encoderCandidates: [String] {
        ["\(dataDirectory)/encoder/whisper-tiny.en"] + (projectRoot.map { ["\($0)/.encoder/whisper-tiny.en"] } ?? [])
    }

    /// The first encoder folder holding model.bin; the data folder's when none does (the
    /// place scripts/setup fills, so the error names it).
    static var encoder: String {
        encoderCandidates.first { exists("\($0)/model.bin") } ?? encoderCandidates[0]
    }

    /// The shipped negatives (audio-samples/negatives) and the fetched speech, where found.
    static var negatives: [String] {
        let shipped = firstExisting(negativeCandidates)
        let speech = firstExisting(speechCandidates.map { "\($0)/SOURCES.md" }).map { ($0 as NSString).deletingLastPathComponent }
        return [shipped, speech].compactMap { $0 }
    }

    /// The default noise for augmentation: noise/ inside the shipped negatives.
    static var noise: String? { firstExisting(negativeCandidates.map { "\($0)/noise" }) }

    /// Where `negatives` looks, for help and error messages.
    static var negativesSearched: [String] { negativeCandidates + speechCandidates }

    private static var negativeCandidates: [String] {
        ["\(dataDirectory)/negatives/audio-samples"] + (projectRoot.map { ["\($0)/audio-samples/negatives"] } ?? [])
    }
    private static var speechCandidates: [String] {
        ["\(dataDirectory)/negatives/debian-speech"] + (projectRoot.map { ["\($0)/.cache/negatives"] } ?? [])
    }

    private static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
    private static func firstExisting(_ paths: [String]) -> String? { paths.first(where: exists) }

    /// The project folder this binary was built in, found by walking up from the executable;
    /// nil for an installed copy.
    static let projectRoot: String? = {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        if !CommandLine.arguments[0].contains("/"), let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        {
            url = URL(fileURLWithPath: path)
        }
        for _ in 0..<6 {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path),
                FileManager.default.fileExists(atPath: url.appendingPathComponent("audio-samples").path)
            {
                return url.path
            }
        }
        return nil
    }()
}
