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
            let temporary = try AtomicFile.createTemporary(for: path)
            guard let handle = FileHandle(forWritingAtPath: temporary) else {
                try? FileManager.default.removeItem(atPath: temporary)
                throw WakeWordError.writeFailed(path: path, reason: "cannot open \(temporary) for writing")
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
            finished = true
            try AtomicFile.moveIntoPlace(temporary, path: path)
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
