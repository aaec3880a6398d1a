import Foundation

/// 64-bit FNV-1a (http://www.isthe.com/chongo/tech/comp/fnv/): a content fingerprint for
/// encoder identity, cache keys and model-file integrity. Not a cryptographic hash: it
/// detects accidents (a different encoder, a damaged file), not adversaries. Any single
/// changed byte changes the result.
public struct ContentHash: Sendable {
    private static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    private static let prime: UInt64 = 0x0000_0100_0000_01b3

    public private(set) var value: UInt64 = ContentHash.offsetBasis

    public init() {}

    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        var hash = value
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* ContentHash.prime }
        value = hash
    }

    public mutating func update(_ data: Data) {
        data.withUnsafeBytes { update($0) }
    }

    /// Hashes the UTF-8 bytes and a terminator, so that ("ab", "c") differs from ("a", "bc").
    public mutating func update(_ text: String) {
        update(Array(text.utf8))
        update([0])
    }

    /// Hashes the little-endian bit patterns of `values`.
    public mutating func update(_ values: [Float]) {
        values.withUnsafeBytes { update($0) }
    }

    /// 16 lowercase hex digits.
    public var hex: String { String(format: "%016llx", value) }

    /// The hash of one blob.
    public static func of(_ data: Data) -> ContentHash {
        var hash = ContentHash()
        hash.update(data)
        return hash
    }
}
