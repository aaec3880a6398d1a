import Foundation

/// Writes an evaluation report into a folder: report.json (machine-readable), report.md
/// with det.svg and histogram.svg beside it, and report.html, self-contained (figures inline,
/// the worst misses and the highest-scoring false accepts playable in place).
public struct ReportWriter: Sendable {
    public let report: EvaluationReport
    /// The record behind the report, to cut the audio to listen to; nil leaves audio out.
    public let record: EvaluationRecord?
    /// Clips embedded for listening, per table.
    public var listenLimit = 10

    public init(report: EvaluationReport, record: EvaluationRecord? = nil) {
        self.report = report
        self.record = record
    }

    /// One paragraph for the terminal.
    public var summary: String {
        let at = String(
            format: "%@ at threshold %.4f%@", report.model, report.threshold,
            isOwnThreshold ? "" : String(format: " (the model's own: %.4f)", report.modelThreshold))
        guard report.positives > 0 else {
            return at
                + String(
                    format: ": %.2f false accepts per hour (%d in %.2f h); no positive clips, so no false-reject rate",
                    report.faPerHour, report.falseAccepts.count, report.negativeHours)
        }
        let latency = report.latencyMs.map { String(format: "; latency median %.0f ms, p95 %.0f ms", $0.median, $0.p95) } ?? ""
        return at
            + String(
                format: ": %.1f%% false rejects (%d of %d clips), %.2f false accepts per hour (%d in %.2f h)%@",
                100 * report.frr, report.misses.count, report.positives, report.faPerHour, report.falseAccepts.count, report.negativeHours,
                latency)
    }

    /// False when the report is at a threshold given instead of the model's.
    private var isOwnThreshold: Bool { report.threshold == report.modelThreshold }

    /// "the model's threshold 0.8123" or "the threshold given, 0.9000 (the model's own: 0.8123)".
    private var thresholdName: String {
        isOwnThreshold
            ? String(format: "the model's threshold %.4f", report.threshold)
            : String(format: "the threshold given, %.4f (the model's own: %.4f)", report.threshold, report.modelThreshold)
    }

    /// "12 positive clips" or "no positive clips (false accepts only)".
    private var positivesText: String {
        report.positives > 0 ? "\(report.positives) positive clips" : "no positive clips (false accepts only)"
    }

    public func write(to directory: String) throws {
        try OutputPath.checkFolder(directory)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw WakeWordError.writeFailed(path: directory, reason: error.localizedDescription)
        }
        let det = detPlot
        let histogram = SVGPlot.histogram(report.histogram, threshold: report.threshold)
        try AtomicFile.write(try report.json(), to: "\(directory)/report.json")
        try AtomicFile.write(Data(det.utf8), to: "\(directory)/det.svg")
        try AtomicFile.write(Data(histogram.utf8), to: "\(directory)/histogram.svg")
        try AtomicFile.write(Data(markdown.utf8), to: "\(directory)/report.md")
        try AtomicFile.write(Data(html(det: det, histogram: histogram).utf8), to: "\(directory)/report.html")
    }

    private var detPlot: String {
        var marks = [
            SVGPlot.Mark(
                label: String(format: isOwnThreshold ? "model threshold %.4f" : "threshold given %.4f", report.threshold),
                point: report.sweep.first { $0.threshold == report.threshold } ?? report.sweep[0], colour: "#d35400")
        ]
        for (target, colour) in zip(report.targets, ["#8e44ad", "#16a085"]) {
            if let point = target.point {
                marks.append(
                    .init(
                        label: "\(format(target.faPerHour)) FA/h: threshold \(String(format: "%.4f", point.threshold))", point: point,
                        colour: colour))
            }
        }
        return SVGPlot.det(report.sweep, marks: marks, hours: report.negativeHours, positives: report.positives)
    }

    // MARK: - Markdown

    var markdown: String {
        var md = "# Wake-word evaluation: \(report.model)\n\n"
        md += "Model `\(report.modelFile)`; \(positivesText)"
        md += report.settings.snrDB.map { ", mixed with noise at \(format($0)) dB SNR" } ?? ""
        md += String(format: "; %.2f hours of negative audio.\n\n", report.negativeHours)
        md += summaryTable.markdown
        md += "\n## Operating points\n\n" + operatingPoints(unreached: "none reaches it").markdown
        md += (report.positives > 0 ? "\n![DET curve](det.svg)\n" : "") + "\n![Score histograms](histogram.svg)\n"
        if report.positives > 0 {
            md += "\n## Worst misses\n\n"
            md += report.misses.isEmpty ? "None.\n" : missesTable(scoreTitle: "best score in the hit window").markdown
        }
        md += "\n## False accepts\n\n"
        md += report.falseAccepts.isEmpty ? "None.\n" : falseAcceptsTable(report.falseAccepts).markdown
        if !report.skipped.isEmpty {
            md += "\n## Clips not evaluated\n\n" + report.skipped.map { "- \($0.reason)" }.joined(separator: "\n") + "\n"
        }
        md += "\n## Settings\n\n" + settingsLines.map { "- \($0)" }.joined(separator: "\n") + "\n"
        return md
    }

    private var settingsLines: [String] {
        let s = report.settings
        return [
            "layer \(s.layer), \(s.head) head, \(s.windowing)",
            "refractory \(format(s.refractorySeconds)) s; a hit is a detection from the word's start to \(format(Metrics.hitAfterEnd)) s after its end",
            "positive clips padded with \(format(s.paddingSeconds)) s of silence on each side"
                + (s.snrDB.map { ", noise at \(format($0)) dB SNR, seed \(s.seed)" } ?? ""),
            "wakeword \(report.toolVersion)",
        ].filter { report.positives > 0 || !$0.hasPrefix("positive clips") }
    }

    // MARK: - HTML

    func html(det: String, histogram: String) -> String {
        let verdictClass = report.frr <= 0.05 && report.faPerHour <= 0.5 ? "good" : "weak"
        var h = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Wake-word evaluation: \(SVGPlot.escape(report.model))</title>
            <style>
            body { font-family: sans-serif; max-width: 960px; margin: 2em auto; color: #222; }
            table { border-collapse: collapse; margin: 1em 0; } td, th { border: 1px solid #ccc; padding: 4px 8px; text-align: left; }
            .headline { font-size: 1.3em; padding: 0.6em 1em; border-radius: 6px; }
            .good { background: #e8f6ec; } .weak { background: #fdf0e6; }
            figure { margin: 1em 0; } audio { height: 28px; vertical-align: middle; }
            </style></head><body>
            <h1>Wake-word evaluation: \(SVGPlot.escape(report.model))</h1>
            <p>Model <code>\(SVGPlot.escape(report.modelFile))</code>; \(positivesText)\(report.settings.snrDB.map { ", mixed with noise at \(format($0)) dB SNR" } ?? ""); \(String(format: "%.2f", report.negativeHours)) hours of negative audio.</p>
            <p class="headline \(verdictClass)" id="headline">\(headline)</p>
            <h2>Operating points</h2>

            """
        h += operatingPoints(unreached: "no threshold reaches it").html(id: "operating-points")
        h += "<p>Pass a different threshold to <code>wakeword detect --threshold</code> to pick another point on the curve.</p>\n"
        if report.positives > 0 {
            h +=
                "<figure id=\"det\">\(det)<figcaption>Every threshold's false-reject rate against its false accepts per hour; lower left is better.</figcaption></figure>\n"
        }
        h +=
            "<figure id=\"histogram\">\(histogram)<figcaption>Positives should sit right of the threshold, negatives left of it.</figcaption></figure>\n"
        if report.positives > 0 {
            h += "<h2>Worst misses</h2>\n"
            h +=
                report.misses.isEmpty
                ? "<p>None.</p>\n"
                : missesTable(scoreTitle: "best score") { rank, miss in rank < listenLimit ? player(missAudio(miss)) : "" }.html(
                    id: "misses")
        }
        h += "<h2>False accepts</h2>\n"
        // Highest score first, to listen to the worst.
        let accepts = report.falseAccepts.enumerated().sorted { $0.element.score > $1.element.score }.map(\.element)
        h +=
            accepts.isEmpty
            ? "<p>None.</p>\n"
            : falseAcceptsTable(accepts) { rank, accept in rank < listenLimit ? player(falseAcceptAudio(accept)) : "" }.html(
                id: "false-accepts")
        if !report.skipped.isEmpty {
            h += "<h2>Clips not evaluated</h2>\n<ul>" + report.skipped.map { "<li>\(SVGPlot.escape($0.reason))</li>" }.joined() + "</ul>\n"
        }
        h += "<h2>Settings</h2>\n<ul>" + settingsLines.map { "<li>\(SVGPlot.escape($0))</li>" }.joined() + "</ul>\n</body></html>\n"
        return h
    }

    /// The page's headline sentence (HTML).
    private var headline: String {
        let at =
            isOwnThreshold
            ? String(format: "At its threshold %.4f", report.threshold)
            : String(format: "At the threshold given, %.4f (its own: %.4f),", report.threshold, report.modelThreshold)
        let fires =
            "fires <b>\(format(report.faPerHour))</b> times per hour on audio without \(report.positives > 0 ? "them" : "the wake word")"
            + " (\(report.falseAccepts.count) in \(String(format: "%.2f", report.negativeHours)) h)"
        guard report.positives > 0 else { return "\(at) the model \(fires); no positive clips were given, so its misses are not measured." }
        return
            "\(at) the model misses <b>\(percent(report.frr))</b> of the wake words (\(report.misses.count) of \(report.positives)) and \(fires)"
            + (report.latencyMs.map {
                String(format: "; it reports the word a median %.0f ms after it ends (95th percentile %.0f ms)", $0.median, $0.p95)
            } ?? "") + "."
    }

    /// A point's false-reject rate, or a dash when there are no positive clips.
    private func frr(_ point: Metrics.OperatingPoint) -> String {
        report.positives > 0 ? percent(point.frr) : "—"
    }

    // MARK: - Tables, shared by both reports

    /// The headline numbers at the threshold evaluated (the HTML report says them in a sentence).
    private var summaryTable: ReportTable {
        var rows: [[ReportTable.Cell]] = []
        if report.positives > 0 {
            rows.append([.text("false-reject rate"), .text("\(percent(report.frr)) (\(report.misses.count) of \(report.positives) clips)")])
        }
        rows.append([
            .text("false accepts per hour"),
            .text("\(format(report.faPerHour)) (\(report.falseAccepts.count) in \(String(format: "%.2f", report.negativeHours)) h)"),
        ])
        if let latency = report.latencyMs {
            rows.append([
                .text("latency after the word's end"),
                .text(String(format: "median %.0f ms, 95th percentile %.0f ms", latency.median, latency.p95)),
            ])
        }
        return ReportTable(header: ["", "at \(thresholdName)"], rows: rows)
    }

    /// The threshold for each false-accept target; `unreached` fills a target no threshold meets.
    private func operatingPoints(unreached: String) -> ReportTable {
        ReportTable(
            header: ["target", "threshold", "false-reject rate", "false accepts per hour"],
            rows: report.targets.map { target in
                let label = ReportTable.Cell.text("at most \(format(target.faPerHour)) FA/h")
                guard let p = target.point else { return [label, .spanning(unreached)] }
                return [label, .text(String(format: "%.4f", p.threshold)), .text(frr(p)), .text(format(p.faPerHour))]
            })
    }

    /// The first 50 misses, lowest best score first; `listen` (HTML) adds a player column,
    /// given each miss's rank.
    private func missesTable(scoreTitle: String, listen: ((Int, Metrics.Miss) -> String)? = nil) -> ReportTable {
        ReportTable(
            header: ["clip", "word (s)", scoreTitle] + (listen == nil ? [] : ["listen"]),
            rows: report.misses.prefix(50).enumerated().map { rank, miss in
                [
                    .text(miss.file), .text(String(format: "%.2f–%.2f", miss.wordStart, miss.wordEnd)),
                    .text(String(format: "%.4f", miss.bestScore)),
                ]
                    + (listen.map { [.markup($0(rank, miss))] } ?? [])
            })
    }

    /// `accepts` in the order given; `listen` (HTML) adds a player column, given each one's rank.
    private func falseAcceptsTable(_ accepts: [Metrics.FalseAccept], listen: ((Int, Metrics.FalseAccept) -> String)? = nil) -> ReportTable {
        ReportTable(
            header: ["file", "time (s)", "score"] + (listen == nil ? [] : ["listen"]),
            rows: accepts.enumerated().map { rank, accept in
                [.text(accept.file), .text(String(format: "%.2f", accept.time)), .text(String(format: "%.4f", accept.score))]
                    + (listen.map { [.markup($0(rank, accept))] } ?? [])
            })
    }

    /// The clip as the detector heard it.
    private func missAudio(_ miss: Metrics.Miss) -> [Float]? {
        guard let positive = record?.positives.first(where: { $0.file == miss.file }) else { return nil }
        return try? Evaluator.audio(of: positive, padding: report.settings.paddingSeconds)
    }

    /// Two seconds before the false accept to half a second after.
    private func falseAcceptAudio(_ accept: Metrics.FalseAccept) -> [Float]? {
        guard record != nil, let reader = try? AudioReader(path: accept.file) else { return nil }
        let rate = Double(AudioFormat.sampleRate)
        let (from, to) = (max(0, Int((accept.time - 2) * rate)), Int((accept.time + 0.5) * rate))
        var samples: [Float] = []
        while samples.count < to, let chunk = try? reader.read(), !chunk.isEmpty { samples += chunk }
        return samples.count > from ? Array(samples[from..<min(to, samples.count)]) : nil
    }

    private func player(_ samples: [Float]?) -> String {
        guard let samples else { return "" }
        return "<audio controls preload=\"none\" src=\"data:audio/wav;base64,\(ReportWriter.wav(samples).base64EncodedString())\"></audio>"
    }

    /// 16-bit PCM mono WAV bytes at 16 kHz (RIFF header, then samples).
    static func wav(_ samples: [Float]) -> Data {
        var writer = ByteWriter()
        let bytes = UInt32(samples.count * 2)
        writer.append(bytes: "RIFF".utf8)
        writer.append(36 + bytes)
        writer.append(bytes: "WAVEfmt ".utf8)
        writer.append(UInt32(16))
        writer.append(UInt16(1))
        writer.append(UInt16(1))
        writer.append(UInt32(AudioFormat.sampleRate))
        writer.append(UInt32(AudioFormat.sampleRate * 2))
        writer.append(UInt16(2))
        writer.append(UInt16(16))
        writer.append(bytes: "data".utf8)
        writer.append(bytes)
        for s in samples { writer.append(Int16((max(-1, min(1, s)) * 32767).rounded())) }
        return writer.data
    }

    private func format(_ v: Double) -> String { String(format: v == v.rounded() ? "%.0f" : "%.2f", v) }
    private func percent(_ v: Double) -> String { String(format: "%.1f %%", 100 * v) }
}
