import Foundation
import WakeWord

/// Turns the paths users give (files or folders, searched recursively) into audio files.
enum AudioPaths {
    /// Extensions taken from folders; files named directly are taken whatever their name.
    static let extensions: Set<String> = [
        "wav", "flac", "ogg", "oga", "opus", "mp3", "aif", "aiff", "aifc", "au", "snd", "w64", "caf", "rf64",
    ]

    static func expand(_ paths: [String], what: String) throws -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw WakeWordError.fileNotFound(path: path)
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            // The folder may itself be a symbolic link; links inside it are not followed (no cycles).
            let folder = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            guard FileManager.default.isReadableFile(atPath: folder), let enumerator = FileManager.default.enumerator(atPath: folder) else {
                throw WakeWordError.unreadable(path: path, reason: "permission denied")
            }
            let found = enumerator.compactMap { $0 as? String }
                .filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) }
                .sorted()
                .map { (path as NSString).appendingPathComponent($0) }
            guard !found.isEmpty else {
                throw WakeWordError.invalidInput(
                    "\(path): no \(what) audio files in this folder (looked for .\(extensions.sorted().joined(separator: ", .")))")
            }
            files += found
        }
        return files
    }
}
