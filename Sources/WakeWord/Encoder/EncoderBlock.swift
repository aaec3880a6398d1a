import Foundation

/// One pre-LayerNorm residual block of Whisper's encoder (openai/whisper model.py
/// `ResidualAttentionBlock` without cross-attention):
///   x = x + Wo · attention(LN₁(x))
///   x = x + W₂ · GELU(W₁ · LN₂(x))
/// with bidirectional multi-head self-attention, softmax(Q·Kᵀ / √d_head) · V per head.
struct EncoderBlock: Sendable {
    let attentionNorm: LayerNorm
    /// Fused query, key, value projection: weight [3·width, width].
    let qkv: Linear
    let output: Linear
    let feedForwardNorm: LayerNorm
    let feedForwardIn: Linear
    let feedForwardOut: Linear
    let heads: Int

    /// Keys and values of positions attended to besides the window's own: the end of the
    /// previous pass of a stream ([positions, width] each).
    struct Memory: Sendable {
        var keys: Matrix
        var values: Matrix
    }

    /// `x` holds `windows` windows of equal length stacked by rows; attention stays within
    /// each window, plus `memory` when given (one window only). Returns this block's keys and
    /// values of the window's last `keep` positions, the next pass's memory.
    ///
    /// With `queries`, only those rows of each window are computed (every row is still a key
    /// and a value) and `x` becomes [windows · queries.count, width]: the last block a stream
    /// reads needs no more than the positions it keeps, and skips the query, output and
    /// feed-forward work of the others.
    @discardableResult
    func callAsFunction(_ x: inout Matrix, windows: Int, memory: Memory? = nil, keep: Int = 0, queries: Range<Int>? = nil)
        -> Memory?
    {
        precondition(memory == nil || windows == 1, "attention memory serves a single stream")
        let width = x.columns
        let normed = attentionNorm(x)
        let (projected, keys, values): (Matrix, Matrix, Matrix)
        let steps = x.rows / windows
        precondition(
            queries.map { $0.lowerBound >= 0 && $0.upperBound <= steps } ?? true,
            "queries \(String(describing: queries)) outside \(steps) rows")
        // Every row a query (attention memory keeps whole windows): the whole block.
        if let queries, queries != 0..<steps {
            let kept = (0..<windows).flatMap { w in queries.map { w * steps + $0 } }
            let keysAndValues = qkv(normed, outputs: width..<(3 * width))
            (keys, values) = (keysAndValues.columns(0..<width), keysAndValues.columns(width..<(2 * width)))
            projected = qkv(normed.gather(kept), outputs: 0..<width)
            x = x.gather(kept)
        } else {
            projected = qkv(normed)
            (keys, values) = (projected.columns(width..<(2 * width)), projected.columns((2 * width)..<(3 * width)))
        }
        let allKeys = memory.map { $0.keys.appending(keys) } ?? keys
        let allValues = memory.map { $0.values.appending(values) } ?? values
        add(output(attention(projected, keys: allKeys, values: allValues, windows: windows)), to: &x)
        var hidden = feedForwardIn(feedForwardNorm(x))
        gelu(&hidden)
        add(feedForwardOut(hidden), to: &x)
        guard keep > 0 else { return nil }
        let start = max(0, allKeys.rows - keep)
        return Memory(keys: allKeys.rows(start..<allKeys.rows), values: allValues.rows(start..<allValues.rows))
    }

    /// Scaled dot-product attention of each head, heads side by side: [rows, width]. Queries
    /// are the first `width` columns of `qkv` (`windows` windows of equal length, stacked);
    /// each window's queries attend to its own rows of `keys` and `values`, which for a single
    /// window may start with extra (memory) rows.
    /// Head h is the column block h·headWidth ..< (h+1)·headWidth of each (whisper.cpp's
    /// reshape and permute, without copies).
    private func attention(_ qkv: Matrix, keys: Matrix, values: Matrix, windows: Int) -> Matrix {
        let width = keys.columns
        let headWidth = width / heads
        let steps = qkv.rows / windows
        let context = keys.rows / windows
        let scale = 1 / Float(headWidth).squareRoot()
        var result = Matrix(rows: qkv.rows, columns: width)
        var scores = Matrix(rows: steps, columns: context)
        for window in 0..<windows {
            let (queries, attended) = ((window * steps)..<((window + 1) * steps), (window * context)..<((window + 1) * context))
            for head in 0..<heads {
                let columns = (head * headWidth)..<((head + 1) * headWidth)
                // scores = scale · Q_h · K_hᵀ   [steps, context]
                BLAS.gemm(
                    qkv[rows: queries, columns: columns], keys[rows: attended, columns: columns], transposeB: true,
                    into: &scores, alpha: scale)
                softmaxRows(&scores)
                // result_h = scores · V_h   [steps, headWidth]
                BLAS.gemm(scores.all, values[rows: attended, columns: columns], into: &result, rows: queries, columns: columns)
            }
        }
        return result
    }
}

/// Row-wise softmax in place, shifted by the row maximum for stability (exp from FastMath).
func softmaxRows(_ x: inout Matrix) {
    let columns = x.columns
    guard columns > 0 else { return }
    x.values.withUnsafeMutableBufferPointer { all in
        for start in stride(from: 0, to: all.count, by: columns) {
            let row = UnsafeMutableBufferPointer(rebasing: all[start..<(start + columns)])
            var maximum = -Float.infinity
            for v in row { maximum = max(maximum, v) }
            var sum: Float = 0
            for i in row.indices {
                let e = FastMath.exp(row[i] - maximum)
                row[i] = e
                sum += e
            }
            let inverse = 1 / sum
            for i in row.indices { row[i] *= inverse }
        }
    }
}

/// x += y, elementwise.
func add(_ y: Matrix, to x: inout Matrix) {
    precondition(x.rows == y.rows && x.columns == y.columns)
    x.values.withUnsafeMutableBufferPointer { out in
        y.values.withUnsafeBufferPointer { add in
            for i in out.indices { out[i] += add[i] }
        }
    }
}
