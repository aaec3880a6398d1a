import Foundation

extension AtomicFile {
    /// A file written in pieces, as `AtomicFile.write` writes a whole one: the pieces go to a
    /// temporary file beside `path` (".NAME.PID-N.tmp"); `commit` flushes it and renames it
    /// over `path`, `discard` removes it. Until the commit, readers of `path` see the old file
    /// or none; a writer that is dropped without committing leaves nothing behind.
    public final class Writer {
        /// The file this writer replaces on `commit`.
        public let path: String
        private let temporary: String
        private let handle: FileHandle
        private var finished = false

        /// Creates the temporary file; fails (naming `path`) if its folder does not exist or
        /// is not writable.
        public init(path: String) throws {
            let url = URL(fileURLWithPath: path)
            let directory = url.deletingLastPathComponent().path
            AtomicFile.removeStale(in: directory, name: url.lastPathComponent)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw WakeWordError.writeFailed(path: path, reason: "directory \(directory) does not exist")
            }
            let temporary = "\(directory)/.\(url.lastPathComponent).\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
            guard FileManager.default.createFile(atPath: temporary, contents: nil),
                  let handle = FileHandle(forWritingAtPath: temporary) else {
                throw WakeWordError.writeFailed(path: path, reason: "cannot create a file in \(directory)")
            }
            (self.path, self.temporary, self.handle) = (path, temporary, handle)
        }

        deinit { discard() }

        /// Appends `data` to the temporary file.
        public func write(_ data: Data) throws {
            precondition(!finished, "write after commit or discard")
            do {
                try handle.write(contentsOf: data)
            } catch {
                discard()
                throw WakeWordError.writeFailed(path: path, reason: error.localizedDescription)
            }
        }

        /// Flushes the temporary file and renames it over `path`.
        public func commit() throws {
            precondition(!finished, "commit after commit or discard")
            do {
                try handle.synchronize()
                try handle.close()
            } catch {
                discard()
                throw WakeWordError.writeFailed(path: path, reason: error.localizedDescription)
            }
            guard rename(temporary, path) == 0 else {
                let reason = String(cString: strerror(errno))
                discard()
                throw WakeWordError.writeFailed(path: path, reason: reason)
            }
            finished = true
        }

        /// Removes the temporary file; `path` is left as it was. Does nothing after `commit`.
        public func discard() {
            guard !finished else { return }
            finished = true
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temporary)
        }
    }
}
