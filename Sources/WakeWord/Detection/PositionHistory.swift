/// The encoder outputs a stream keeps for pooling: per tapped layer, one row of `width`
/// values per encoder position (`Windowing.samplesPerPosition` = 320 samples), in time order.
/// Every argument and property is in stream samples: the rows cover [`start`, `end`),
/// row r covering the 320 samples from `start` + 320·r. One offset, `start`, and
/// `trim(before:)`, as mlx's KV cache keeps its offset and trims.
struct PositionHistory: Sendable {
    static let unit = Windowing.samplesPerPosition

    let width: Int
    /// Stream sample at the start of the first row kept.
    private(set) var start: Int
    /// Stream sample at the end of the last row kept.
    private(set) var end: Int
    /// Per layer: row-major [(end − start) / 320, width].
    private var rows: [Int: [Float]]

    /// The layers kept.
    var layers: Set<Int> { Set(rows.keys) }

    /// An empty history for `layers`, whose first row will start at stream sample `start`.
    init(layers: Set<Int>, width: Int, start: Int) {
        precondition(start % PositionHistory.unit == 0)
        (self.width, self.start, end) = (width, start, start)
        rows = Dictionary(uniqueKeysWithValues: layers.map { ($0, []) })
    }

    /// Appends encoder outputs whose row r covers the 320 samples from `from` + 320·r (all
    /// outputs [n, width] alike). `from` must be where the history ends.
    mutating func append(_ outputs: [Int: Matrix], from: Int) {
        precondition(from == end, "history ends at \(end); positions from \(from) do not follow it")
        let count = outputs.values.first?.rows ?? 0
        for layer in rows.keys {
            precondition(outputs[layer]!.rows == count && outputs[layer]!.columns == width, "outputs of unequal shapes")
            rows[layer]!.append(contentsOf: outputs[layer]!.values)
        }
        end = from + count * PositionHistory.unit
    }

    /// Drops the rows before stream sample `sample` (nothing if they are gone already).
    mutating func trim(before sample: Int) {
        guard sample > start else { return }
        precondition(sample <= end && sample % PositionHistory.unit == 0)
        for layer in rows.keys { rows[layer]!.removeFirst((sample - start) / PositionHistory.unit * width) }
        start = sample
    }

    /// [hops.count, width · pools.count] for `layer`: for each hop (a stream sample), the
    /// mean of the rows in each pool before it (samples [hop − pool, hop)), pools side by side.
    func pooled(layer: Int, hops: [Int], pools: [Int]) -> Matrix {
        let unit = PositionHistory.unit
        var out = Matrix(rows: hops.count, columns: width * pools.count)
        rows[layer]!.withUnsafeBufferPointer { rows in
            for (i, hop) in hops.enumerated() {
                precondition(hop <= end && hop - pools.max()! >= start, "hop \(hop) pools outside the history [\(start), \(end))")
                let last = (hop - start) / unit
                for (p, pool) in pools.enumerated() {
                    let count = pool / unit
                    let scale = 1 / Float(count)
                    for c in 0..<width {
                        var sum: Float = 0
                        for r in (last - count)..<last { sum += rows[r * width + c] }
                        out.values[i * out.columns + p * width + c] = sum * scale
                    }
                }
            }
        }
        return out
    }
}
