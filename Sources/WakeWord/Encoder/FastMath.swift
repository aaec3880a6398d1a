/// Elementwise functions for the encoder's hot loops (GELU and softmax), written as plain
/// loops of arithmetic without calls or checked conversions, so the compiler vectorises
/// them instead of calling libm once per element.
enum FastMath {
    /// erf(x) ≈ x·P(x²)/Q(x²) with x clamped to [−4, 4], beyond which erf is ±1 in Float:
    /// the rational minimax form used by XLA and Eigen (`generic_fast_erf_float`). Max
    /// absolute error 4.5e-7 (checked against Foundation's erf in the tests).
    @inline(__always)
    static func erf(_ input: Float) -> Float {
        let x = min(max(input, -4), 4)
        let x2 = x * x
        var p: Float = -2.72614225801306e-10
        p = p * x2 + 2.77068142495902e-08
        p = p * x2 - 2.10102402082508e-06
        p = p * x2 - 5.69250639462346e-05
        p = p * x2 - 7.34990630326855e-04
        p = p * x2 - 2.95459980854025e-03
        p = p * x2 - 1.60960333262415e-02
        var q: Float = -1.45660718464996e-05
        q = q * x2 - 2.13374055278905e-04
        q = q * x2 - 1.68282697438203e-03
        q = q * x2 - 7.37332916720468e-03
        q = q * x2 - 1.42647390514189e-02
        return x * p / q
    }

    /// e^x as Cephes' expf does (Moshier, Cephes Math Library): x = n·ln 2 + r with |r| ≤ ln 2 / 2
    /// (ln 2 split in two parts for exactness), e^r = 1 + r + r²·P(r) with P of degree 5,
    /// and 2^n written into the exponent bits. n is rounded by adding 1.5·2²³, which leaves it
    /// in the low mantissa bits, so no float-to-integer conversion is needed. Max relative
    /// error 1e-7 for x in [−87, 88].
    @inline(__always)
    static func exp(_ input: Float) -> Float {
        let magic: Float = 12_582_912
        let x = min(max(input, -87.3), 88.7)
        let shifted = x * 1.442_695_04 + magic
        let n = shifted - magic
        let r = (x - n * 0.693_359_375) - n * -2.121_944_4e-4
        var p: Float = 1.987_569_15e-4
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 0.166_666_655
        p = p * r + 0.500_000_01
        let scale = Float(bitPattern: (shifted.bitPattern &- magic.bitPattern &+ 127) &<< 23)
        return (p * r * r + r + 1) * scale
    }
}
