import Foundation

/// Where a command will write, checked before any work (and again by the writers), so that
/// a long run does not end in an error it could have given at once, and writes nothing when
/// it fails. Messages name the path given and say what to do.
public enum OutputPath {
    /// A file that will be replaced in one step (`AtomicFile`): its folder must exist and be
    /// writable, and it must not name a folder.
    public static func checkFile(_ path: String) throws {
        if path.hasSuffix("/") || isDirectory(path) {
            throw WakeWordError.writeFailed(path: path, reason: "it names a directory; give a file name")
        }
        let folder = (path as NSString).deletingLastPathComponent
        let parent = folder.isEmpty ? "." : folder
        guard FileManager.default.fileExists(atPath: parent) else {
            throw WakeWordError.writeFailed(path: path, reason: "directory \(parent) does not exist; create it first")
        }
        guard isDirectory(parent) else { throw WakeWordError.writeFailed(path: path, reason: "\(parent) is a file, not a directory") }
        guard FileManager.default.isWritableFile(atPath: parent) else {
            throw WakeWordError.writeFailed(path: path, reason: "directory \(parent) is not writable")
        }
    }

    /// A folder that will be created with its parents, or written into: neither it nor the
    /// nearest part of its path that exists may be a file, and that part must be writable.
    public static func checkFolder(_ path: String) throws {
        var existing = path
        while existing.count > 1 && existing.hasSuffix("/") { existing.removeLast() }
        if existing.isEmpty { existing = "." }
        while !FileManager.default.fileExists(atPath: existing) {
            let parent = (existing as NSString).deletingLastPathComponent
            existing = parent.isEmpty ? "." : parent
        }
        guard isDirectory(existing) else {
            let what = (existing as NSString).standardizingPath == (path as NSString).standardizingPath ? "it" : existing
            throw WakeWordError.writeFailed(path: path, reason: "\(what) is a file, not a directory")
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
