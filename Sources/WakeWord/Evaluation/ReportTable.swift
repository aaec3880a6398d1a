/// A table of the evaluation report, built once and rendered as Markdown or as HTML: a
/// header and rows of cells. Text cells are escaped in HTML; markup cells (players) are HTML
/// as they are; a spanning cell fills the rest of its row (a note such as "none reaches it").
struct ReportTable {
    enum Cell {
        case text(String)
        case markup(String)
        case spanning(String)
    }

    let header: [String]
    let rows: [[Cell]]

    /// A header line, a `|---|` rule, one line per row; a spanning cell is followed by empty
    /// cells up to the header's width.
    var markdown: String {
        func line(_ cells: [String]) -> String { "|" + cells.map { $0.isEmpty ? " |" : " \($0) |" }.joined() + "\n" }
        return line(header) + "|" + String(repeating: "---|", count: header.count) + "\n"
            + rows.map { row in
                line(
                    row.flatMap { cell -> [String] in
                        switch cell {
                        case .text(let text), .markup(let text): [text]
                        case .spanning(let text): [text] + [String](repeating: "", count: header.count - row.count)
                        }
                    })
            }.joined()
    }

    /// `<table id="id">` with a header row and one `<tr>` per row; a spanning cell gets the
    /// remaining columns as its colspan.
    func html(id: String) -> String {
        "<table id=\"\(id)\"><tr>" + header.map { "<th>\(SVGPlot.escape($0))</th>" }.joined() + "</tr>\n"
            + rows.map { row in
                "<tr>"
                    + row.map { cell in
                        switch cell {
                        case .text(let text): "<td>\(SVGPlot.escape(text))</td>"
                        case .markup(let html): "<td>\(html)</td>"
                        case .spanning(let text): "<td colspan=\"\(header.count - row.count + 1)\">\(SVGPlot.escape(text))</td>"
                        }
                    }.joined() + "</tr>"
            }.joined(separator: "\n") + "\n</table>\n"
    }
}
