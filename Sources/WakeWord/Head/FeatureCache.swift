import Foundation

/// Head inputs computed by the encoder, kept on disk so that training again over the same
/// audio skips the encoder. An entry is keyed by text naming everything its values depend
/// on (audio content hash, encoder identity, tap layer, windowing, augmentation recipe).
/// Entries are written atomically and checksummed; a damaged or foreign entry is a miss
/// and is removed. The directory is safe to delete at any time and is trimmed, least
/// recently used first, to `limitBytes`.
///
///     "WWFEAT02"  u32 key length  key  u32 rows  u32 columns  i64 samples
///     i64 hops[rows]  f32 labels[rows]  f32 features[rows · columns]  u64 FNV-1a of all before
///
/// (Version 01 kept a negative stream's length as an extra last row; its entries are misses.)
public struct FeatureCache: Sendable {
    public let directory: String
    public let limitBytes: Int
    private static let magic = Array("WWFEAT02".utf8)

    /// Rows of head inputs with the hop each was taken at and its label, and the length of
    /// the audio they were taken from.
    public struct Entry: Sendable, Equatable {
        /// Stream samples at the end of each row's hop.
        public var hops: [Int]
        public var labels: [Float]
        /// [hops.count, width · pools].
        public var features: Matrix
        /// Samples of audio the rows cover: the whole stream's length (a negative stream, a
        /// scene), also where its last hops fall short of it.
        public var samples: Int

        public init(hops: [Int], labels: [Float], features: Matrix, samples: Int) {
            precondition(hops.count == features.rows && labels.count == features.rows && samples >= 0)
            (self.hops, self.labels, self.features, self.samples) = (hops, labels, features, samples)
        }
    }

    public init(directory: String, limitBytes: Int = 4 << 30) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw WakeWordError.writeFailed(path: directory, reason: "cannot create the feature cache: \(error.localizedDescription)")
        }
        (self.directory, self.limitBytes) = (directory, limitBytes)
    }

    /// The default place: $WAKEWORD_CACHE, else $XDG_CACHE_HOME/wakeword, else $HOME/.cache/wakeword.
    public static var defaultDirectory: String {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["WAKEWORD_CACHE"] { return path }
        return (UserDirectories.base("XDG_CACHE_HOME", fallback: ".cache") as NSString).appendingPathComponent("wakeword")
    }

    public func load(key: String) -> Entry? {
        let path = self.path(for: key)
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard let entry = FeatureCache.decode(data, key: key) else {
            try? FileManager.default.removeItem(atPath: path)
            return nil
        }
        // Mark as recently used for trimming.
        try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: path)
        return entry
    }

    /// Stores an entry; a cache that cannot be written only costs time, so failures are ignored.
    public func store(_ entry: Entry, key: String) {
        try? AtomicFile.write(FeatureCache.encode(entry, key: key), to: path(for: key))
    }

    /// Removes least recently used entries until the cache fits its limit, and the temporary
    /// files of writers that were killed.
    public func trim() {
        AtomicFile.removeStale(in: directory)
        let manager = FileManager.default
        guard let names = try? manager.contentsOfDirectory(atPath: directory) else { return }
        var files: [(path: String, size: Int, date: Date)] = names.filter { $0.hasSuffix(".features") }.compactMap {
            let path = (directory as NSString).appendingPathComponent($0)
            guard let attributes = try? manager.attributesOfItem(atPath: path) else { return nil }
            return (path, (attributes[.size] as? Int) ?? 0, (attributes[.modificationDate] as? Date) ?? .distantPast)
        }
        var total = files.reduce(0) { $0 + $1.size }
        files.sort { $0.date < $1.date }
        for file in files where total > limitBytes {
            try? manager.removeItem(atPath: file.path)
            total -= file.size
        }
    }

    private func path(for key: String) -> String {
        var hash = ContentHash()
        hash.update(key)
        return (directory as NSString).appendingPathComponent("\(hash.hex).features")
    }

    static func encode(_ entry: Entry, key: String) -> Data {
        var writer = ByteWriter()
        writer.append(bytes: magic)
        let keyBytes = Array(key.utf8)
        writer.append(UInt32(keyBytes.count))
        writer.append(bytes: keyBytes)
        writer.append(UInt32(entry.features.rows))
        writer.append(UInt32(entry.features.columns))
        writer.append(Int64(entry.samples))
        entry.hops.forEach { writer.append(Int64($0)) }
        writer.append(entry.labels)
        writer.append(entry.features.values)
        writer.append(ContentHash.of(writer.data).value)
        return writer.data
    }

    /// Whether the file at `path` is a complete, undamaged entry (whatever its key).
    static func isIntact(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path) else { return false }
        var reader = ByteReader(data) { .invalidInput($0) }
        guard (try? reader.take(magic.count, "signature")) != nil, let keyLength = try? reader.u32("key length"),
            let keyBytes = try? reader.take(Int(keyLength), "key"), let key = String(data: keyBytes, encoding: .utf8)
        else { return false }
        return decode(data, key: key) != nil
    }

    /// The entry stored in `data` under `key`; nil if the bytes are damaged, truncated, or
    /// hold another key.
    static func decode(_ data: Data, key: String) -> Entry? {
        guard data.count >= magic.count + 28, Array(data.prefix(magic.count)) == magic else { return nil }
        var trailer = ByteReader(data.suffix(8)) { .invalidInput($0) }
        guard ContentHash.of(data.dropLast(8)).value == (try? trailer.u64("checksum")) else { return nil }
        var reader = ByteReader(data.dropLast(8)) { .invalidInput($0) }
        do {
            _ = try reader.take(magic.count, "signature")
            let keyLength = Int(try reader.u32("key length"))
            guard Array(try reader.take(keyLength, "key")) == Array(key.utf8) else { return nil }
            let rows = Int(try reader.u32("rows"))
            let columns = Int(try reader.u32("columns"))
            let samples = Int(try reader.i64("samples"))
            guard reader.remaining == rows * (8 + 4 + 4 * columns), samples >= 0 else { return nil }
            let hops = try (0..<rows).map { _ in Int(try reader.i64("hop")) }
            let labels = try reader.floats(rows, "labels")
            let values = try reader.floats(rows * columns, "features")
            return Entry(hops: hops, labels: labels, features: Matrix(rows: rows, columns: columns, values: values), samples: samples)
        } catch {
            return nil
        }
    }
}
