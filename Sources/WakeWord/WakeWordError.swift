/// Every failure the library reports. A message says what failed, on which file, and
/// what to do; it is one line, fit for a command-line tool's stderr.
public enum WakeWordError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The path does not exist.
    case fileNotFound(path: String)
    /// The path exists but cannot be opened (permissions, a directory where a file was expected...).
    case unreadable(path: String, reason: String)
    /// The file is not audio libsndfile can decode, or decodes to nothing usable.
    case badAudio(path: String, reason: String)
    /// The encoder model directory or its model.bin is missing (`path` names what was looked for).
    case encoderMissing(path: String)
    /// The encoder file is damaged, truncated or not a Whisper CTranslate2 model.
    case badEncoder(path: String, reason: String)
    /// A tensor of the encoder is missing, extra, or has the wrong shape or type.
    case badTensor(path: String, name: String, reason: String)
    /// A wake-word model file is damaged or not a model file.
    case badModel(path: String, reason: String)
    /// A wake-word model was trained on top of a different encoder than the one loaded.
    case encoderMismatch(path: String, model: String, loaded: String)
    /// Arguments or data that make the requested work impossible.
    case invalidInput(String)
    /// Writing an output failed.
    case writeFailed(path: String, reason: String)
    /// The work was stopped (Ctrl-C) before it finished; nothing was written.
    case interrupted
    /// A Wyoming client sent bytes or an event the protocol does not allow (`wakeword serve`).
    case badEvent(String)
    /// A server address cannot be used or a socket call failed.
    case network(address: String, reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "\(path): no such file or directory"
        case .unreadable(let path, let reason):
            return "\(path): cannot be read: \(reason)"
        case .badAudio(let path, let reason):
            return "\(path): not usable audio: \(reason)"
        case .encoderMissing(let path):
            return "\(path): encoder model not found (no such directory or no model.bin in it); get the Whisper tiny.en weights"
                + " by running scripts/setup in the wakeword checkout (it puts them in ~/.local/share/wakeword/encoder/whisper-tiny.en),"
                + " or pass the directory that holds model.bin and config.json"
        case .badEncoder(let path, let reason):
            return "\(path): not a usable Whisper encoder: \(reason); run scripts/setup to fetch a verified copy"
        case .badTensor(let path, let name, let reason):
            return "\(path): tensor \(name): \(reason)"
        case .badModel(let path, let reason):
            return "\(path): not a usable wake-word model: \(reason)"
        case .encoderMismatch(let path, let model, let loaded):
            return "\(path): this model was trained on encoder \(model) but the loaded encoder is \(loaded);"
                + " load the encoder it was trained on, or retrain the model"
        case .invalidInput(let message):
            return message
        case .writeFailed(let path, let reason):
            return "\(path): cannot write: \(reason)"
        case .interrupted:
            return "interrupted; no output was written and existing files are unchanged"
        case .badEvent(let reason):
            return "bad Wyoming event: \(reason)"
        case .network(let address, let reason):
            return "\(address): \(reason)"
        }
    }
}
