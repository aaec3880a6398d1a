import ArgumentParser

/// The audio `train` and `eval` read (files or folders, searched recursively) and how they
/// run. Which sets a command requires, it checks itself.
struct AudioSetOptions: ParsableArguments {
    @Option(
        name: .customLong("positive"), parsing: .upToNextOption,
        help: ArgumentHelp(
            "Recordings of the wake word, one utterance each: files or folders (searched recursively). Repeatable.", valueName: "path"))
    var positives: [String] = []

    @Option(
        name: .customLong("negative"), parsing: .upToNextOption,
        help: ArgumentHelp("Audio that never says the wake word: files or folders. Repeatable.", valueName: "path"))
    var negatives: [String] = []

    @Option(
        name: .customLong("noise"), parsing: .upToNextOption,
        help: ArgumentHelp(
            "Background noise: files or folders. train mixes it into the clips at 0 to 20 dB SNR, besides the default noise; eval mixes it into the positive clips at --snr.",
            valueName: "path"))
    var noise: [String] = []

    @Option(parsing: .unconditional, help: "Worker threads (default: all cores).")
    var threads: Int?

    @Flag(help: "Print nothing but errors and the summary.")
    var quiet = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }
}
