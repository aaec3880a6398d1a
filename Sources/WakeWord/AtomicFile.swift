import Foundation

/// Writes whole files so that readers see either the old file or the complete new one:
/// the bytes go to a temporary file beside the target, are flushed, then renamed over it.
/// A failed or interrupted write never leaves a partial file under the target's name.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw WakeWordError.writeFailed(path: path, reason: "directory \(directory) does not exist")
        }
        let temporary = "\(directory)/.\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max)).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: nil),
              let handle = FileHandle(forWritingAtPath: temporary) else {
            throw WakeWordError.writeFailed(path: path, reason: "cannot create a file in \(directory)")
        }
        do {
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temporary)
            throw WakeWordError.writeFailed(path: path, reason: error.localizedDescription)
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw WakeWordError.writeFailed(path: path, reason: reason)
        }
    }
}
