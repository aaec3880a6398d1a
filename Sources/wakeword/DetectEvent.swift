import Foundation
import WakeWord

/// A detection as `detect` reports it: in which input, by which model file.
struct DetectEvent {
    /// The input as given ("-" for standard input), or the file inside a folder given.
    let file: String
    let modelFile: String
    let detection: Detection

    /// time, model, score, file: tab-separated, the file last (it may hold spaces).
    var line: String {
        String(format: "%.2f\t%@\t%.3f\t%@", detection.time, detection.model, detection.score, file)
    }

    /// One JSON object: {"time": 12.34, "model": "alexa", "score": 0.973, "file": "a.flac"}.
    var json: String {
        String(
            format: "{\"time\": %.2f, \"model\": %@, \"score\": %.3f, \"file\": %@}",
            detection.time, DetectEvent.quoted(detection.model), detection.score, DetectEvent.quoted(file))
    }

    /// What `--exec` commands find in their environment.
    var environment: [String: String] {
        [
            "WAKEWORD_FILE": file, "WAKEWORD_TIME": String(format: "%.2f", detection.time), "WAKEWORD_MODEL": detection.model,
            "WAKEWORD_MODEL_FILE": modelFile, "WAKEWORD_SCORE": String(format: "%.3f", detection.score),
        ]
    }

    /// `text` as a JSON string.
    static func quoted(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return String(decoding: try! encoder.encode(text), as: UTF8.self)
    }
}
