import Foundation

/// Writes an evaluation report as JSON, Markdown and self-contained HTML into a folder.
public struct ReportWriter: Sendable {
    public let report: EvaluationReport

    public init(report: EvaluationReport) {
        self.report = report
    }

    /// One paragraph for the terminal.
    public var summary: String {
        let latency = report.latencyMs.map { String(format: "; latency median %.0f ms, p95 %.0f ms", $0.median, $0.p95) } ?? ""
        return String(format: "%@ at threshold %.4f: %.1f%% false rejects (%d of %d clips), %.2f false accepts per hour (%d in %.2f h)%@",
                      report.model, report.threshold, 100 * report.frr, report.misses.count, report.positives,
                      report.faPerHour, report.falseAccepts.count, report.negativeHours, latency)
    }

    public func write(to directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw WakeWordError.writeFailed(path: directory, reason: error.localizedDescription)
        }
        try AtomicFile.write(try report.json(), to: "\(directory)/report.json")
    }
}
