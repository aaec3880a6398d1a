/// Everything drawn for one augmented copy of a clip, so the copy can be rebuilt exactly
/// and named in a cache key.
struct AugmentationRecipe: Hashable, Codable, Sendable {
    /// A slice of a source at a level: `decibels` is the SNR (noise) or the level relative
    /// to the clip's speech (context).
    struct Segment: Hashable, Codable, Sendable {
        var source: Int
        var offset: Int
        var decibels: Double
    }

    /// Playback rate factor: 1.1 is 10 % faster (shorter, higher).
    var speed = 1.0
    var gainDecibels = 0.0
    var reverbRT60: Double?
    var reverbWet: Float = 0
    var noise: Segment?
    var context: Segment?
    /// Samples of the scene: a stream start, long enough for the hops after the word.
    var sceneLength = 0
    /// Where the (possibly truncated) word ends in the scene, in samples.
    var endInScene = 0
    /// For confusable negatives: the fraction of the spoken word kept.
    var truncateAt: Double?
    /// For matched negatives: other speech put in the word's place (at the word's level),
    /// the clip's own room tone kept around it.
    var replaceWord: Segment?

    /// Whether every hop of the scene is a negative.
    var isNegative: Bool { truncateAt != nil || replaceWord != nil }

    /// The cache-key text of this recipe.
    var key: String { String(describing: self) }
}
