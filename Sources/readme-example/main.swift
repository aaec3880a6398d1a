import Foundation
import WakeWord

// The encoder weights, where the wakeword project's set-up puts them.
let home = FileManager.default.homeDirectoryForCurrentUser.path
let encoder = try WhisperEncoder(directory: "\(home)/.local/share/wakeword/encoder/whisper-tiny.en")

// Training takes audio files, not folders.
func audioFiles(in folder: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        .filter { $0.hasSuffix(".flac") || $0.hasSuffix(".ogg") }.map { "\(folder)/\($0)" }
}
var options = TrainingOptions()
options.name = "alexa"
options.targetFAPerHour = 5  // minutes of negatives cannot check the default 0.5 per hour
options.copiesPerClip = 4  // fewer augmented copies than the default 24: faster, less robust
let outcome = try Trainer(encoder: encoder, options: options).train(
    TrainingInput(
        positives: try audioFiles(in: "audio-samples/alexa/train"),
        negatives: try audioFiles(in: "audio-samples/heldout-negatives")))
try ModelFile.write(outcome.model, to: "alexa.wakeword")

// Detection in chunks of any size (16 kHz mono Float): from a file here;
// AudioReader(standardInput: .standard) reads `arecord -f S16_LE -r 16000 -c 1`.
var detector = try Detector(models: [try ModelFile.read(path: "alexa.wakeword")], encoder: encoder)
let reader = try AudioReader(path: "audio-samples/stream/stream.flac")
while true {
    let chunk = try reader.read()
    if chunk.isEmpty { break }
    for detection in detector.process(chunk) { print(detection.time, detection.model, detection.score) }
}
for detection in detector.finish() { print(detection.time, detection.model, detection.score) }
