import Foundation

/// Little-endian cursor over bytes that reports truncation as an error naming what was
/// being read and where, instead of reading past the end.
struct ByteReader {
    let bytes: Data
    private(set) var offset = 0
    /// Names the file in errors.
    let path: String

    init(_ bytes: Data, path: String) {
        self.bytes = bytes
        self.path = path
    }

    var remaining: Int { bytes.count - offset }

    mutating func u8(_ what: String) throws -> UInt8 { UInt8(try integer(what, size: 1)) }
    mutating func u16(_ what: String) throws -> UInt16 { UInt16(try integer(what, size: 2)) }
    mutating func u32(_ what: String) throws -> UInt32 { UInt32(try integer(what, size: 4)) }

    /// A CTranslate2 string: u16 length including the terminating NUL, then the bytes.
    mutating func string(_ what: String) throws -> String {
        let length = Int(try u16("length of \(what)"))
        let raw = try take(length, what)
        guard length >= 1, raw.last == 0, let text = String(data: raw.dropLast(), encoding: .utf8) else {
            throw WakeWordError.badEncoder(path: path, reason: "\(what) at byte \(offset - length) is not a NUL-terminated UTF-8 string")
        }
        return text
    }

    /// The next `count` bytes, as a slice sharing the reader's storage (no copy: a memory-mapped
    /// file's pages are read only if the slice is used).
    mutating func take(_ count: Int, _ what: String) throws -> Data {
        guard count >= 0, count <= remaining else {
            throw WakeWordError.badEncoder(path: path, reason: "file is truncated: \(what) needs \(count) bytes at byte"
                + " \(offset) but only \(remaining) remain")
        }
        defer { offset += count }
        return bytes[(bytes.startIndex + offset)..<(bytes.startIndex + offset + count)]
    }

    private mutating func integer(_ what: String, size: Int) throws -> UInt64 {
        let raw = try take(size, what)
        return raw.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }
}
