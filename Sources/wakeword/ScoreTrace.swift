import Foundation
import WakeWord

/// The --scores CSV (time,model,score,file): every hop's score, written through
/// `AtomicFile.Writer`, so the file appears only when the run ends well.
final class ScoreTrace {
    private let writer: AtomicFile.Writer
    private let models: [String]
    private var pending = "time,model,score,file\n"
    /// The first write that failed (a full disk); reported by `commit`.
    private var failure: Error?

    init(path: String, models: [String]) throws {
        writer = try AtomicFile.Writer(path: path)
        self.models = models
    }

    /// Adds a hop of `file` (as `DetectEvent.file` names it).
    func add(_ score: HopScore, file: String) {
        guard failure == nil else { return }
        pending += String(
            format: "%.2f,%@,%.5f,%@\n", score.time, ScoreTrace.field(models[score.model]), score.score, ScoreTrace.field(file))
        if pending.utf8.count > 1 << 16 {
            do { try flush() } catch { failure = error }
        }
    }

    /// Writes what is pending and puts the file in place.
    func commit() throws {
        if let failure { throw failure }
        try flush()
        try writer.commit()
    }

    func discard() {
        writer.discard()
    }

    /// A CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180).
    static func field(_ text: String) -> String {
        text.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    private func flush() throws {
        try writer.write(Data(pending.utf8))
        pending = ""
    }
}
