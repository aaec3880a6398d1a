import CBLAS

/// Thin wrapper over OpenBLAS's CBLAS `sgemm` (https://www.netlib.org/blas/): the only
/// place BLAS is called. All matrices are row-major; blocks of them (`MatrixBlock`) are
/// read and written in place, so attention heads need no copies.
public enum BLAS {
    /// C = A·B (or A·Bᵀ): [A.rows, B.columns] (or [A.rows, B.rows]).
    public static func multiply(_ a: Matrix, _ b: Matrix, transposeB: Bool = false) -> Matrix {
        var c = Matrix(rows: a.rows, columns: transposeB ? b.rows : b.columns)
        gemm(a.all, b.all, transposeB: transposeB, into: &c)
        return c
    }

    /// y = x·Wᵀ + bias, the layout of a linear layer with weight [out, in]: [x.rows, W.rows].
    public static func linear(_ x: Matrix, weight: Matrix, bias: [Float]) -> Matrix {
        linear(x, weight: weight, bias: bias, outputs: 0..<weight.rows)
    }

    /// Outputs `outputs` of that layer only (rows of W, entries of bias): [x.rows, outputs.count].
    public static func linear(_ x: Matrix, weight: Matrix, bias: [Float], outputs: Range<Int>) -> Matrix {
        precondition(
            x.columns == weight.columns && bias.count == weight.rows && outputs.lowerBound >= 0
                && outputs.upperBound <= weight.rows, "linear: shapes do not match")
        var y = Matrix(rows: x.rows, columns: outputs.count)
        for r in 0..<x.rows {
            y.values.withUnsafeMutableBufferPointer { out in
                bias.withUnsafeBufferPointer {
                    out.baseAddress!.advanced(by: r * outputs.count).update(
                        from: $0.baseAddress! + outputs.lowerBound, count: outputs.count)
                }
            }
        }
        gemm(x.all, weight[rows: outputs, columns: 0..<weight.columns], transposeB: true, into: &y, beta: 1)
        return y
    }

    /// C[rows, columns] = alpha·A·op(B) + beta·C[rows, columns], where A is [m, k], op(B) is
    /// B or Bᵀ, [k, n], and the block of C written is [m, n] (all of C when `rows` and
    /// `columns` are nil).
    public static func gemm(
        _ a: MatrixBlock, _ b: MatrixBlock, transposeB: Bool = false, into c: inout Matrix,
        rows: Range<Int>? = nil, columns: Range<Int>? = nil, alpha: Float = 1, beta: Float = 0
    ) {
        // C's block by index (a MatrixBlock of C would hold a second reference and make the write copy C).
        let (rows, columns) = (rows ?? 0..<c.rows, columns ?? 0..<c.columns)
        precondition(
            rows.lowerBound >= 0 && rows.upperBound <= c.rows && columns.lowerBound >= 0 && columns.upperBound <= c.columns,
            "gemm: block [\(rows), \(columns)] outside C [\(c.rows), \(c.columns)]")
        let (m, n, k) = (rows.count, columns.count, a.columns.count)
        precondition(
            a.rows.count == m && (transposeB ? b.rows.count == n && b.columns.count == k : b.rows.count == k && b.columns.count == n),
            "gemm: A [\(a.rows.count), \(k)], B [\(b.rows.count), \(b.columns.count)]\(transposeB ? "ᵀ" : "") and C [\(m), \(n)] do not fit"
        )
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            for r in rows { for col in columns { c[r, col] *= beta } }
            return
        }
        let (ldc, offsetC) = (c.columns, rows.lowerBound * c.columns + columns.lowerBound)
        a.matrix.values.withUnsafeBufferPointer { pa in
            b.matrix.values.withUnsafeBufferPointer { pb in
                c.values.withUnsafeMutableBufferPointer { pc in
                    cblas_sgemm(
                        CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha,
                        pa.baseAddress! + a.offset, Int32(a.matrix.columns),
                        pb.baseAddress! + b.offset, Int32(b.matrix.columns), beta,
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
