import Foundation

/// Float32 arrays in NumPy's `.npy` format, version 1.0, C order
/// (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
public enum NumpyFile {
    private static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// The bytes of a `.npy` file holding `values` with `shape`, dtype '<f4'.
    public static func encode(_ values: [Float], shape: [Int]) -> Data {
        precondition(shape.reduce(1, *) == values.count, "shape does not match values")
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }"
        // Pad with spaces so the data starts on a 64-byte boundary; the header ends in '\n'.
        let unpadded = magic.count + 2 + 2 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var writer = ByteWriter()
        writer.append(bytes: magic + [1, 0])
        writer.append(UInt16(header.utf8.count))
        writer.append(bytes: header.utf8)
        writer.append(values)
        return writer.data
    }

    /// Matrix convenience: shape [rows, columns].
    public static func encode(_ matrix: Matrix) -> Data {
        encode(matrix.values, shape: [matrix.rows, matrix.columns])
    }

    /// Reads a '<f4' C-order `.npy` file (versions 1 to 3).
    public static func read(path: String) throws -> (values: [Float], shape: [Int]) {
        guard let data = FileManager.default.contents(atPath: path) else { throw WakeWordError.fileNotFound(path: path) }
        func fail(_ reason: String) -> WakeWordError { .invalidInput("\(path): not a float32 .npy file: \(reason)") }
        var reader = ByteReader(data, failure: fail)
        guard data.count >= 10, Array(try reader.take(6, "magic")) == magic else { throw fail("bad magic") }
        let major = try reader.u8("major version")
        guard (1...3).contains(major) else { throw fail("bad magic") }
        _ = try reader.u8("minor version")
        let headerLength = major > 1 ? Int(try reader.u32("header length")) : Int(try reader.u16("header length"))
        guard headerLength <= reader.remaining,
            let header = String(data: try reader.take(headerLength, "header"), encoding: .utf8)
        else { throw fail("truncated header") }
        guard header.contains("'descr': '<f4'"), header.contains("'fortran_order': False"),
            let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")")
        else {
            throw fail("expected descr '<f4' in C order")
        }
        let shape = header[open.upperBound..<close].split(separator: ",").compactMap {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        let count = shape.reduce(1, *)
        guard reader.remaining == count * 4 else { throw fail("expected \(count) values, found \(reader.remaining / 4)") }
        return (try reader.floats(count, "values"), shape)
    }
}
