import ArgumentParser
import Foundation
import WakeWord

/// Where the encoder weights are: --encoder, else $WAKEWORD_ENCODER, else the copy
/// scripts/setup put in the per-user data folder, else the project's (DefaultPaths).
struct EncoderOptions: ParsableArguments {
    @Option(
        name: .customLong("encoder"),
        help: ArgumentHelp(
            "Directory holding the Whisper encoder's CTranslate2 model.bin (default: $WAKEWORD_ENCODER, else $XDG_DATA_HOME/wakeword/encoder/whisper-tiny.en"
                + " (~/.local/share/... when XDG_DATA_HOME is unset), else .encoder/whisper-tiny.en in the checkout this binary was built in).",
            valueName: "dir"))
    var directory: String?

    var resolvedDirectory: String {
        directory ?? ProcessInfo.processInfo.environment["WAKEWORD_ENCODER"] ?? DefaultPaths.encoder
    }

    /// Loads the encoder; a missing one gets the command line's ways to name another.
    func load() throws -> WhisperEncoder {
        do {
            return try WhisperEncoder(directory: resolvedDirectory)
        } catch let error as WakeWordError {
            guard case .encoderMissing = error else { throw error }
            throw WakeWordError.invalidInput("\(error) (on the command line: --encoder DIR, or set WAKEWORD_ENCODER)")
        }
    }
}
