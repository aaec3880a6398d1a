/// What a trained model needs to know about the encoder beneath it: the spec, its sizes
/// and a fingerprint of the encoder tensors. Two encoders with equal identities produce
/// the same features.
public struct EncoderIdentity: Sendable, Equatable, Codable, CustomStringConvertible {
    public let spec: String
    public let dimensions: WhisperEncoder.Dimensions
    /// ContentHash over the encoder tensors' names, shapes and stored bytes.
    public let contentHash: String

    public var description: String {
        "\(spec) width \(dimensions.width), \(dimensions.layers) layers, \(dimensions.heads) heads, weights #\(contentHash)"
    }
}
