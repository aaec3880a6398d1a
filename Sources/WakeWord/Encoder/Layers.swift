import Foundation

// The building blocks of Whisper's encoder (openai/whisper model.py), each a function of
// row-major activations [rows, features]: one row per time step.

/// Layer normalisation over the feature axis (Ba et al. 2016), eps 1e-5 as in Whisper:
/// y = (x - mean) / sqrt(var + eps) · gamma + beta.
struct LayerNorm: Sendable {
    let gamma: [Float]
    let beta: [Float]
    static let epsilon: Float = 1e-5

    func callAsFunction(_ x: Matrix) -> Matrix {
        var y = x
        let width = x.columns
        y.values.withUnsafeMutableBufferPointer { out in
            for r in 0..<x.rows {
                let row = UnsafeMutableBufferPointer(rebasing: out[(r * width)..<((r + 1) * width)])
                var mean: Float = 0
                for v in row { mean += v }
                mean /= Float(width)
                var variance: Float = 0
                for v in row { variance += (v - mean) * (v - mean) }
                variance /= Float(width)
                let scale = 1 / (variance + LayerNorm.epsilon).squareRoot()
                for c in 0..<width { row[c] = (row[c] - mean) * scale * gamma[c] + beta[c] }
            }
        }
        return y
    }
}

/// y = x·Wᵀ + b with W stored [out, in], as CTranslate2 stores linear layers: the encoder's
/// projections and the trigger head's layers.
struct Linear: Sendable, Equatable {
    var weight: Matrix
    var bias: [Float]

    func callAsFunction(_ x: Matrix) -> Matrix {
        BLAS.linear(x, weight: weight, bias: bias)
    }

    /// Outputs `outputs` only: [x.rows, outputs.count].
    func callAsFunction(_ x: Matrix, outputs: Range<Int>) -> Matrix {
        BLAS.linear(x, weight: weight, bias: bias, outputs: outputs)
    }
}

/// Exact GELU (Hendrycks & Gimpel 2016), as torch's default: x · ½(1 + erf(x / √2)), in place
/// (erf to 4.5e-7, FastMath).
func gelu(_ x: inout Matrix) {
    x.values.withUnsafeMutableBufferPointer { values in
        for i in values.indices {
            let v = values[i]
            values[i] = 0.5 * v * (1 + FastMath.erf(v * 0.707_106_77))
        }
    }
}

/// A 1-D convolution over time with kernel 3 and padding 1 (Whisper's conv1, conv2),
/// computed as im2col then one matrix product. Weight [out, in, 3] is read as [out, in·3].
struct Conv1d: Sendable {
    let weight: Matrix
    let bias: [Float]
    let stride: Int
    static let kernel = 3

    /// Output steps for `steps` input steps: floor((steps + 2 - 3) / stride) + 1.
    func outputLength(_ steps: Int) -> Int {
        steps == 0 ? 0 : (steps - 1) / stride + 1
    }

    /// Convolves `input`, laid out [channels, steps] when `channelsFirst` (a mel
    /// spectrogram) or [steps, channels] otherwise (activations). Returns [outputLength, out].
    func callAsFunction(_ input: Matrix, channelsFirst: Bool) -> Matrix {
        let (steps, channels) = channelsFirst ? (input.columns, input.rows) : (input.rows, input.columns)
        let length = outputLength(steps)
        var columns = Matrix(rows: length, columns: channels * Conv1d.kernel)
        input.values.withUnsafeBufferPointer { x in
            columns.values.withUnsafeMutableBufferPointer { cols in
                for t in 0..<length {
                    let base = t * stride - 1
                    let row = t * channels * Conv1d.kernel
                    for k in 0..<Conv1d.kernel where base + k >= 0 && base + k < steps {
                        let step = base + k
                        for c in 0..<channels {
                            cols[row + c * Conv1d.kernel + k] = channelsFirst ? x[c * steps + step] : x[step * channels + c]
                        }
                    }
                }
            }
        }
        return BLAS.linear(columns, weight: weight, bias: bias)
    }
}
