import Foundation

/// The report's figures as standalone SVG (no scripts, no external resources).
enum SVGPlot {
    static let width = 640.0, height = 400.0
    static let margin = (left: 70.0, right: 20.0, top: 20.0, bottom: 50.0)

    /// A marked operating point on the DET curve.
    struct Mark {
        let label: String
        let point: Metrics.OperatingPoint
        let colour: String
    }

    /// Detection-error trade-off: false-reject rate against false accepts per hour, both on
    /// log axes. Zero rates are drawn at the axis floor (half the smallest non-zero value
    /// the data can show) and labelled "0".
    static func det(_ sweep: [Metrics.OperatingPoint], marks: [Mark], hours: Double, positives: Int) -> String {
        let xFloor = 0.5 / max(hours, 1e-9)
        let yFloor = 0.5 / Double(max(positives, 1))
        let xMax = max(10 * xFloor, (sweep.map(\.faPerHour).max() ?? 1) * 1.5)
        let x = LogAxis(low: xFloor, high: xMax, from: margin.left, to: width - margin.right)
        let y = LogAxis(low: yFloor, high: 1, from: height - margin.bottom, to: margin.top)
        func position(_ p: Metrics.OperatingPoint) -> (Double, Double) {
            (x(max(p.faPerHour, xFloor)), y(max(p.frr, yFloor)))
        }
        // Staircase through the points ordered by false-accept rate.
        let ordered = sweep.sorted { ($0.faPerHour, -$0.frr) < ($1.faPerHour, -$1.frr) }
        let path = ordered.map { p -> String in
            let (px, py) = position(p)
            return String(format: "%.1f,%.1f", px, py)
        }.joined(separator: " ")
        var svg = header(title: "DET curve: false rejects against false accepts per hour")
        svg += axes(
            x: x, y: y, xLabel: "false accepts per hour (log)", yLabel: "false-reject rate (log)",
            xTicks: decades(xFloor, xMax), yTicks: decades(yFloor, 1), xFormat: rate, yFormat: percent,
            xZero: "0", yZero: "0")
        svg += "<polyline id=\"det-curve\" points=\"\(path)\" fill=\"none\" stroke=\"#1f5fa8\" stroke-width=\"2\"/>\n"
        for (i, mark) in marks.enumerated() {
            let (px, py) = position(mark.point)
            svg += String(format: "<circle class=\"mark\" cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%@\"/>\n", px, py, mark.colour)
            svg += String(
                format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" fill=\"%@\">%@</text>\n",
                min(px + 8, width - 200), max(py - 8 - 14 * Double(i), margin.top + 12), mark.colour, escape(mark.label))
        }
        return svg + "</svg>\n"
    }

    /// Per-class score distributions over logit bins: each class as a fraction of its own
    /// count, on a log scale, so thousands of negative hops and a few hundred clips compare.
    static func histogram(_ histogram: EvaluationReport.Histogram, threshold: Float) -> String {
        let edges = histogram.logitEdges
        let bins = edges.count - 1
        let x = LinearAxis(low: edges.first!, high: edges.last!, from: margin.left, to: width - margin.right)
        let y = LogAxis(low: 1e-5, high: 1, from: height - margin.bottom, to: margin.top)
        var svg = header(title: "score histograms: best score of each positive clip, every negative hop")
        svg += axes(
            x: x, y: y, xLabel: "score logit, ln(s / (1 − s))", yLabel: "fraction of class (log)",
            xTicks: stride(from: edges.first!, through: edges.last!, by: 4).map { $0 }, yTicks: decades(1e-5, 1),
            xFormat: { String(format: "%.0f", $0) }, yFormat: percent, xZero: nil, yZero: nil)
        for (series, counts, colour, offset) in [
            ("positives", histogram.positives, "#2e8b57", 0.0), ("negatives", histogram.negatives, "#c0392b", 0.5),
        ] {
            let total = Double(max(counts.reduce(0, +), 1))
            for bin in 0..<bins where counts[bin] > 0 {
                let fraction = max(Double(counts[bin]) / total, 1e-5)
                let left = x(edges[bin]) + offset * (x(edges[bin + 1]) - x(edges[bin]))
                let barWidth = 0.5 * (x(edges[bin + 1]) - x(edges[bin]))
                svg += String(
                    format: "<rect class=\"%@\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%@\"/>\n",
                    series, left, y(fraction), barWidth, y(1e-5) - y(fraction), colour)
            }
        }
        let s = Double(min(max(threshold, 1e-7), 1 - 1e-7))
        let tx = x(min(max(log(s / (1 - s)), edges.first!), edges.last!))
        svg += String(
            format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\" stroke-dasharray=\"4 3\"/>\n",
            tx, margin.top, tx, height - margin.bottom)
        svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">threshold</text>\n", tx + 4, margin.top + 12)
        svg += legend([("positive clips", "#2e8b57"), ("negative hops", "#c0392b")])
        return svg + "</svg>\n"
    }

    // MARK: - Pieces

    struct LogAxis {
        let low: Double, high: Double, from: Double, to: Double
        func callAsFunction(_ v: Double) -> Double { from + (log10(v) - log10(low)) / (log10(high) - log10(low)) * (to - from) }
    }

    struct LinearAxis {
        let low: Double, high: Double, from: Double, to: Double
        func callAsFunction(_ v: Double) -> Double { from + (v - low) / (high - low) * (to - from) }
    }

    private static func header(title: String) -> String {
        String(
            format:
                "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\">\n<title>%@</title>\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            width, height, width, height, escape(title))
    }

    private static func axes(
        x: some AxisMapping, y: some AxisMapping, xLabel: String, yLabel: String, xTicks: [Double], yTicks: [Double],
        xFormat: (Double) -> String, yFormat: (Double) -> String, xZero: String?, yZero: String?
    ) -> String {
        let bottom: Double = height - margin.bottom
        let left: Double = margin.left
        let right: Double = width - margin.right
        var svg = "<g font-family=\"sans-serif\" font-size=\"11\" fill=\"#333\">\n"
        svg += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n", left, bottom, right, bottom)
        svg += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n", left, margin.top, left, bottom)
        for (i, tick) in xTicks.enumerated() {
            let px = x.map(tick)
            let label = i == 0 && xZero != nil ? xZero! : xFormat(tick)
            svg += String(
                format:
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%@</text>\n",
                px, margin.top, px, bottom, px, bottom + 15, label)
        }
        for (i, tick) in yTicks.enumerated() {
            let py = y.map(tick)
            let label = i == 0 && yZero != nil ? yZero! : yFormat(tick)
            svg += String(
                format:
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%@</text>\n",
                left, py, right, py, left - 5, py + 4, label)
        }
        svg += String(
            format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%@</text>\n", (left + right) / 2, height - 12, escape(xLabel))
        svg += String(
            format: "<text transform=\"translate(16 %.1f) rotate(-90)\" text-anchor=\"middle\">%@</text>\n</g>\n",
            (margin.top + bottom) / 2, escape(yLabel))
        return svg
    }

    private static func legend(_ entries: [(String, String)]) -> String {
        entries.enumerated().map { i, entry in
            let top = margin.top + 8 + 18 * Double(i)
            return String(
                format:
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%@\"/><text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" font-family=\"sans-serif\">%@</text>\n",
                width - 170, top, entry.1, width - 152, top + 10, escape(entry.0))
        }.joined()
    }

    /// Powers of ten from the first at or above `low` to `high`, with `low` itself first.
    private static func decades(_ low: Double, _ high: Double) -> [Double] {
        let first = Int(ceil(log10(low)))
        let last = Int(floor(log10(high)))
        let powers: [Double] = first <= last ? (first...last).map { pow(10.0, Double($0)) } : []
        return [low] + powers.filter { $0 > low * 1.5 }
    }

    private static func rate(_ v: Double) -> String { v >= 1 ? String(format: "%.0f", v) : String(format: "%g", v) }
    private static func percent(_ v: Double) -> String { v >= 0.01 ? String(format: "%.0f%%", 100 * v) : String(format: "%g%%", 100 * v) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

protocol AxisMapping {
    func map(_ v: Double) -> Double
}

extension SVGPlot.LogAxis: AxisMapping { func map(_ v: Double) -> Double { self(v) } }
extension SVGPlot.LinearAxis: AxisMapping { func map(_ v: Double) -> Double { self(v) } }
