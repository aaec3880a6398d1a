import Foundation

/// Head inputs computed by the encoder, kept on disk so that training again over the same
/// audio skips the encoder. An entry is keyed by text naming everything its values depend
/// on (audio content hash, encoder identity, tap layer, windowing, augmentation recipe).
/// Entries are written atomically and checksummed; a damaged or foreign entry is a miss
/// and is removed. The directory is safe to delete at any time and is trimmed, least
/// recently used first, to `limitBytes`.
///
///     "WWFEAT01"  u32 key length  key  u32 rows  u32 columns
///     i64 hops[rows]  f32 labels[rows]  f32 features[rows · columns]  u64 FNV-1a of all before
public struct FeatureCache: Sendable {
    public let directory: String
    public let limitBytes: Int
    private static let magic = Array("WWFEAT01".utf8)

    /// Rows of head inputs with the hop each was taken at and its label.
    public struct Entry: Sendable, Equatable {
        public var hops: [Int]
        public var labels: [Float]
        public var features: Matrix

        public init(hops: [Int], labels: [Float], features: Matrix) {
            precondition(hops.count == features.rows && labels.count == features.rows)
            (self.hops, self.labels, self.features) = (hops, labels, features)
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
        var data = Data(magic)
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        let keyBytes = Array(key.utf8)
        append(UInt32(keyBytes.count))
        data.append(contentsOf: keyBytes)
        append(UInt32(entry.features.rows))
        append(UInt32(entry.features.columns))
        entry.hops.forEach { append(Int64($0)) }
        entry.labels.forEach { append($0.bitPattern) }
        entry.features.values.forEach { append($0.bitPattern) }
        append(ContentHash.of(data).value)
        return data
    }

    /// Whether the file at `path` is a complete, undamaged entry (whatever its key).
    static func isIntact(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path), data.count >= 12 else { return false }
        let keyLength = Int(data[data.startIndex + 8]) | Int(data[data.startIndex + 9]) << 8 | Int(data[data.startIndex + 10]) << 16 | Int(data[data.startIndex + 11]) << 24
        guard 12 + keyLength <= data.count, let key = String(data: data[(data.startIndex + 12)..<(data.startIndex + 12 + keyLength)], encoding: .utf8) else { return false }
        return decode(data, key: key) != nil
    }

    static func decode(_ data: Data, key: String) -> Entry? {
        let bytes = [UInt8](data)
        func load<T: FixedWidthInteger>(_ offset: Int) -> T { bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) } }
        guard bytes.count >= 28, Array(bytes[0..<8]) == magic else { return nil }
        var hash = ContentHash()
        hash.update(bytes[0..<(bytes.count - 8)])
        guard hash.value == load(bytes.count - 8) as UInt64 else { return nil }
        let keyLength = Int(load(8) as UInt32)
        guard 12 + keyLength + 8 <= bytes.count, Array(bytes[12..<(12 + keyLength)]) == Array(key.utf8) else { return nil }
        var offset = 12 + keyLength
        let rows = Int(load(offset) as UInt32), columns = Int(load(offset + 4) as UInt32)
        offset += 8
        guard bytes.count - 8 - offset == rows * (8 + 4 + 4 * columns) else { return nil }
        let hops = (0..<rows).map { Int(load(offset + 8 * $0) as Int64) }
        offset += 8 * rows
        let labels = (0..<rows).map { Float(bitPattern: load(offset + 4 * $0)) }
        offset += 4 * rows
        let values = (0..<(rows * columns)).map { Float(bitPattern: load(offset + 4 * $0)) }
        return Entry(hops: hops, labels: labels, features: Matrix(rows: rows, columns: columns, values: values))
    }
}
