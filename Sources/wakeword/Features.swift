import ArgumentParser
import WakeWord

struct Features: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write Whisper's log-mel spectrogram of an audio file as a float32 .npy, shape [80, frames].",
        discussion: """
            100 frames per second of 16 kHz mono audio, as the encoder reads them.

            Example:
              wakeword features clip.flac --output clip-mel.npy
            """)

    @Argument(help: ArgumentHelp("Audio file (any format libsndfile reads; resampled to 16 kHz mono).", valueName: "in"))
    var input: String

    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the .npy file.", valueName: "out.npy"))
    var output: String

    func run() throws {
        try OutputPath.checkFile(output)
        let samples = try Clip.load(input)
        let mel = LogMel()(samples)
        try AtomicFile.write(NumpyFile.encode(mel), to: output)
    }
}
