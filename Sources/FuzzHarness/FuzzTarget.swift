import Foundation
import WakeWord

/// The parsers that read files users and the network hand us, each as a function that must
/// never crash, hang or trap on any bytes: throwing an error is the right answer to garbage.
/// Run by the libFuzzer build (scripts/fuzz) and replayed over the kept corpus by the tests.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A .wakeword model file.
    case model
    /// A CTranslate2 model.bin, then the Whisper encoder built from it.
    case ctranslate2
    /// Any audio file, decoded whole through libsndfile and libsoxr.
    case audio
    /// Bytes from a Wyoming client (`wakeword serve`): the event framing, then each audio
    /// event's format and PCM conversion.
    case wyoming

    public func run(_ data: Data) {
        switch self {
        case .model:
            _ = try? ModelFile.decode(data, path: "fuzz.wakeword")
        case .ctranslate2:
            guard let model = try? CTranslate2Model(bytes: data, path: "fuzz.bin") else { return }
            // Bound the work: the fuzzer may declare a huge (valid) encoder.
            let elements = model.variables.values.reduce(0) { $0 + $1.elementCount }
            guard elements < 1 << 20, let encoder = try? WhisperEncoder(model: model) else { return }
            let dims = encoder.dimensions
            if dims.melCount <= 128, dims.width <= 512, dims.contextLength >= 2 {
                _ = encoder.encode(Matrix(rows: dims.melCount, columns: 4))
            }
        case .audio:
            let path = NSTemporaryDirectory() + "wakeword-fuzz-\(getpid()).audio"
            guard FileManager.default.createFile(atPath: path, contents: data) else { return }
            defer { try? FileManager.default.removeItem(atPath: path) }
            guard let reader = try? AudioReader(path: path) else { return }
            // Bound the work: a header may declare hours of audio at a huge rate.
            var total = 0
            while total < 10 * AudioFormat.sampleRate, let chunk = try? reader.read(maxFrames: 8_192), !chunk.isEmpty {
                total += chunk.count
            }
        case .wyoming:
            var decoder = WyomingDecoder()
            decoder.append(data)
            while let event = try? decoder.next() {
                guard event.type.hasPrefix("audio"), let format = try? PCMFormat(event: event) else { continue }
                let converter = PCMConverter(format: format)
                _ = converter.convert(event.payload) + converter.finish()
            }
        }
    }
}
