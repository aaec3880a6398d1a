/// A dense row-major Float matrix: element (r, c) is `values[r * columns + c]`.
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public var values: [Float]

    /// A matrix of `values` (row-major, count rows × columns).
    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(rows >= 0 && columns >= 0 && values.count == rows * columns, "shape does not match values")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// A zero matrix.
    public init(rows: Int, columns: Int) {
        self.init(rows: rows, columns: columns, values: [Float](repeating: 0, count: rows * columns))
    }

    public subscript(row: Int, column: Int) -> Float {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    /// Row `r` as a new array.
    public func row(_ r: Int) -> [Float] {
        Array(values[(r * columns)..<((r + 1) * columns)])
    }

    /// Rows `range` as a new matrix.
    public func rows(_ range: Range<Int>) -> Matrix {
        Matrix(rows: range.count, columns: columns, values: Array(values[(range.lowerBound * columns)..<(range.upperBound * columns)]))
    }

    /// The listed rows, in order, as a new matrix.
    func gather(_ rows: [Int]) -> Matrix {
        var out = Matrix(rows: rows.count, columns: columns)
        values.withUnsafeBufferPointer { source in
            out.values.withUnsafeMutableBufferPointer { target in
                for (i, r) in rows.enumerated() {
                    for c in 0..<columns { target[i * columns + c] = source[r * columns + c] }
                }
            }
        }
        return out
    }

    /// Columns `range` as a new matrix.
    public func columns(_ range: Range<Int>) -> Matrix {
        var out = Matrix(rows: rows, columns: range.count)
        for r in 0..<rows {
            for (i, c) in range.enumerated() { out.values[r * range.count + i] = values[r * columns + c] }
        }
        return out
    }

    /// This matrix with `other`'s rows after its own.
    public func appending(_ other: Matrix) -> Matrix {
        precondition(other.columns == columns)
        return Matrix(rows: rows + other.rows, columns: columns, values: values + other.values)
    }

    /// The transpose, [columns, rows].
    public var transposed: Matrix {
        var out = Matrix(rows: columns, columns: rows)
        for r in 0..<rows {
            for c in 0..<columns { out.values[c * rows + r] = values[r * columns + c] }
        }
        return out
    }
}
