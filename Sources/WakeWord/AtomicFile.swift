import Foundation

/// Writes whole files so that readers see either the old file or the complete new one:
/// the bytes go to a temporary file beside the target (".NAME.PID-N.tmp"), are flushed, then
/// renamed over it. A failed or interrupted write never leaves a partial file under the
/// target's name; the temporary file of a killed writer is removed by the next write.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        try replace(path) { temporary in
            guard let handle = FileHandle(forWritingAtPath: temporary) else {
                throw WakeWordError.writeFailed(path: path, reason: "cannot open \(temporary) for writing")
            }
            defer { try? handle.close() }
            do {
                try handle.write(contentsOf: data)
            } catch {
                throw WakeWordError.writeFailed(path: path, reason: error.localizedDescription)
            }
        }
    }

    /// Replaces `path` with the file `body` writes: `body` gets the path of an empty
    /// temporary file beside `path` to fill (by any means, e.g. a C library opening it by
    /// name); the file is then flushed to disk and renamed over `path`. If `body` throws,
    /// the temporary file is removed and `path` is left as it was.
    public static func replace(_ path: String, writing body: (_ temporary: String) throws -> Void) throws {
        let temporary = try createTemporary(for: path)
        do {
            try body(temporary)
            guard let handle = FileHandle(forUpdatingAtPath: temporary) else {
                throw WakeWordError.writeFailed(path: path, reason: "cannot reopen \(temporary) to flush it")
            }
            defer { try? handle.close() }
            do {
                try handle.synchronize()
            } catch {
                throw WakeWordError.writeFailed(path: path, reason: error.localizedDescription)
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        try moveIntoPlace(temporary, path: path)
    }

    /// A new empty temporary file beside `path` (".NAME.PID-N.tmp"), after removing those of
    /// writers that no longer run; fails, naming `path`, where `OutputPath.checkFile` does.
    static func createTemporary(for path: String) throws -> String {
        try OutputPath.checkFile(path)
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        removeStale(in: directory, name: url.lastPathComponent)
        let temporary = "\(directory)/.\(url.lastPathComponent).\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: nil) else {
            throw WakeWordError.writeFailed(path: path, reason: "cannot create a file in \(directory)")
        }
        return temporary
    }

    /// Renames the flushed `temporary` over `path`; on failure removes it and leaves `path` as it was.
    static func moveIntoPlace(_ temporary: String, path: String) throws {
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw WakeWordError.writeFailed(path: path, reason: reason)
        }
    }

    /// Removes temporary files left by writers that no longer run: ".NAME.PID.tmp" or
    /// ".NAME.PID-N.tmp" whose PID is not a live process (any NAME when `name` is nil).
    public static func removeStale(in directory: String, name: String? = nil) {
        let directory = directory.isEmpty ? "." : directory
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for entry in entries where entry.hasPrefix(".") && entry.hasSuffix(".tmp") {
            if let name, !entry.hasPrefix(".\(name).") { continue }
            let last = entry.dropLast(4).split(separator: ".").last ?? ""
            guard let pid = Int32(last.split(separator: "-").first ?? ""), pid > 0 else { continue }
            if pid == getpid() || kill(pid, 0) == 0 || errno == EPERM { continue }
            try? FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent(entry))
        }
    }
}
