import Foundation

/// The `.wakeword` file: one file holding a model.
///
///     "WAKEWORD"  u32 format version  u32 header length
///     header: UTF-8 JSON object (name, threshold, layer, windowing, head layout, front end,
///             encoder identity, training summary)
///     payload: little-endian float32: head mean [D], scale [D], parameters [...], then
///              the screen's head likewise when there is one
///     u64 FNV-1a of everything before it
///
/// Written atomically; reading checks every length, field and the checksum, so a damaged,
/// truncated or foreign file is refused with a message instead of loading garbage.
public enum ModelFile {
    static let magic = Array("WAKEWORD".utf8)
    /// The newest format: 2 adds `smoothing_hops` (a reader that ignored it would score single
    /// hops against a threshold set for their mean); 3 adds `screen` and its weights after the
    /// head's. A model is written in the oldest format that holds it (1 without smoothing or
    /// screen), which earlier releases read alike.
    public static let formatVersion: UInt32 = 3
    /// The most hops a model may average its score over (5 s at the standard hop).
    public static let maximumSmoothingHops = 50

    struct Header: Codable {
        var format = "wakeword-model"
        var name: String
        var threshold: Float
        var layer: Int
        var windowing: Windowing
        var refractorySeconds: Double
        /// Absent in files from before smoothing, and when it is 1.
        var smoothingHops: Int?
        var head: HeadLayout
        var frontEnd: WakeWordModel.FrontEnd
        var encoder: EncoderIdentity
        var training: TrainingSummary
        /// Absent for a model as trained.
        var retuning: Retuning? = nil
        /// Absent for a model without a cascade.
        var screen: ScreenLayout? = nil
    }

    /// The cascade's first stage: its block, its threshold (a logit) and its head's layout.
    struct ScreenLayout: Codable {
        var layer: Int
        var thresholdLogit: Float
        var head: HeadLayout
    }

    struct HeadLayout: Codable {
        var kind: TriggerHead.Kind
        var inputs: Int
        var hidden: Int
        /// Float counts of mean, scale and parameters, in payload order.
        var payload: [String: Int]

        init(_ head: TriggerHead) {
            (kind, inputs, hidden) = (head.kind, head.inputs, head.hidden)
            payload = ["mean": head.mean.count, "scale": head.scale.count, "parameters": head.parameters.count]
        }

        /// Floats of the payload, once `check` passed.
        var floats: Int { 2 * inputs + TriggerHead.parameterCount(kind: kind, inputs: inputs, hidden: hidden) }

        /// A reason this layout cannot be a head of `inputs` inputs, or nil.
        func problem(inputs expected: Int) -> String? {
            let parameterCount = TriggerHead.parameterCount(kind: kind, inputs: inputs, hidden: hidden)
            if inputs != expected || hidden < 0 || hidden > 4096 { return "head of \(inputs) inputs, not \(expected)" }
            if payload != ["mean": inputs, "scale": inputs, "parameters": parameterCount] {
                return "head payload layout \(payload) does not match a \(kind) head of \(inputs) inputs"
            }
            return nil
        }

        /// The head from its floats (`floats` of them).
        func head(_ values: ArraySlice<Float>) -> TriggerHead {
            let (d, base) = (inputs, values.startIndex)
            return TriggerHead(
                kind: kind, inputs: d, hidden: hidden, mean: Array(values[base..<(base + d)]),
                scale: Array(values[(base + d)..<(base + 2 * d)]), parameters: Array(values[(base + 2 * d)...]))
        }
    }

    public static func encode(_ model: WakeWordModel) throws -> Data {
        let head = model.head
        let header = Header(
            name: model.name, threshold: model.threshold, layer: model.layer, windowing: model.windowing,
            refractorySeconds: model.refractory, smoothingHops: model.smoothing == 1 ? nil : model.smoothing,
            head: HeadLayout(head), frontEnd: model.frontEnd, encoder: model.encoder, training: model.training,
            retuning: model.retuning,
            screen: model.screen.map { ScreenLayout(layer: $0.layer, thresholdLogit: $0.threshold, head: HeadLayout($0.head)) })
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let json = try encoder.encode(header)
        var writer = ByteWriter()
        writer.append(bytes: magic)
        writer.append(UInt32(model.screen != nil ? 3 : model.smoothing > 1 ? 2 : 1))
        writer.append(UInt32(json.count))
        writer.append(bytes: json)
        for head in [head] + (model.screen.map { [$0.head] } ?? []) {
            for values in [head.mean, head.scale, head.parameters] { writer.append(values) }
        }
        writer.append(ContentHash.of(writer.data).value)
        return writer.data
    }

    /// Writes `model` to `path` atomically: an existing file is replaced only by a complete one.
    public static func write(_ model: WakeWordModel, to path: String) throws {
        try AtomicFile.write(try encode(model), to: path)
    }

    public static func read(path: String) throws -> WakeWordModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw WakeWordError.fileNotFound(path: path) }
        guard !isDirectory.boolValue else { throw WakeWordError.unreadable(path: path, reason: "it is a directory, not a model file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WakeWordError.unreadable(path: path, reason: "permission denied")
        }
        return try decode(data, path: path)
    }

    public static func decode(_ data: Data, path: String) throws -> WakeWordModel {
        func fail(_ reason: String) -> WakeWordError { .badModel(path: path, reason: reason) }
        var reader = ByteReader(data, failure: fail)
        guard data.count >= 16, Array(try reader.take(8, "signature")) == magic else {
            throw fail("it does not start with the WAKEWORD signature")
        }
        let version = try reader.u32("format version")
        guard (1...formatVersion).contains(version) else {
            throw fail("format version \(version) is not supported (expected 1 to \(formatVersion)): it was written by a newer wakeword")
        }
        let headerLength = Int(try reader.u32("header length"))
        guard 16 + headerLength + 8 <= data.count else { throw fail("the file is truncated (header of \(headerLength) bytes)") }
        var trailer = ByteReader(data.suffix(8), failure: fail)
        let stored = try trailer.u64("checksum")
        guard ContentHash.of(data.dropLast(8)).value == stored else { throw fail("checksum mismatch: the file is damaged or truncated") }

        let json = Data(try reader.take(headerLength, "header"))
        guard (try? JSONSerialization.jsonObject(with: json)) is [String: Any] else { throw fail("the header is not a JSON object") }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let header: Header
        do { header = try decoder.decode(Header.self, from: json) } catch { throw fail("header \(describe(error))") }
        guard header.format == "wakeword-model" else { throw fail("header format is \"\(header.format)\"") }
        if let problem = header.windowing.problem { throw fail("windowing: \(problem)") }
        let layout = header.head
        let width = header.encoder.dimensions.width
        let inputs = width * header.windowing.pools.count
        guard (1...header.encoder.dimensions.layers).contains(header.layer) else {
            throw fail("layer \(header.layer) is outside 1...\(header.encoder.dimensions.layers)")
        }
        if let problem = layout.problem(inputs: inputs) {
            throw fail("\(problem) (encoder width \(width), pools \(header.windowing.pools.count), layer \(header.layer))")
        }
        if let screen = header.screen {
            guard version >= 3 else { throw fail("screen needs format version 3, not \(version)") }
            guard (1..<header.layer).contains(screen.layer) else {
                throw fail("screen layer \(screen.layer) is not a block before the model's layer \(header.layer)")
            }
            if let problem = screen.head.problem(inputs: inputs) { throw fail("screen \(problem)") }
        }
        let floats = layout.floats + (header.screen?.head.floats ?? 0)
        guard reader.remaining - 8 == floats * 4 else {
            throw fail("expected \(floats * 4) bytes of weights, found \(reader.remaining - 8)")
        }
        let values = try reader.floats(floats, "weights")
        guard values.allSatisfy(\.isFinite), header.threshold.isFinite, (0...1).contains(header.threshold),
            header.refractorySeconds.isFinite, header.refractorySeconds >= 0, header.screen?.thresholdLogit.isFinite ?? true
        else {
            throw fail("it holds non-finite or out-of-range values")
        }
        let smoothing = header.smoothingHops ?? 1
        guard version >= 2 || header.smoothingHops == nil else { throw fail("smoothing_hops needs format version 2, not \(version)") }
        guard (1...ModelFile.maximumSmoothingHops).contains(smoothing) else {
            throw fail("smoothing_hops \(smoothing) is outside 1...\(ModelFile.maximumSmoothingHops)")
        }
        let head = layout.head(values[0..<layout.floats])
        let screen = header.screen.map {
            Screen(layer: $0.layer, head: $0.head.head(values[layout.floats...]), threshold: $0.thresholdLogit)
        }
        guard head.scale.allSatisfy({ $0 > 0 }), screen?.head.scale.allSatisfy({ $0 > 0 }) ?? true else {
            throw fail("the head's scale must be positive")
        }
        var model = WakeWordModel(
            name: header.name, threshold: header.threshold, layer: header.layer, windowing: header.windowing,
            refractory: header.refractorySeconds, smoothing: smoothing, head: head, screen: screen, encoder: header.encoder,
            frontEnd: header.frontEnd, training: header.training)
        model.retuning = header.retuning
        return model
    }

    private static func describe(_ error: Error) -> String {
        guard let error = error as? DecodingError else { return "is unreadable" }
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "lacks field \([path(context), key.stringValue].filter { !$0.isEmpty }.joined(separator: "."))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "field \(path(context)) has the wrong type"
        case .dataCorrupted(let context):
            return "field \(path(context)) is invalid"
        @unknown default:
            return "is unreadable"
        }
    }
}
