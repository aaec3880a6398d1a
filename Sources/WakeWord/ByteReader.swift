import Foundation

/// Little-endian cursor over bytes that reports truncation as an error naming what was
/// being read and where, instead of reading past the end. With `ByteWriter`, the one
/// little-endian codec of the binary formats (CTranslate2 model.bin, model files, the
/// feature cache, .npy, WAV). `offset` counts bytes from the start of `bytes`.
struct ByteReader {
    let bytes: Data
    private(set) var offset = 0
    /// The error for a reason: names the file, and says what to do.
    let failure: (String) -> WakeWordError

    /// A reader whose errors are `failure(reason)`.
    init(_ bytes: Data, failure: @escaping (String) -> WakeWordError) {
        self.bytes = bytes
        self.failure = failure
    }

    /// A reader of an encoder file: errors are `.badEncoder` naming `path`.
    init(_ bytes: Data, path: String) {
        self.init(bytes) { WakeWordError.badEncoder(path: path, reason: $0) }
    }

    var remaining: Int { bytes.count - offset }

    mutating func u8(_ what: String) throws -> UInt8 { try integer(what) }
    mutating func u16(_ what: String) throws -> UInt16 { try integer(what) }
    mutating func u32(_ what: String) throws -> UInt32 { try integer(what) }
    mutating func u64(_ what: String) throws -> UInt64 { try integer(what) }
    mutating func i64(_ what: String) throws -> Int64 { try integer(what) }

    /// `count` float32 values (IEEE bit patterns).
    mutating func floats(_ count: Int, _ what: String) throws -> [Float] {
        let (size, overflow) = count.multipliedReportingOverflow(by: 4)
        let raw = try take(overflow ? -1 : size, what)
        return raw.withUnsafeBytes { buffer in
            (0..<count).map { Float(bitPattern: UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }

    /// A CTranslate2 string: u16 length including the terminating NUL, then the bytes.
    mutating func string(_ what: String) throws -> String {
        let length = Int(try u16("length of \(what)"))
        let raw = try take(length, what)
        guard length >= 1, raw.last == 0, let text = String(data: raw.dropLast(), encoding: .utf8) else {
            throw failure("\(what) at byte \(offset - length) is not a NUL-terminated UTF-8 string")
        }
        return text
    }

    /// The next `count` bytes, as a slice sharing the reader's storage (no copy: a memory-mapped
    /// file's pages are read only if the slice is used).
    mutating func take(_ count: Int, _ what: String) throws -> Data {
        guard count >= 0, count <= remaining else {
            throw failure("file is truncated: \(what) needs \(count) bytes at byte \(offset) but only \(remaining) remain")
        }
        defer { offset += count }
        return bytes[(bytes.startIndex + offset)..<(bytes.startIndex + offset + count)]
    }

    private mutating func integer<T: FixedWidthInteger>(_ what: String) throws -> T {
        let raw = try take(MemoryLayout<T>.size, what)
        return raw.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(as: T.self)) }
    }
}

/// Little-endian bytes appended in order: the writing half of `ByteReader`'s codec.
struct ByteWriter {
    private(set) var data = Data()

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }

    /// Float32 values as their IEEE bit patterns.
    mutating func append(_ values: [Float]) {
        #if _endian(little)
            values.withUnsafeBytes { data.append(contentsOf: $0) }
        #else
            for value in values { append(value.bitPattern) }
        #endif
    }

    /// Bytes as they are (signatures, UTF-8 text, blobs).
    mutating func append(bytes: some Sequence<UInt8>) {
        data.append(contentsOf: bytes)
    }
}
