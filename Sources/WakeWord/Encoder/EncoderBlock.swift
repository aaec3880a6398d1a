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

    /// `x` holds `windows` windows of equal length stacked by rows; attention stays within
    /// each window.
    func callAsFunction(_ x: inout Matrix, windows: Int) {
        let attended = output(attention(qkv(attentionNorm(x)), windows: windows))
        add(attended, to: &x)
        var hidden = feedForwardIn(feedForwardNorm(x))
        gelu(&hidden)
        add(feedForwardOut(hidden), to: &x)
    }

    /// Scaled dot-product attention of each head, heads side by side: [rows, width].
    private func attention(_ qkv: Matrix, windows: Int) -> Matrix {
        let width = qkv.columns / 3
        let headWidth = width / heads
        let steps = qkv.rows / windows
        let scale = 1 / Float(headWidth).squareRoot()
        var result = Matrix(rows: qkv.rows, columns: width)
        var scores = [Float](repeating: 0, count: steps * steps)
        for window in 0..<windows {
            let firstRow = window * steps * qkv.columns
            for head in 0..<heads {
                let column = head * headWidth
                // scores = scale · Q_h · K_hᵀ   [steps, steps]
                BLAS.gemm(qkv.values, offsetA: firstRow + column, rows: steps, inner: headWidth, lda: qkv.columns,
                          qkv.values, offsetB: firstRow + width + column, transposeB: true, ldb: qkv.columns,
                          into: &scores, columns: steps, ldc: steps, alpha: scale)
                softmaxRows(&scores, columns: steps)
                // result_h = scores · V_h   [steps, headWidth]
                BLAS.gemm(scores, rows: steps, inner: steps, lda: steps,
                          qkv.values, offsetB: firstRow + 2 * width + column, transposeB: false, ldb: qkv.columns,
                          into: &result.values, offsetC: window * steps * width + column, columns: headWidth, ldc: width)
            }
        }
        return result
    }
}

/// Row-wise softmax in place, shifted by the row maximum for stability.
func softmaxRows(_ values: inout [Float], columns: Int) {
    values.withUnsafeMutableBufferPointer { all in
        for start in stride(from: 0, to: all.count, by: columns) {
            let row = UnsafeMutableBufferPointer(rebasing: all[start..<(start + columns)])
            var maximum = -Float.infinity
            for v in row { maximum = max(maximum, v) }
            var sum: Float = 0
            for i in row.indices {
                let e = exp(row[i] - maximum)
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
