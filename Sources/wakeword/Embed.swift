import ArgumentParser
import WakeWord

struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the Whisper encoder's output for an audio file as a float32 .npy, shape [positions, width].",
        discussion: """
            Inputs up to 30 s (the encoder's context); 50 positions per second.

            Example:
              wakeword embed clip.flac --layer 3 --output clip-block3.npy
            """)

    @Argument(help: ArgumentHelp("Audio file (any format libsndfile reads; resampled to 16 kHz mono).", valueName: "in"))
    var input: String

    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the .npy file.", valueName: "out.npy"))
    var output: String

    @Option(
        parsing: .unconditional,
        help:
            "Encoder block whose output to write, 1...L; L (the default) is the encoder's final output, a smaller one the residual stream after that block."
    )
    var layer: Int?

    @OptionGroup var encoder: EncoderOptions

    func run() throws {
        try OutputPath.checkFile(output)
        let samples = try Clip.load(input)
        let maximum = 30 * AudioFormat.sampleRate
        guard samples.count <= maximum else {
            throw ValidationError(
                "\(input): \(samples.count / AudioFormat.sampleRate) s is longer than the encoder's 30 s context; cut it first")
        }
        let model = try encoder.load()
        if let layer, !(1...model.dimensions.layers).contains(layer) {
            throw WakeWordError.invalidInput("--layer \(layer) is outside 1...\(model.dimensions.layers) for this encoder")
        }
        let embedding = model.encode(LogMel()(samples), layer: layer)
        try AtomicFile.write(NumpyFile.encode(embedding), to: output)
    }
}
