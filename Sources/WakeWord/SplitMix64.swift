/// SplitMix64 (Steele, Lea & Flood 2014): a small seeded generator, so every random choice
/// (augmentation, splits, initial weights) repeats exactly for a seed.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    /// A generator for one `purpose`, drawing apart from the main generator of the same
    /// seed: its seed is `seed` plus the purpose's ASCII letters read as one big-endian
    /// number (at most 8 letters; "noise" adds 0x6E6F_6973_65), wrapping around. Adding a
    /// purpose leaves every other purpose's numbers as they were.
    public init(seed: UInt64, purpose: String) {
        precondition(!purpose.isEmpty && purpose.utf8.count <= 8 && purpose.allSatisfy(\.isASCII), "a purpose is 1 to 8 ASCII letters")
        self.init(seed: seed &+ purpose.utf8.reduce(0) { $0 << 8 | UInt64($1) })
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
