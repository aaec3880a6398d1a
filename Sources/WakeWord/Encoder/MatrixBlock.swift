/// Rows `rows` and columns `columns` of a matrix, read in place (no copy): what BLAS needs
/// to address one attention head, a column block, as whisper.cpp's reshape and permute
/// views do. Indices are the matrix's own; the block's element (0, 0) is
/// matrix[rows.lowerBound, columns.lowerBound], and its rows are `matrix.columns` apart.
public struct MatrixBlock: Sendable {
    public let matrix: Matrix
    public let rows: Range<Int>
    public let columns: Range<Int>

    public init(_ matrix: Matrix, rows: Range<Int>, columns: Range<Int>) {
        precondition(
            rows.lowerBound >= 0 && rows.upperBound <= matrix.rows && columns.lowerBound >= 0 && columns.upperBound <= matrix.columns,
            "block [\(rows), \(columns)] outside a [\(matrix.rows), \(matrix.columns)] matrix")
        (self.matrix, self.rows, self.columns) = (matrix, rows, columns)
    }

    /// Index of the block's first element in `matrix.values`.
    var offset: Int { rows.lowerBound * matrix.columns + columns.lowerBound }
}

extension Matrix {
    /// Rows `rows`, columns `columns` of this matrix, in place.
    public subscript(rows rows: Range<Int>, columns columns: Range<Int>) -> MatrixBlock {
        MatrixBlock(self, rows: rows, columns: columns)
    }

    /// The whole matrix as a block.
    public var all: MatrixBlock { MatrixBlock(self, rows: 0..<rows, columns: 0..<columns) }
}
