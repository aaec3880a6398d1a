import Foundation

/// A usable recording of the wake word.
struct PositiveClip: Sendable {
    let path: String
    let samples: [Float]
    /// Speech start and end, in samples (Endpointer).
    let bounds: (start: Int, end: Int)
    let hash: String

    /// The clip at `path`, or the reason it cannot be trained on.
    static func load(_ path: String, warn: (String) -> Void) -> Result<PositiveClip, WakeWordError> {
        let samples: [Float]
        do {
            let loaded = try AudioReader.load(path: path)
            loaded.warnings.forEach(warn)
            samples = loaded.samples
        } catch let error as WakeWordError {
            return .failure(error)
        } catch {
            return .failure(.badAudio(path: path, reason: "\(error)"))
        }
        func unusable(_ reason: String) -> Result<PositiveClip, WakeWordError> { .failure(.badAudio(path: path, reason: reason)) }
        guard !samples.isEmpty else { return unusable("it contains no audio samples") }
        guard samples.count >= AudioFormat.sampleRate / 4 else { return unusable("shorter than 0.25 s") }
        guard let bounds = Endpointer.bounds(samples), bounds.end - bounds.start >= AudioFormat.sampleRate / 10 else {
            return unusable("no speech found")
        }
        guard bounds.end <= samples.count - 2 * Endpointer.frame else {
            return unusable("the recording stops while the word is still being spoken")
        }
        guard bounds.end - bounds.start <= 2 * AudioFormat.sampleRate else {
            return unusable(
                String(
                    format: "%.1f s of speech is longer than a wake word (at most 2 s)",
                    AudioFormat.seconds(samples: bounds.end - bounds.start)))
        }
        var hash = ContentHash()
        hash.update(samples)
        return .success(PositiveClip(path: path, samples: samples, bounds: bounds, hash: hash.hex))
    }
}
