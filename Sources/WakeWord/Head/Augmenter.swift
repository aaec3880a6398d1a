import Foundation

/// Builds training scenes from a clip: a stretch of audio starting like a stream, with the
/// word ending at a random point of the encoder-window grid (every phase occurs), after
/// speed perturbation through the resampler, gain and synthetic room reverb, surrounded by
/// negative speech and under noise at a random SNR. The scene then goes through the
/// detector's own `FeatureStream`, so training sees exactly what detection sees.
struct Augmenter: Sendable {
    let windowing: Windowing
    let sources: AugmentationSources

    /// Hops labelled positive: those ending 0.05 s before to 0.35 s after the word's end.
    static let positiveSpan = -800...5_600
    /// Hops ending more than 0.25 s (and less than 1.5 s) before the word's end are negative:
    /// the word is not complete. Hops in between or later are not trained on.
    static let negativeSpan = -24_000 ..< -4_000

    /// The kinds of training scene made from a clip.
    enum Kind {
        /// The word, labelled positive just after its end.
        case word
        /// Only the first 40 to 75 % of the word ("alex" is not "alexa").
        case truncated
        /// Other speech in the word's place: an utterance starting after silence is not the word.
        case replaced
    }

    /// Draws the recipe of copy `index` of a clip (copy 0 is the clean clip).
    func recipe(index: Int, kind: Kind, generator: inout SplitMix64) -> AugmentationRecipe {
        var recipe = AugmentationRecipe()
        // The word ends 0.1 s after the first scored hop or later, at any phase of the window
        // grid; mostly well into the stream (0 to 4 strides later), where detection spends
        // nearly all its time, rather than where its first pass still shapes the pools.
        let lead = Int.random(in: 0...4, using: &generator) * windowing.stride
        recipe.endInScene =
            windowing.firstHop + AudioFormat.sampleRate / 10 + lead + Int.random(in: 0..<windowing.stride, using: &generator)
        let needed = recipe.endInScene + Augmenter.positiveSpan.upperBound
        let passes = max(0, (needed - windowing.window + windowing.stride - 1) / windowing.stride)
        recipe.sceneLength = windowing.window + passes * windowing.stride
        if kind == .truncated { recipe.truncateAt = Double.random(in: 0.4...0.75, using: &generator) }
        if kind == .replaced, !sources.context.isEmpty {
            let source = Int.random(in: 0..<sources.context.count, using: &generator)
            recipe.replaceWord = .init(
                source: source, offset: Int.random(in: 0..<sources.context[source].samples.count, using: &generator), decibels: 0)
        }
        guard index > 0 else { return recipe }
        recipe.speed = Double.random(in: 0.9...1.1, using: &generator)
        recipe.gainDecibels = Double.random(in: -10...6, using: &generator)
        if Double.random(in: 0..<1, using: &generator) < 0.4 {
            recipe.reverbRT60 = Double.random(in: 0.2...0.8, using: &generator)
            recipe.reverbWet = Float.random(in: 0.2...0.6, using: &generator)
        }
        if !sources.noise.isEmpty, Double.random(in: 0..<1, using: &generator) < 0.85 {
            let source = Int.random(in: 0..<sources.noise.count, using: &generator)
            recipe.noise = .init(
                source: source, offset: Int.random(in: 0..<sources.noise[source].samples.count, using: &generator),
                decibels: Double.random(in: 0...20, using: &generator))
        }
        if !sources.context.isEmpty, Double.random(in: 0..<1, using: &generator) < 0.5 {
            let source = Int.random(in: 0..<sources.context.count, using: &generator)
            recipe.context = .init(
                source: source, offset: Int.random(in: 0..<sources.context[source].samples.count, using: &generator),
                decibels: Double.random(in: -25 ... -5, using: &generator))
        }
        return recipe
    }

    /// The scene's samples for `clip`, whose speech spans `bounds`.
    func render(_ clip: [Float], bounds: (start: Int, end: Int), recipe: AugmentationRecipe) -> [Float] {
        var x = clip
        var (start, end) = bounds
        if let keep = recipe.truncateAt {
            end = start + Int(keep * Double(end - start))
            x = Array(x[0..<end])
            let fade = min(160, x.count)
            for i in 0..<fade { x[x.count - fade + i] *= Float(fade - i) / Float(fade) }
        }
        if let replacement = recipe.replaceWord {
            let source = sources.context[replacement.source]
            let scale = Float((Endpointer.power(x, start..<end) / source.power).squareRoot())
            for i in start..<end { x[i] = scale * source.samples[(replacement.offset + i - start) % source.samples.count] }
        }
        if recipe.speed != 1 {
            x = Resampler.resample(x, from: Double(AudioFormat.sampleRate) * recipe.speed, to: Double(AudioFormat.sampleRate))
            (start, end) = (Int(Double(start) / recipe.speed), min(x.count, Int(Double(end) / recipe.speed)))
        }
        if let rt60 = recipe.reverbRT60 { x = Reverb(rt60: rt60, wet: recipe.reverbWet).apply(x) }
        let gain = Float(pow(10, recipe.gainDecibels / 20))
        x = x.map { $0 * gain }
        let speechPower = max(Endpointer.power(x, start..<max(start, end)), 1e-10)

        let length = recipe.sceneLength
        var scene = [Float](repeating: 0, count: length)
        let offset = recipe.endInScene - end
        for i in max(0, -offset)..<max(max(0, -offset), min(x.count, length - offset)) { scene[offset + i] = x[i] }
        if let context = recipe.context {
            let source = sources.context[context.source]
            let scale = Float((speechPower * pow(10, context.decibels / 10) / source.power).squareRoot())
            for i in 0..<length where i < offset || i >= offset + x.count {
                scene[i] += scale * source.samples[(context.offset + i) % source.samples.count]
            }
        }
        if let noise = recipe.noise {
            sources.noise[noise.source].mix(
                into: &scene, offset: noise.offset, snrDB: noise.decibels, signalPower: speechPower,
                noisePower: .mixedSegment)
        }
        return scene
    }

    /// The training label of a hop ending `sinceEnd` samples after the word's end: 1, 0, or
    /// nil for hops not trained on. In negative scenes every hop around the word is 0.
    static func label(sinceEnd: Int, negative: Bool) -> Float? {
        if negative { return negativeSpan.lowerBound <= sinceEnd && sinceEnd <= positiveSpan.upperBound ? 0 : nil }
        if positiveSpan.contains(sinceEnd) { return 1 }
        return negativeSpan.contains(sinceEnd) ? 0 : nil
    }
}
