import ArgumentParser
import Foundation

/// Finds a long option the command does not have before ArgumentParser parses: it reports
/// unknown options only once the known ones parse and validate, so a misspelt `--postive`
/// came out as a missing `--positive`.
struct UnknownOption {
    let command: ParsableCommand.Type
    /// As typed, without a value: "--postive".
    let name: String
    /// The command's closest long option, if one is close (ArgumentParser's rule: an edit
    /// distance under 4).
    let suggestion: String?

    /// ArgumentParser's own wording.
    var message: String {
        "Unknown option '\(name)'" + (suggestion.map { ". Did you mean '\($0)'?" } ?? "")
    }

    /// The first unknown long option in `arguments` (the command line after the tool's name)
    /// of the subcommand it names, or nil; nothing after a "--" terminator is an option.
    static func find(in arguments: [String], root: ParsableCommand.Type) -> UnknownOption? {
        guard let first = arguments.first,
            let command = root.configuration.subcommands.first(where: { $0._commandName == first })
        else { return nil }
        let known = longOptions(of: command, root: root)
        for argument in arguments.dropFirst() {
            if argument == "--" { break }
            guard argument.hasPrefix("--"), argument.count > 2 else { continue }
            let name = String(argument.prefix { $0 != "=" })
            guard !known.contains(name) else { continue }
            let nearest = known.map { (name: $0, distance: distance(name, $0)) }.min { $0.distance < $1.distance }
            return UnknownOption(command: command, name: name, suggestion: nearest.flatMap { $0.distance < 4 ? $0.name : nil })
        }
        return nil
    }

    /// The long options `command`'s help lists (its own, its option groups', --help, --version).
    static func longOptions(of command: ParsableCommand.Type, root: ParsableCommand.Type) -> Set<String> {
        let help = root.helpMessage(for: command, columns: 10_000)
        let options = help.components(separatedBy: "\nOPTIONS:").last ?? help
        var names = Set<String>()
        for line in options.split(separator: "\n") {
            for word in line.split(whereSeparator: { " ,<[".contains($0) }) where word.hasPrefix("--") && word.count > 2 {
                names.insert(String(word))
            }
        }
        return names.union(["--help", "--version"])
    }

    /// Levenshtein distance: the fewest insertions, deletions and substitutions from a to b.
    static func distance(_ a: String, _ b: String) -> Int {
        let b = Array(b)
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}
