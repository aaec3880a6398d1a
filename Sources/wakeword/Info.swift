import ArgumentParser
import Foundation
import WakeWord

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what is inside model files: name, threshold, expected rates, windowing, training data, date, encoder.",
        discussion: """
            The header of each model file in words, or as JSON with --json: one object per line, the header as stored \
            (snake_case keys, lengths in 16 kHz samples) with the model's path as "file". Every file is checked as detect \
            checks it: a damaged one is an error.

            Examples:
              wakeword info alexa.wakeword
              wakeword info --json models/*.wakeword | jq '.threshold'
            """)

    @Argument(help: ArgumentHelp("Model files.", valueName: "model.wakeword"))
    var models: [String]

    @Flag(help: "Print each header as one JSON object per line.")
    var json = false

    func run() throws {
        var blocks: [String] = []
        for path in models {
            if json {
                blocks.append(try Info.jsonLine(path: path))
            } else {
                blocks.append(ModelDescription(path: path, model: try ModelFile.read(path: path)).text)
            }
        }
        print(blocks.joined(separator: json ? "\n" : "\n\n"))
    }

    /// The stored header with "file" added, on one line, keys sorted.
    static func jsonLine(path: String) throws -> String {
        guard var header = try JSONSerialization.jsonObject(with: try ModelFile.headerJSON(path: path)) as? [String: Any] else {
            throw WakeWordError.badModel(path: path, reason: "the header is not a JSON object")
        }
        header["file"] = path
        let data = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
