import Foundation

/// What a `wakeword serve` offers every client: the models, the one encoder they share, the
/// detection settings, and how it describes itself in Wyoming's `info`.
public struct WyomingService: Sendable {
    /// Served models; their names are unique.
    public let models: [WakeWordModel]
    /// One encoder for all sessions: a value of immutable weights, read by many threads at once.
    public let encoder: WhisperEncoder
    /// Fire at this score (0...1) instead of each model's calibrated threshold.
    public let threshold: Float?
    /// Seconds after a detection in which the same model does not fire again (nil: the model's).
    public let refractory: Double?

    /// The program's name in `info`.
    public static let programName = "wakeword"
    static let attribution: [String: JSONValue] = [
        "name": .string("wakeword; encoder: OpenAI Whisper tiny.en (MIT)"), "url": .string("https://github.com/openai/whisper"),
    ]

    /// Fails if two models share a name (a client could not tell them apart) or one was
    /// trained on another encoder.
    public init(
        models: [WakeWordModel], encoder: WhisperEncoder, threshold: Float? = nil, refractory: Double? = nil,
        modelPaths: [String]? = nil
    ) throws {
        guard !models.isEmpty else { throw WakeWordError.invalidInput("serve needs at least one model") }
        for (i, model) in models.enumerated() {
            try model.check(against: encoder, path: modelPaths?[i] ?? model.name)
            if let j = models[..<i].firstIndex(where: { $0.name == model.name }) {
                let paths = modelPaths.map { " (\($0[j]) and \($0[i]))" } ?? ""
                throw WakeWordError.invalidInput("two models are named \(model.name)\(paths); train one with another --name")
            }
        }
        (self.models, self.encoder, self.threshold, self.refractory) = (models, encoder, threshold, refractory)
    }

    /// A fresh detector over the models named in `names` (all when nil or when none match).
    public func detector(names: [String]?) -> Detector {
        var chosen = models.filter { names?.contains($0.name) ?? true }
        if chosen.isEmpty { chosen = models }
        // Every model was checked against the encoder in init, so this cannot throw.
        return try! Detector(
            models: chosen, encoder: encoder, thresholds: threshold.map { t in chosen.map { _ in t } },
            refractory: refractory)
    }

    /// The answer to `describe`: one `wake` program listing the models, with the fields
    /// `wyoming.info.WakeProgram` and `WakeModel` require.
    public var info: WyomingEvent {
        let wakeModels: [JSONValue] = models.map { model in
            .object([
                "name": .string(model.name),
                "phrase": .string(model.name.replacingOccurrences(of: "_", with: " ").replacingOccurrences(of: "-", with: " ")),
                "languages": .array([.string("en")]),
                "attribution": .object(WyomingService.attribution),
                "installed": .bool(true),
                "description": .string(
                    String(
                        format: "fires at score %.3f, calibrated for %.2g false accepts per hour",
                        threshold ?? model.threshold, model.training.targetFAPerHour)),
                "version": .string(model.training.toolVersion),
            ])
        }
        let program: JSONValue = .object([
            "name": .string(WyomingService.programName),
            "description": .string("Custom wake words on the frozen Whisper tiny.en encoder"),
            "attribution": .object(WyomingService.attribution),
            "installed": .bool(true),
            "version": .string(WakeWordVersion.current),
            "models": .array(wakeModels),
        ])
        var data: [String: JSONValue] = ["wake": .array([program])]
        for other in ["asr", "tts", "handle", "intent", "mic", "snd"] { data[other] = .array([]) }
        return WyomingEvent(type: "info", data: data)
    }
}
