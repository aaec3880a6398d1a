import Foundation
import WakeWord

/// Where a command will write, checked before any work, so that a long run does not end in
/// an error it could have given at once (and writes nothing when it does).
enum OutputPath {
    /// A file that will be replaced in one step: its folder must exist and it must not be a
    /// folder itself.
    static func checkFile(_ path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        let parent = folder.isEmpty ? "." : folder
        guard isDirectory(parent) else { throw WakeWordError.writeFailed(path: path, reason: "directory \(parent) does not exist") }
        if isDirectory(path) { throw WakeWordError.writeFailed(path: path, reason: "it is a directory; give a file name") }
        guard FileManager.default.isWritableFile(atPath: parent) else {
            throw WakeWordError.writeFailed(path: path, reason: "directory \(parent) is not writable")
        }
    }

    /// A folder that will be created with its parents, or written into: neither it nor the
    /// nearest part of its path that exists may be a file, and that part must be writable.
    static func checkFolder(_ path: String) throws {
        var existing = path.isEmpty ? "." : path
        while !FileManager.default.fileExists(atPath: existing) {
            let parent = (existing as NSString).deletingLastPathComponent
            existing = parent.isEmpty ? "." : parent
        }
        guard isDirectory(existing) else {
            throw WakeWordError.writeFailed(
                path: path, reason: existing == path ? "it is a file, not a directory" : "\(existing) is a file, not a directory")
        }
        guard FileManager.default.isWritableFile(atPath: existing) else {
            throw WakeWordError.writeFailed(path: path, reason: "directory \(existing) is not writable")
        }
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
