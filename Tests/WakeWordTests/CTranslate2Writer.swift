import Foundation
import WakeWord

/// Writes CTranslate2 model.bin bytes (format version 6) for tests: the reader's inverse.
struct CTranslate2Writer {
    struct Entry {
        var name: String
        var shape: [Int]
        var dtype: CTranslate2Model.DType
        var bytes: [UInt8]
    }

    var spec = "WhisperSpec"
    var version: UInt32 = 6
    var entries: [Entry] = []
    var aliases: [(String, String)] = []

    /// Adds a tensor stored as `dtype` from Float values.
    mutating func add(_ name: String, _ shape: [Int], _ values: [Float], as dtype: CTranslate2Model.DType = .float16) {
        precondition(shape.reduce(1, *) == values.count)
        var bytes: [UInt8] = []
        func append<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        for v in values {
            switch dtype {
            case .float32: append(v.bitPattern)
            case .float16: append(Float16(v).bitPattern)
            case .bfloat16: append(UInt16(v.bitPattern >> 16))
            case .int8: append(Int8(v))
            case .int16: append(Int16(v))
            case .int32: append(Int32(v))
            }
        }
        entries.append(Entry(name: name, shape: shape, dtype: dtype, bytes: bytes))
    }

    var data: Data {
        var out = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func string(_ s: String) {
            let bytes = Array(s.utf8) + [0]
            withUnsafeBytes(of: UInt16(bytes.count).littleEndian) { out.append(contentsOf: $0) }
            out.append(contentsOf: bytes)
        }
        u32(version)
        string(spec)
        u32(3)
        u32(UInt32(entries.count))
        for e in entries {
            string(e.name)
            out.append(UInt8(e.shape.count))
            e.shape.forEach { u32(UInt32($0)) }
            out.append(e.dtype.rawValue)
            u32(UInt32(e.bytes.count))
            out.append(contentsOf: e.bytes)
        }
        u32(UInt32(aliases.count))
        for (alias, target) in aliases {
            string(alias)
            string(target)
        }
        return out
    }

    /// A complete Whisper-shaped encoder with small sizes and seeded weights.
    static func tinyWhisper(
        width: Int = 8, heads: Int = 2, layers: Int = 2, mels: Int = 4, context: Int = 16,
        seed: UInt64 = 7
    ) -> CTranslate2Writer {
        var writer = CTranslate2Writer()
        var generator = SplitMix64(seed: seed)
        func random(_ shape: [Int]) -> [Float] {
            (0..<shape.reduce(1, *)).map { _ in Float.random(in: -0.5...0.5, using: &generator) }
        }
        func add(_ name: String, _ shape: [Int]) { writer.add(name, shape, random(shape)) }
        add("encoder/conv1/weight", [width, mels, 3])
        add("encoder/conv1/bias", [width])
        add("encoder/conv2/weight", [width, width, 3])
        add("encoder/conv2/bias", [width])
        add("encoder/position_encodings/encodings", [context, width])
        writer.add("encoder/num_heads", [], [Float(heads)], as: .int16)
        for i in 0..<layers {
            let p = "encoder/layer_\(i)"
            add("\(p)/self_attention/layer_norm/gamma", [width])
            add("\(p)/self_attention/layer_norm/beta", [width])
            add("\(p)/self_attention/linear_0/weight", [3 * width, width])
            add("\(p)/self_attention/linear_0/bias", [3 * width])
            add("\(p)/self_attention/linear_1/weight", [width, width])
            add("\(p)/self_attention/linear_1/bias", [width])
            add("\(p)/ffn/layer_norm/gamma", [width])
            add("\(p)/ffn/layer_norm/beta", [width])
            add("\(p)/ffn/linear_0/weight", [4 * width, width])
            add("\(p)/ffn/linear_0/bias", [4 * width])
            add("\(p)/ffn/linear_1/weight", [width, 4 * width])
            add("\(p)/ffn/linear_1/bias", [width])
        }
        add("encoder/layer_norm/gamma", [width])
        add("encoder/layer_norm/beta", [width])
        add("decoder/embeddings/weight", [5, width])
        writer.aliases = [("decoder/projection/weight", "decoder/embeddings/weight")]
        return writer
    }
}
