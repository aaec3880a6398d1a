import CBLAS

/// Thin wrapper over OpenBLAS's CBLAS `sgemm` (https://www.netlib.org/blas/): the only
/// place BLAS is called. All matrices are row-major.
public enum BLAS {
    /// C = A·B (or A·Bᵀ): [A.rows, B.columns] (or [A.rows, B.rows]).
    public static func multiply(_ a: Matrix, _ b: Matrix, transposeB: Bool = false) -> Matrix {
        let n = transposeB ? b.rows : b.columns
        var c = Matrix(rows: a.rows, columns: n)
        gemm(a.values, rows: a.rows, inner: a.columns, lda: a.columns, b.values, transposeB: transposeB,
             ldb: b.columns, into: &c.values, columns: n, ldc: n)
        return c
    }

    /// y = x·Wᵀ + bias, the layout of a linear layer with weight [out, in]: [x.rows, W.rows].
    public static func linear(_ x: Matrix, weight: Matrix, bias: [Float]) -> Matrix {
        precondition(x.columns == weight.columns && bias.count == weight.rows, "linear: shapes do not match")
        var y = Matrix(rows: x.rows, columns: weight.rows)
        for r in 0..<x.rows {
            y.values.withUnsafeMutableBufferPointer { out in
                bias.withUnsafeBufferPointer { out.baseAddress!.advanced(by: r * weight.rows).update(from: $0.baseAddress!, count: bias.count) }
            }
        }
        gemm(x.values, rows: x.rows, inner: x.columns, lda: x.columns, weight.values, transposeB: true,
             ldb: weight.columns, into: &y.values, columns: weight.rows, ldc: weight.rows, beta: 1)
        return y
    }

    /// C[offsetC...] = alpha·A[offsetA...]·op(B[offsetB...]) + beta·C, with leading dimensions,
    /// so that column blocks (attention heads) are addressed without copies.
    /// A is [rows, inner] with leading dimension lda; op(B) is [inner, columns].
    public static func gemm(_ a: [Float], offsetA: Int = 0, rows: Int, inner: Int, lda: Int,
                            _ b: [Float], offsetB: Int = 0, transposeB: Bool, ldb: Int,
                            into c: inout [Float], offsetC: Int = 0, columns: Int, ldc: Int,
                            alpha: Float = 1, beta: Float = 0) {
        guard rows > 0, columns > 0 else { return }
        precondition(offsetA + (rows - 1) * lda + inner <= a.count, "gemm: A out of bounds")
        precondition(offsetB + (transposeB ? (columns - 1) * ldb + inner : (inner - 1) * ldb + columns) <= b.count,
                     "gemm: B out of bounds")
        precondition(offsetC + (rows - 1) * ldc + columns <= c.count, "gemm: C out of bounds")
        guard inner > 0 else {
            for r in 0..<rows { for col in 0..<columns { c[offsetC + r * ldc + col] *= beta } }
            return
        }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                                Int32(rows), Int32(columns), Int32(inner), alpha,
                                pa.baseAddress! + offsetA, Int32(lda),
                                pb.baseAddress! + offsetB, Int32(ldb), beta,
                                pc.baseAddress! + offsetC, Int32(ldc))
                }
            }
        }
    }

    /// Threads OpenBLAS may use for one call; 1 makes every call single-threaded (the tool
    /// parallelises over windows instead).
    public static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }
}
