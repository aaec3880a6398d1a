/// How `wakeword retune` moved a model's operating point (or its name) after training.
/// Training's expected rates (`TrainingSummary`) hold at `trainedThreshold`, not at the
/// model's threshold.
public struct Retuning: Codable, Sendable, Equatable {
    /// The threshold training calibrated, a score in [0, 1].
    public var trainedThreshold: Float
    /// The name training gave.
    public var trainedName: String
    /// When the model was last retuned (ISO 8601).
    public var date: String
    /// False accepts per hour the threshold was chosen for, when it was chosen by rate.
    public var targetFAPerHour: Double?
    /// What negative audio showed at the threshold, when some was given.
    public var measured: Measurement?

    /// False accepts of the model at its threshold on negative audio.
    public struct Measurement: Codable, Sendable, Equatable {
        public var negativeFiles: Int
        public var negativeSeconds: Double
        /// Events in the audio, as detection counts them.
        public var falseAccepts: Int
        /// Events per hour: observed, or extrapolated beyond the audio when `extrapolated`.
        public var faPerHour: Double
        public var extrapolated: Bool

        public init(negativeFiles: Int, negativeSeconds: Double, falseAccepts: Int, faPerHour: Double, extrapolated: Bool) {
            (self.negativeFiles, self.negativeSeconds, self.falseAccepts) = (negativeFiles, negativeSeconds, falseAccepts)
            (self.faPerHour, self.extrapolated) = (faPerHour, extrapolated)
        }
    }

    public init(trainedThreshold: Float, trainedName: String, date: String, targetFAPerHour: Double?, measured: Measurement?) {
        (self.trainedThreshold, self.trainedName, self.date) = (trainedThreshold, trainedName, date)
        (self.targetFAPerHour, self.measured) = (targetFAPerHour, measured)
    }

    /// Key names that survive the snake-case round trip of the model file's header.
    enum CodingKeys: String, CodingKey {
        case trainedThreshold, trainedName, date, measured
        case targetFAPerHour = "targetFaPerHour"
    }
}
