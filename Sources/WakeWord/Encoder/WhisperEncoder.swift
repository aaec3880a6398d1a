import Foundation

/// Whisper's audio encoder (Radford et al. 2022; openai/whisper model.py `AudioEncoder`),
/// pretrained and frozen, read from a CTranslate2 model directory:
///   x = GELU(conv1(mel)); x = GELU(conv2(x)) (stride 2); x += positions[0..<steps]
///   x = block_i(x) for i in 1...L; x = LN(x)
/// Inputs shorter than 30 s use the first rows of the position table, as whisper.cpp's
/// `audio_ctx` does.
public struct WhisperEncoder: Sendable {
    public let dimensions: Dimensions
    /// Names this encoder's weights, for model files trained on top of it.
    public let identity: EncoderIdentity

    let conv1: Conv1d
    let conv2: Conv1d
    /// [contextLength, width] sinusoidal position table.
    let positions: Matrix
    let blocks: [EncoderBlock]
    let finalNorm: LayerNorm

    /// Sizes read from the weights: tiny is 80 mels, width 384, 6 heads, 4 layers.
    public struct Dimensions: Sendable, Equatable, Codable {
        public let melCount: Int
        public let width: Int
        public let heads: Int
        public let layers: Int
        /// Positions in the table: 1500 (30 s at 50 per second).
        public let contextLength: Int
    }

    /// The CTranslate2 spec this reads.
    public static let spec = "WhisperSpec"

    /// Loads `directory/model.bin`, checking every encoder tensor's name, shape and type.
    public init(directory: String) throws {
        let path = (directory as NSString).appendingPathComponent("model.bin")
        guard FileManager.default.fileExists(atPath: path) else { throw WakeWordError.encoderMissing(path: directory) }
        try self.init(model: try CTranslate2Model(path: path))
    }

    /// Builds the encoder from an indexed CTranslate2 model.
    public init(model: CTranslate2Model) throws {
        guard model.spec == WhisperEncoder.spec else {
            throw WakeWordError.badEncoder(path: model.path, reason: "its spec is \(model.spec), not \(WhisperEncoder.spec)")
        }
        var weights = EncoderWeights(model: model)
        let conv1Shape = try weights.shape("encoder/conv1/weight", rank: 3)
        let (width, melCount) = (conv1Shape[0], conv1Shape[1])
        let heads = try weights.scalar("encoder/num_heads")
        guard heads > 0, width % heads == 0 else {
            throw WakeWordError.badTensor(
                path: model.path, name: "encoder/num_heads", reason: "\(heads) heads do not divide width \(width)")
        }
        let contextLength = try weights.shape("encoder/position_encodings/encodings", rank: 2)[0]
        let layers = model.names.filter { $0.hasPrefix("encoder/layer_") && $0.hasSuffix("/ffn/linear_0/weight") }.count
        guard layers > 0 else { throw WakeWordError.badTensor(path: model.path, name: "encoder/layer_0", reason: "missing from the file") }
        dimensions = Dimensions(melCount: melCount, width: width, heads: heads, layers: layers, contextLength: contextLength)

        func norm(_ prefix: String) throws -> LayerNorm {
            LayerNorm(gamma: try weights.vector("\(prefix)/gamma", width), beta: try weights.vector("\(prefix)/beta", width))
        }
        func linear(_ prefix: String, out: Int, in inputs: Int) throws -> Linear {
            Linear(weight: try weights.matrix("\(prefix)/weight", [out, inputs]), bias: try weights.vector("\(prefix)/bias", out))
        }
        func conv(_ prefix: String, in inputs: Int, stride: Int) throws -> Conv1d {
            let weight = try weights.matrix("\(prefix)/weight", [width, inputs, Conv1d.kernel])
            return Conv1d(weight: weight, bias: try weights.vector("\(prefix)/bias", width), stride: stride)
        }
        conv1 = try conv("encoder/conv1", in: melCount, stride: 1)
        conv2 = try conv("encoder/conv2", in: width, stride: 2)
        positions = try weights.matrix("encoder/position_encodings/encodings", [contextLength, width])
        blocks = try (0..<layers).map { i in
            let prefix = "encoder/layer_\(i)"
            return EncoderBlock(
                attentionNorm: try norm("\(prefix)/self_attention/layer_norm"),
                qkv: try linear("\(prefix)/self_attention/linear_0", out: 3 * width, in: width),
                output: try linear("\(prefix)/self_attention/linear_1", out: width, in: width),
                feedForwardNorm: try norm("\(prefix)/ffn/layer_norm"),
                feedForwardIn: try linear("\(prefix)/ffn/linear_0", out: 4 * width, in: width),
                feedForwardOut: try linear("\(prefix)/ffn/linear_1", out: width, in: 4 * width),
                heads: heads)
        }
        finalNorm = try norm("encoder/layer_norm")
        try weights.checkAllUsed()
        identity = EncoderIdentity(spec: model.spec, dimensions: dimensions, contentHash: weights.contentHash.hex)
    }

    /// Positions produced for `frames` mel frames: floor((frames - 1) / 2) + 1.
    public static func positions(frames: Int) -> Int {
        frames == 0 ? 0 : (frames - 1) / 2 + 1
    }

    /// [positions, width] output of block `layer` (1...L) for a [melCount, frames] log-mel:
    /// `layer == L` is the encoder's output after its final LayerNorm, a smaller `layer` the
    /// residual stream after that block. `frames` may be at most 2 · contextLength.
    public func encode(_ mel: Matrix, layer: Int? = nil) -> Matrix {
        encode([mel], layer: layer)[0]
    }

    /// Encodes several log-mels of the same length at once (one matrix product per layer
    /// for all of them); the result for each equals `encode(_:layer:)` on it alone up to
    /// float rounding.
    public func encode(_ mels: [Matrix], layer: Int? = nil) -> [Matrix] {
        let layer = layer ?? dimensions.layers
        return encode(mels, layers: [layer])[layer]!
    }

    /// One pass through the deepest of `layers`, keeping the output of each listed block:
    /// `result[layer][window]` is [positions, width]. Several models tapping different layers
    /// share the pass.
    public func encode(_ mels: [Matrix], layers: Set<Int>) -> [Int: [Matrix]] {
        run(mels, layers: layers, memory: nil, keep: 0).outputs
    }

    /// Attention state a stream carries from one pass to the next: for each block run, the
    /// keys and values of the previous pass's last positions.
    public struct StreamMemory: Sendable {
        let blocks: [EncoderBlock.Memory]
    }

    /// One streaming pass over a single window: besides its own positions, every block
    /// attends to `memory` (the previous pass's last positions); returns the outputs of
    /// `layers` and the memory for the next pass (this pass's last `keep` positions).
    ///
    /// With `positions`, every output holds only those positions ([positions.count, width]),
    /// and the deepest block computes no others (`resume(_:through:positions:)`).
    public func encode(
        _ mel: Matrix, layers: Set<Int>, memory: StreamMemory?, keep: Int, positions: Range<Int>? = nil
    ) -> (outputs: [Int: Matrix], memory: StreamMemory?) {
        let result = run([mel], layers: layers, memory: memory, keep: keep, positions: positions)
        return (result.outputs.mapValues { $0[0] }, result.memory)
    }

    private func run(_ mels: [Matrix], layers: Set<Int>, memory: StreamMemory?, keep: Int, positions: Range<Int>? = nil) -> (
        outputs: [Int: [Matrix]], memory: StreamMemory?
    ) {
        precondition(
            !layers.isEmpty && layers.allSatisfy { (1...dimensions.layers).contains($0) },
            "layers \(layers.sorted()) outside 1...\(dimensions.layers)")
        var stream = begin(mels)
        var outputs: [Int: [Matrix]] = [:]
        var kept: [EncoderBlock.Memory] = []
        let deepest = layers.max()!
        for layer in 1...deepest {
            let queries = layer == deepest ? positions : nil
            if let next = advance(&stream, memory: memory?.blocks[layer - 1], keep: keep, queries: queries) { kept.append(next) }
            if layers.contains(layer) { outputs[layer] = self.outputs(stream, positions: positions) }
        }
        return (outputs, keep > 0 && stream.steps > 0 ? StreamMemory(blocks: kept) : nil)
    }

    /// The residual stream partway through the encoder, for a later pass to continue: the
    /// input to block `layer` + 1 (0: the front end's output, after the positions are added),
    /// `windows` windows of `steps` positions each stacked by rows; after a block that
    /// computed only some positions, those (`positions`), and no block can follow.
    public struct ResidualStream: Sendable {
        /// Blocks run so far (0...L).
        public fileprivate(set) var layer: Int
        public let windows: Int
        /// Positions per window.
        public let steps: Int
        /// The positions of each window the rows hold: 0..<steps until a block keeps fewer.
        public fileprivate(set) var positions: Range<Int>
        /// [windows · positions.count, width].
        fileprivate(set) var hidden: Matrix
    }

    /// The front end (conv1, GELU, conv2, GELU, + positions) over `mels` of one shape, then
    /// blocks 1...`layer` (none for 0). `resume` continues from it: running the cheap blocks
    /// always and the deep ones only on candidates gives the same outputs as one pass.
    public func begin(_ mels: [Matrix], through layer: Int = 0) -> ResidualStream {
        var stream = begin(mels)
        resume(&stream, through: layer)
        return stream
    }

    /// Continues `stream` through blocks `stream.layer` + 1 ... `layer`. With `positions`
    /// (of each window), block `layer` computes those positions only: every position is
    /// still a key and a value, so they are what the whole block gives there, up to float
    /// rounding, for about 60 % of its work when half the positions are kept. Nothing can
    /// follow such a block.
    public func resume(_ stream: ResidualStream, through layer: Int, positions: Range<Int>? = nil) -> ResidualStream {
        var stream = stream
        resume(&stream, through: layer, positions: positions)
        return stream
    }

    /// [positions.count, width] for each window: the residual stream after `stream.layer`
    /// blocks at `positions` (all it holds when nil), as `encode(_:layers:)` returns it
    /// (after the final LayerNorm when that is block L).
    public func outputs(_ stream: ResidualStream, positions: Range<Int>? = nil) -> [Matrix] {
        precondition(stream.layer >= 1, "no block has run")
        let wanted = positions ?? stream.positions
        precondition(
            wanted.lowerBound >= stream.positions.lowerBound && wanted.upperBound <= stream.positions.upperBound,
            "positions \(wanted) outside the \(stream.positions) the stream holds")
        let (held, offset) = (stream.positions.count, wanted.lowerBound - stream.positions.lowerBound)
        let x = stream.layer == dimensions.layers ? finalNorm(stream.hidden) : stream.hidden
        return (0..<stream.windows).map { x.rows((($0 * held) + offset)..<(($0 * held) + offset + wanted.count)) }
    }

    private func resume(_ stream: inout ResidualStream, through layer: Int, positions: Range<Int>? = nil) {
        precondition(layer >= stream.layer && layer <= dimensions.layers, "cannot go from block \(stream.layer) to block \(layer)")
        while stream.layer < layer { advance(&stream, memory: nil, keep: 0, queries: stream.layer + 1 == layer ? positions : nil) }
    }

    /// The front end: [windows · steps, width].
    private func begin(_ mels: [Matrix]) -> ResidualStream {
        let frames = mels.first?.columns ?? 0
        precondition(mels.allSatisfy { $0.rows == dimensions.melCount && $0.columns == frames }, "mels must share a shape")
        let steps = WhisperEncoder.positions(frames: frames)
        precondition(steps <= dimensions.contextLength, "input longer than the position table (30 s)")
        var x = Matrix(rows: mels.count * steps, columns: dimensions.width)
        for (w, mel) in mels.enumerated() where steps > 0 {
            var h = conv1(mel, channelsFirst: true)
            gelu(&h)
            h = conv2(h, channelsFirst: false)
            gelu(&h)
            let offset = w * steps * dimensions.width
            for i in 0..<(steps * dimensions.width) { x.values[offset + i] = h.values[i] + positions.values[i] }
        }
        return ResidualStream(layer: 0, windows: mels.count, steps: steps, positions: 0..<steps, hidden: x)
    }

    /// Runs the next block, at `queries` only when given; returns its memory for the next
    /// streaming pass (when `keep` > 0).
    @discardableResult
    private func advance(
        _ stream: inout ResidualStream, memory: EncoderBlock.Memory?, keep: Int, queries: Range<Int>? = nil
    ) -> EncoderBlock.Memory? {
        precondition(stream.positions == 0..<stream.steps, "no block follows one that kept only some positions")
        let block = blocks[stream.layer]
        stream.layer += 1
        guard stream.steps > 0 else { return nil }
        let memory = block(&stream.hidden, windows: stream.windows, memory: memory, keep: keep, queries: queries)
        if let queries { stream.positions = queries }
        return memory
    }
}

extension WhisperEncoder {
    /// Floating-point operations (multiply and add counted apart) of one pass over
    /// `positions` positions through `layer` blocks (all when nil):
    /// conv1 6·F·d·m + conv2 6·T·d² + per block (24·T·d² + 4·T²·d), with F = 2T mel frames.
    public func flops(positions t: Int, layer: Int? = nil) -> Double {
        let (T, d, m) = (Double(t), Double(dimensions.width), Double(dimensions.melCount))
        let blocks = Double(layer ?? dimensions.layers)
        return 6 * (2 * T) * d * m + 6 * T * d * d + blocks * (24 * T * d * d + 4 * T * T * d)
    }
}
