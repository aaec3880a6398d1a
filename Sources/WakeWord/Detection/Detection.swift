/// One wake-word event.
public struct Detection: Sendable, Equatable, Codable {
    /// Seconds from the start of the input to the hop that fired (the end of the word, as
    /// the model was trained to fire just after it).
    public let time: Double
    public let model: String
    /// The model's score at that hop, in [0, 1].
    public let score: Float
}

/// One model's score at one hop, for plotting and threshold sweeps.
public struct HopScore: Sendable, Equatable {
    /// Stream sample at the end of the hop.
    public let sample: Int
    /// Index of the model in the detector.
    public let model: Int
    public let score: Float

    public var time: Double { AudioFormat.seconds(samples: sample) }
}
