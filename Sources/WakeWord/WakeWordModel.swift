import Foundation

/// A trained wake-word detector: the head, its threshold, and everything needed to feed it
/// exactly what it was trained on (tap layer, windowing, front end, encoder identity).
public struct WakeWordModel: Sendable {
    /// Shown in detections, e.g. "alexa".
    public var name: String
    /// Scores at or above this fire a detection (σ of the head's logit, in [0, 1]).
    public var threshold: Float
    /// Encoder block whose output the head reads (1...L).
    public var layer: Int
    public var windowing: Windowing
    /// Seconds after a detection during which the same model does not fire again.
    public var refractory: Double
    /// Hops whose logits are averaged into the score compared with `threshold`
    /// (`ScoreSmoother`); 1: each hop's own score.
    public var smoothing: Int
    public var head: TriggerHead
    /// The cascade's first stage, or nil: the head runs on every hop.
    public var screen: Screen?
    public var encoder: EncoderIdentity
    public var frontEnd: FrontEnd
    public var training: TrainingSummary
    /// Set by `wakeword retune`: the threshold and name training gave, and what negative audio
    /// showed at the new threshold; nil for a model as trained.
    public var retuning: Retuning?

    /// The front end the features came from.
    public struct FrontEnd: Codable, Sendable, Equatable {
        public var recipe =
            "whisper log-mel: periodic Hann 400, hop 160, reflect pad 200, 80 Slaney mel 0-8000 Hz, log10 clamp max-8, (x+4)/4"
        public var sampleRate = AudioFormat.sampleRate
        public var melCount = 80
        public init() {}
    }

    public init(
        name: String, threshold: Float, layer: Int, windowing: Windowing, refractory: Double, smoothing: Int = 1,
        head: TriggerHead, screen: Screen? = nil, encoder: EncoderIdentity, frontEnd: FrontEnd = FrontEnd(),
        training: TrainingSummary
    ) {
        precondition(smoothing >= 1, "a model's score averages at least one hop")
        precondition(screen.map { $0.layer < layer } ?? true, "a screen reads a block before the model's own")
        self.screen = screen
        (self.name, self.threshold, self.layer, self.windowing, self.refractory) = (name, threshold, layer, windowing, refractory)
        self.smoothing = smoothing
        (self.head, self.encoder, self.frontEnd, self.training) = (head, encoder, frontEnd, training)
    }

    /// Why this model at `threshold` will miss most of its words, or nil: a threshold so close
    /// to 1 that the head's scores seldom reach it, or training's own estimate of its misses
    /// (which holds at the threshold training gave).
    public func firingProblem(threshold: Float? = nil) -> String? {
        let threshold = threshold ?? self.threshold
        if threshold >= 0.9999 {
            return String(format: "its threshold %.5f is so close to 1 that it will seldom fire", threshold)
        }
        if threshold == retuning?.trainedThreshold ?? self.threshold, training.expectedFRR > 0.5 {
            return String(
                format: "training expects it to miss %.0f%% of its words at threshold %.4f", 100 * training.expectedFRR, threshold)
        }
        return nil
    }

    /// Fails unless `encoder` is the one this model was trained on.
    public func check(against encoder: WhisperEncoder, path: String) throws {
        guard encoder.identity == self.encoder else {
            throw WakeWordError.encoderMismatch(path: path, model: self.encoder.description, loaded: encoder.identity.description)
        }
    }
}

/// What went into a model and what calibration expects of it.
public struct TrainingSummary: Codable, Sendable, Equatable {
    public var positiveClips = 0
    public var positiveClipsSkipped = 0
    public var copiesPerClip = 0
    public var negativeFiles = 0
    public var negativeSeconds = 0.0
    /// Seconds of negative audio the threshold was calibrated on (with the noisy streams).
    public var calibrationSeconds = 0.0
    public var trainingExamples = 0
    public var seed: UInt64 = 0
    /// Heads fitted from different seeds whose average is the model's head (its hidden units
    /// are theirs side by side); nil for one head, and in files from before averaging.
    public var averagedHeads: Int?
    /// Fraction of the held-out negative audio's encoder passes the screen opened (the share
    /// on which detection runs the blocks after the screen's); nil without a screen.
    public var screenOpenedPasses: Double?
    public var date = ""
    public var toolVersion = WakeWordVersion.current
    public var targetFAPerHour = 0.5
    /// False-accept rate per hour expected at the threshold (out-of-fold scores of the
    /// negative audio, extrapolated where it is too short to show the rate).
    public var expectedFAPerHour = 0.0
    /// False-reject rate expected at the threshold (cross-validated over the clips' copies
    /// without noise or at 10 dB SNR or more).
    public var expectedFRR = 0.0
    /// 90 % interval of `expectedFRR`, the held-out clips taken as the independent trials
    /// (Wilson); nil in files from before intervals.
    public var expectedFRRInterval: ConfidenceInterval?
    /// 90 % interval of the false accepts per hour counted at the threshold in the
    /// calibration audio (Poisson): where the rate is extrapolated it counts none or few, and
    /// the interval says how little the audio shows. Noisy copies count as hours heard; as
    /// they repeat their recordings' speech, the interval is on the narrow side. Nil in
    /// files from before intervals.
    public var expectedFAPerHourInterval: ConfidenceInterval?

    public init() {}

    /// Key names that survive the snake-case round trip of the model file's header.
    enum CodingKeys: String, CodingKey {
        case positiveClips, positiveClipsSkipped, copiesPerClip, negativeFiles, negativeSeconds, calibrationSeconds,
            trainingExamples, seed, averagedHeads, screenOpenedPasses, date, toolVersion
        case targetFAPerHour = "targetFaPerHour"
        case expectedFAPerHour = "expectedFaPerHour"
        case expectedFRR = "expectedFrr"
        case expectedFRRInterval = "expectedFrrInterval"
        case expectedFAPerHourInterval = "expectedFaPerHourInterval"
    }
}
