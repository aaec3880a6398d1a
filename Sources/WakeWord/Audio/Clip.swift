import Foundation

/// Loading whole clips (wake words, short files) for commands that need all samples at once.
public enum Clip {
    /// 16 kHz mono samples of `path`; damage warnings go to `warn` (stderr by default).
    /// A file that decodes to no samples at all is an error.
    public static func load(_ path: String, warn: (String) -> Void = Clip.printWarning) throws -> [Float] {
        let (samples, warnings) = try AudioReader.load(path: path)
        warnings.forEach(warn)
        guard !samples.isEmpty else { throw WakeWordError.badAudio(path: path, reason: "it contains no audio samples") }
        return samples
    }

    /// Writes "warning: <message>" to stderr.
    public static func printWarning(_ message: String) {
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }
}
