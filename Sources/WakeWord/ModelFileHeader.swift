import Foundation

extension ModelFile {
    /// The header of the model file at `path` as stored: a JSON object with snake_case keys
    /// (name, threshold, layer, windowing in samples, refractory_seconds, head, front_end,
    /// encoder, training, retuning when retuned). The whole file is checked first, as `read`
    /// checks it.
    public static func headerJSON(path: String) throws -> Data {
        _ = try read(path: path)
        let bytes = [UInt8](FileManager.default.contents(atPath: path) ?? Data())
        guard bytes.count >= 16 else { throw WakeWordError.badModel(path: path, reason: "the file changed while it was read") }
        let length = Int(UInt32(littleEndian: bytes[12..<16].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }))
        guard 16 + length <= bytes.count else { throw WakeWordError.badModel(path: path, reason: "the file changed while it was read") }
        return Data(bytes[16..<(16 + length)])
    }
}
