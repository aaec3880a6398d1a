import Foundation
import Testing

@testable import WakeWord

/// The help every command prints, as a terminal shows it.
@Suite("CommandLine: help") struct CommandLineHelpTests {
    static let commands = ["train", "detect", "eval", "info", "retune", "features", "embed", "bench", "serve"]

    /// `wakeword ARGUMENTS --help` on a terminal `columns` wide.
    static func help(_ arguments: [String], columns: Int = 1_000) throws -> String {
        let run = try runTool(arguments + ["--help"], environment: ["COLUMNS": "\(columns)"])
        try #require(run.status == 0, "\(arguments): \(run.stderr)")
        return run.stdout
    }

    @Test("paragraphs are not hard-wrapped: on a wide terminal each is one line ending a sentence", arguments: [""] + commands)
    func paragraphs(command: String) throws {
        let text = try CommandLineHelpTests.help(command.isEmpty ? [] : [command])
        let overview = text.components(separatedBy: "\nUSAGE:")[0]
        // Example lines are indented; every other line is a whole paragraph.
        let broken = overview.split(separator: "\n").filter { !$0.hasPrefix(" ") && !".:)".contains($0.last!) }
        #expect(broken.isEmpty, "\(command): \(broken)")
        // On an 80-column terminal the parser wraps them itself.
        let narrow = try CommandLineHelpTests.help(command.isEmpty ? [] : [command], columns: 80)
        #expect(narrow.split(separator: "\n").allSatisfy { $0.count <= 80 || $0.hasPrefix("  ") || $0.hasPrefix("USAGE:") }, "\(command)")
    }

    @Test("every command shows an example of itself", arguments: commands)
    func example(command: String) throws {
        let text = try CommandLineHelpTests.help([command])
        #expect(
            text.contains("\nExample")
                && text.split(separator: "\n").contains { $0.hasPrefix("  ") && $0.contains("wakeword \(command) ") }, "\(command)")
    }

    @Test("each option states its default at most once", arguments: commands)
    func oneDefault(command: String) throws {
        let options = try CommandLineHelpTests.help([command]).components(separatedBy: "\nOPTIONS:").last!.split(separator: "\n")
        let doubled = options.filter { $0.components(separatedBy: "default").count > 2 }
        #expect(doubled.isEmpty, "\(command): \(doubled)")
    }

    @Test("usage lines show required options as required")
    func usage() throws {
        let detect = try CommandLineHelpTests.help(["detect"])
        let eval = try CommandLineHelpTests.help(["eval"])
        let train = try CommandLineHelpTests.help(["train"])
        let line = { (text: String) in text.split(separator: "\n").first { $0.hasPrefix("USAGE:") }.map(String.init) ?? "" }
        #expect(line(detect).contains(" --model <path[:score]> ...") && !line(detect).contains("[--model"), "\(line(detect))")
        #expect(
            line(eval).contains(" --model <model.wakeword> --negative <path> ...") && !line(eval).contains("[--negative"), "\(line(eval))")
        #expect(line(train).contains(" --positive <path> ...") && !line(train).contains("[--positive"), "\(line(train))")
    }

    @Test("an installed copy's help never points at the project's scripts")
    func installedHelp() throws {
        let layout = try InstallTests.Layout()
        defer { layout.cleanUp() }
        for command in [""] + CommandLineHelpTests.commands {
            let run = try layout.run((command.isEmpty ? [] : [command]) + ["--help"], ["HOME": layout.home])
            #expect(run.status == 0 && !run.stdout.contains("scripts/"), "\(command): \(run.stdout)")
        }
    }
}
