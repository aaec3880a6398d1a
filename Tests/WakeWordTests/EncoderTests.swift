import Foundation
import Testing

@testable import WakeWord

@Suite("Encoder") struct EncoderTests {
    private func write(_ writer: CTranslate2Writer, in directory: String) throws -> String {
        try writer.data.write(to: URL(fileURLWithPath: "\(directory)/model.bin"))
        return "\(directory)/model.bin"
    }

    @Test("the reader decodes every dtype exactly, and aliases")
    func readsEveryDType() throws {
        var writer = CTranslate2Writer(spec: "TestSpec")
        let values: [Float] = [0, 1, -2, 3.5, -0.25, 100]
        for dtype in CTranslate2Model.DType.allCases {
            let exact = [.int8, .int16, .int32].contains(dtype) ? values.map { $0.rounded(.towardZero) } : values
            writer.add("v/\(dtype)", [2, 3], exact, as: dtype)
        }
        writer.aliases = [("alias", "v/float32")]
        let model = try CTranslate2Model(bytes: writer.data, path: "test.bin")
        #expect(model.spec == "TestSpec" && model.version == 6 && model.specRevision == 3)
        for dtype in CTranslate2Model.DType.allCases {
            let variable = try model.variable("v/\(dtype)")
            #expect(variable.dtype == dtype && variable.shape == [2, 3])
            let expected = [.int8, .int16, .int32].contains(dtype) ? values.map { $0.rounded(.towardZero) } : values
            #expect(CTranslate2Model.decode(variable) == expected)
        }
        #expect(try model.floats("alias", shape: [2, 3]) == values)
        #expect(throws: WakeWordError.badTensor(path: "test.bin", name: "v/float32", reason: "expected shape [3, 2], found [2, 3]")) {
            try model.floats("v/float32", shape: [3, 2])
        }
    }

    @Test("a truncated file is refused at every cut, naming what was cut")
    func truncated() throws {
        let data = CTranslate2Writer.tinyWhisper().data
        for cut in stride(from: 0, to: data.count, by: 97) {
            #expect(throws: WakeWordError.self) { try CTranslate2Model(bytes: data.prefix(cut), path: "cut.bin") }
        }
        do {
            _ = try CTranslate2Model(bytes: data.prefix(data.count - 10), path: "cut.bin")
            Issue.record("a truncated file was accepted")
        } catch {
            #expect("\(error)".contains("cut.bin") && "\(error)".contains("truncated"))
        }
    }

    @Test("the real model.bin cut at every 1 KB boundary of its first 64 KB is refused")
    func truncatedRealModel() throws {
        let handle = try #require(FileHandle(forReadingAtPath: "\(TestPaths.encoderDirectory)/model.bin"))
        let head = try handle.read(upToCount: 64 * 1024) ?? Data()
        try handle.close()
        #expect(head.count == 64 * 1024)
        for kilobytes in 0...64 {
            #expect(throws: WakeWordError.self) { try CTranslate2Model(bytes: head.prefix(kilobytes * 1024), path: "model.bin") }
        }
    }

    @Test("foreign and other-version files are refused")
    func foreign() throws {
        #expect(throws: WakeWordError.self) { try CTranslate2Model(bytes: Data("RIFF....WAVEfmt ".utf8), path: "x.bin") }
        var old = CTranslate2Writer.tinyWhisper()
        old.version = 4
        #expect(
            throws: WakeWordError.badEncoder(
                path: "x.bin", reason: "CTranslate2 format version 4 is not supported (expected 6); is this a CTranslate2 model.bin?")
        ) {
            try CTranslate2Model(bytes: old.data, path: "x.bin")
        }
        var other = CTranslate2Writer.tinyWhisper()
        other.spec = "TransformerSpec"
        let model = try CTranslate2Model(bytes: other.data, path: "x.bin")
        #expect(throws: WakeWordError.badEncoder(path: "x.bin", reason: "its spec is TransformerSpec, not WhisperSpec")) {
            try WhisperEncoder(model: model)
        }
    }

    @Test("encoder tensors are checked by name and shape at load")
    func tensorChecks() throws {
        let good = CTranslate2Writer.tinyWhisper()
        let encoder = try WhisperEncoder(model: try CTranslate2Model(bytes: good.data, path: "m.bin"))
        #expect(encoder.dimensions == .init(melCount: 4, width: 8, heads: 2, layers: 2, contextLength: 16))

        var wrongShape = good
        let index = wrongShape.entries.firstIndex { $0.name == "encoder/layer_1/ffn/linear_0/weight" }!
        wrongShape.entries[index].shape = [16, 8]
        wrongShape.entries[index].bytes.removeLast(wrongShape.entries[index].bytes.count / 2)
        #expect(
            throws: WakeWordError.badTensor(
                path: "m.bin", name: "encoder/layer_1/ffn/linear_0/weight",
                reason: "expected shape [32, 8], found [16, 8]")
        ) {
            try WhisperEncoder(model: try CTranslate2Model(bytes: wrongShape.data, path: "m.bin"))
        }

        var missing = good
        missing.entries.removeAll { $0.name == "encoder/layer_norm/beta" }
        #expect(throws: WakeWordError.badTensor(path: "m.bin", name: "encoder/layer_norm/beta", reason: "missing from the file")) {
            try WhisperEncoder(model: try CTranslate2Model(bytes: missing.data, path: "m.bin"))
        }

        var extra = good
        extra.add("encoder/layer_0/self_attention/rotary", [2], [1, 2])
        #expect(throws: WakeWordError.self) { try WhisperEncoder(model: try CTranslate2Model(bytes: extra.data, path: "m.bin")) }

        var quantized = good
        let q = quantized.entries.firstIndex { $0.name == "encoder/conv2/weight" }!
        quantized.entries[q].dtype = .int8
        quantized.entries[q].bytes.removeLast(quantized.entries[q].bytes.count / 2)
        #expect(throws: WakeWordError.self) { try WhisperEncoder(model: try CTranslate2Model(bytes: quantized.data, path: "m.bin")) }
    }

    @Test("the encoder runs any size, any input length, and batches equal singles")
    func shapesAndBatching() throws {
        let encoder = try WhisperEncoder(model: try CTranslate2Model(bytes: CTranslate2Writer.tinyWhisper().data, path: "m.bin"))
        var generator = SplitMix64(seed: 11)
        let mels = (0..<3).map { _ in Matrix(rows: 4, columns: 9, values: (0..<36).map { _ in Float.random(in: -1...1, using: &generator) })
        }
        let batch = encoder.encode(mels, layer: 2)
        for (mel, batched) in zip(mels, batch) {
            let single = encoder.encode(mel, layer: 2)
            #expect(single.rows == 5 && single.columns == 8)
            #expect(maxAbsDifference(single.values, batched.values) < 1e-5)
        }
        #expect(encoder.encode(Matrix(rows: 4, columns: 1), layer: 1).rows == 1)
        #expect(encoder.encode(Matrix(rows: 4, columns: 0), layer: 1).rows == 0)
    }

    /// Log-mels of two 1 s windows of the demo stream, at 0 s and 5 s.
    private static func streamWindows() throws -> [Matrix] {
        let audio = try Clip.load(TestPaths.sample("stream/stream.flac"))
        return [0, 5].map { LogMel()(Array(audio[($0 * 16_000)..<($0 * 16_000 + 16_000)])) }
    }

    @Test("stopping after a block and continuing later equals one pass straight through")
    func resumeEqualsStraightThrough() throws {
        let encoder = try SharedEncoder.load()
        let mels = try EncoderTests.streamWindows()
        let straight = encoder.encode(mels, layers: [1, 3, 4])
        let cheap = encoder.begin(mels, through: 1)
        #expect(cheap.layer == 1 && cheap.windows == 2 && cheap.steps == 50)
        #expect(encoder.outputs(cheap) == straight[1]!)
        let deeper = encoder.resume(cheap, through: 3)
        #expect(encoder.outputs(deeper) == straight[3]!)
        #expect(encoder.outputs(encoder.resume(deeper, through: 4)) == straight[4]!)
        #expect(encoder.outputs(encoder.resume(encoder.begin(mels), through: 4)) == straight[4]!)
    }

    @Test("a last block computing only the kept positions gives what the whole block gives there")
    func keptPositionsOnly() throws {
        let encoder = try SharedEncoder.load()
        let mels = try EncoderTests.streamWindows()
        let whole = encoder.encode(mels, layers: [1, 3, 4])
        let kept = 25..<50
        let cheap = encoder.begin(mels, through: 1)
        for deepest in [3, 4] {
            let partial = encoder.resume(encoder.resume(cheap, through: deepest - 1), through: deepest, positions: kept)
            #expect(partial.positions == kept && partial.steps == 50)
            for (w, rows) in encoder.outputs(partial).enumerated() {
                let reference = whole[deepest]![w].rows(kept)
                #expect(rows.rows == 25 && rows.columns == 384)
                #expect(maxAbsDifference(rows.values, reference.values) < 1e-4, "block \(deepest), window \(w)")
            }
            // One window, as a stream runs it: a tapped shallower block is cut to the same positions.
            let alone = encoder.encode([mels[1]], layers: [1, deepest])
            let single = encoder.encode(mels[1], layers: [1, deepest], memory: nil, keep: 0, positions: kept)
            #expect(single.outputs[1]!.rows == 25 && maxAbsDifference(single.outputs[1]!.values, alone[1]![0].rows(kept).values) == 0)
            #expect(maxAbsDifference(single.outputs[deepest]!.values, alone[deepest]![0].rows(kept).values) < 1e-4)
            let tail = encoder.outputs(partial, positions: 40..<50)[1]
            #expect(tail.rows == 10 && maxAbsDifference(tail.values, encoder.outputs(partial)[1].rows(15..<25).values) == 0)
        }
    }

    @Test("fast erf and exp stay within their documented error of libm")
    func fastMath() {
        var worstErf = 0.0
        var worstExp = 0.0
        for i in 0...400_000 {
            let x = Float(-6 + 12 * Double(i) / 400_000)
            worstErf = max(worstErf, abs(Double(FastMath.erf(x)) - Foundation.erf(Double(x))))
            let y = Float(-87 + 175 * Double(i) / 400_000)
            worstExp = max(worstExp, abs(Double(FastMath.exp(y)) / Foundation.exp(Double(y)) - 1))
        }
        #expect(worstErf < 5e-7)
        #expect(worstExp < 2e-7)
        #expect(FastMath.exp(-1_000) == 0 || FastMath.exp(-1_000) < 1e-37)
        #expect(FastMath.erf(100) == 1 && FastMath.erf(-100) == -1)
    }

    @Test("the real tiny.en encoder matches the numpy reference at layers 1, 2 and 4", arguments: ["18", "258", "7"])
    func matchesReference(clip: String) throws {
        let encoder = try SharedEncoder.load()
        #expect(encoder.dimensions == .init(melCount: 80, width: 384, heads: 6, layers: 4, contextLength: 1500))
        let path = ["18": "alexa/heldout/18.flac", "258": "alexa/heldout/258.flac", "7": "alexa/train/7.flac"][clip]!
        let mel = LogMel()(try Clip.load(TestPaths.sample(path)))
        for layer in [1, 2, 4] {
            let golden = try NumpyFile.read(path: TestPaths.golden("\(clip).layer\(layer).npy"))
            let output = encoder.encode(mel, layer: layer)
            #expect(golden.shape == [output.rows, output.columns])
            #expect(maxAbsDifference(output.values, golden.values) <= Tolerance.encoder, "layer \(layer)")
        }
    }
}

/// Agreement with the numpy reference (float64) required of the float32 Swift pipeline.
enum Tolerance {
    /// Log-mel values, max abs.
    static let logMel: Float = 1e-4
    /// Encoder outputs, max abs.
    static let encoder: Float = 1e-3
}
