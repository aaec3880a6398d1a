import Foundation

/// The negative audio of `Trainer`'s stage 2: recordings grouped into streams, some streams
/// under noise, short audio heard again with noise, each stream through the encoder once.
extension Trainer {
    /// The negative streams encoded (noisy copies after all the originals), and the
    /// recordings that could not be.
    struct NegativeAudio {
        let recordings: [NegativeRecording]
        let skipped: [SkippedFile]
    }

    /// A negative stream to encode: its recordings, the noise under it (nil: clean), which
    /// stream it is (a noisy copy has its original's index, and so its fold), and whether it
    /// is a copy.
    private struct StreamJob: Sendable {
        let paths: [String]
        let noise: TrainingFeatures.Noise?
        let stream: Int
        let isCopy: Bool
    }

    /// Negative audio as the detector hears it: the recordings, in order, grouped into
    /// streams of at least `negativeStream` samples (short recordings, like single lines of
    /// dialogue, are not each the start of a stream), each streamed through the encoder;
    /// `noisyNegatives` of the streams get noise at 0 to 20 dB SNR, as positive scenes do.
    /// When all of it is shorter than `noisyCopiesBelow` and there is noise, every stream
    /// encoded is heard `noisyCopies` more times under noise drawn afresh. Recordings that cannot be opened
    /// are skipped with a warning.
    func extractNegatives(
        _ files: [String], noise: [AugmentationSources.Source], features: TrainingFeatures,
        progress: @escaping @Sendable (TrainingProgress) -> Void,
        warn: @Sendable (String) -> Void, isCancelled: @escaping @Sendable () -> Bool
    ) throws -> NegativeAudio {
        var groups: [[String]] = [[]]
        var skipped: [SkippedFile] = []
        var length = 0.0
        for path in files {
            do {
                let duration = try AudioReader(path: path).declaredDuration ?? 60
                if length >= AudioFormat.seconds(samples: options.negativeStream) {
                    groups.append([])
                    length = 0
                }
                groups[groups.count - 1].append(path)
                length += duration
            } catch {
                let reason = Trainer.skipReason(error, path: path)
                skipped.append(SkippedFile(file: path, reason: reason))
                warn("skipping \(reason)")
            }
        }
        let streams = groups.filter { !$0.isEmpty }
        // Which streams are noisy, and how: drawn in order from the seed, so reruns agree.
        var generator = SplitMix64(seed: options.seed, purpose: "noise")
        let jobs = streams.enumerated().map { index, paths in
            StreamJob(paths: paths, noise: drawNoise(noise, &generator, fraction: options.noisyNegatives), stream: index, isCopy: false)
        }
        let originals = try encode(jobs, features: features, total: jobs.count, progress: progress, warn: warn, isCancelled: isCancelled)
        let seconds = AudioFormat.seconds(samples: originals.recordings.reduce(0) { $0 + $1.entry.samples })
        guard !noise.isEmpty, options.noisyCopies > 0, seconds < options.noisyCopiesBelow else {
            return NegativeAudio(recordings: originals.recordings, skipped: skipped + originals.skipped)
        }
        // The copies' noise from a generator of their own, so the originals' draws stay.
        var copyGenerator = SplitMix64(seed: options.seed, purpose: "copies")
        let copyJobs = (0..<options.noisyCopies).flatMap { _ in
            originals.recordings.map { original in
                StreamJob(paths: original.paths, noise: drawNoise(noise, &copyGenerator), stream: original.stream, isCopy: true)
            }
        }
        let copies = try encode(
            copyJobs, features: features, total: jobs.count + copyJobs.count, done: jobs.count, progress: progress, warn: warn,
            isCancelled: isCancelled)
        return NegativeAudio(recordings: originals.recordings + copies.recordings, skipped: skipped + originals.skipped)
    }

    /// One of `sources` at a random offset and a random SNR from 0 to 20 dB (whole
    /// decibels); with a `fraction`, only with that probability (a coin drawn first), else
    /// nil (clean); nil when there is no noise.
    private func drawNoise(
        _ sources: [AugmentationSources.Source], _ generator: inout SplitMix64, fraction: Double? = nil
    ) -> TrainingFeatures.Noise? {
        guard !sources.isEmpty else { return nil }
        if let fraction, Double.random(in: 0..<1, using: &generator) >= fraction { return nil }
        let source = sources[Int.random(in: 0..<sources.count, using: &generator)]
        return TrainingFeatures.Noise(
            source: source, offset: Int.random(in: 0..<source.samples.count, using: &generator),
            snrDB: Double(Int.random(in: 0...20, using: &generator)))
    }

    /// The streams through the encoder (or the feature cache), on `options.threads` threads;
    /// a stream whose audio fails is skipped with a warning naming its recordings.
    private func encode(
        _ jobs: [StreamJob], features: TrainingFeatures, total: Int, done: Int = 0,
        progress: @escaping @Sendable (TrainingProgress) -> Void, warn: @Sendable (String) -> Void,
        isCancelled: @escaping @Sendable () -> Bool
    ) throws -> NegativeAudio {
        let outcomes = try Parallel.map(
            jobs, threads: options.threads, isCancelled: isCancelled,
            progress: { progress(TrainingProgress(stage: .negatives, done: done + $0, total: total)) }
        ) { job in
            Result<NegativeRecording, Error> {
                let hashes = try job.paths.map {
                    ContentHash.of(try Data(contentsOf: URL(fileURLWithPath: $0), options: .alwaysMapped)).hex
                }
                let computed = try features.negative(paths: job.paths, hashes: hashes, noise: job.noise, isCancelled: isCancelled)
                return NegativeRecording(
                    paths: job.paths, entry: computed.entry, screenEntry: computed.screenEntry, cached: computed.cached,
                    stream: job.stream, isCopy: job.isCopy)
            }
        }
        var results: [NegativeRecording] = []
        var skipped: [SkippedFile] = []
        for (job, outcome) in zip(jobs, outcomes) {
            switch outcome {
            case .success(let recording): results.append(recording)
            case .failure(WakeWordError.interrupted): throw WakeWordError.interrupted
            case .failure(let error):
                let reason = Trainer.skipReason(error, path: job.paths[0])
                skipped += job.paths.map { SkippedFile(file: $0, reason: reason) }
                warn(
                    job.isCopy
                        ? "no noisy copy of \(job.paths[0]) and the recordings streamed with it (the recordings are kept): \(reason)"
                        : "skipping \(job.paths.count) negative recording\(job.paths.count == 1 ? "" : "s") streamed together: \(reason)")
            }
        }
        return NegativeAudio(recordings: results, skipped: skipped)
    }

    /// Why a recording was skipped: our errors name their file; others get the path.
    static func skipReason(_ error: Error, path: String) -> String {
        (error as? WakeWordError).map(String.init(describing:)) ?? "\(path): \(error.localizedDescription)"
    }
}
