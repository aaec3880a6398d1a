import ArgumentParser
import Foundation
import WakeWord

@main
struct WakeWordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wakeword",
        abstract: "Make and run a detector for your own wake word from a few recorded clips.",
        discussion: """
            Clips go through Whisper's log-mel front end into the frozen Whisper tiny.en encoder; a small trigger head on \
            top is the only trained part. The encoder weights and the default negatives are looked for in \
            $XDG_DATA_HOME/wakeword (~/.local/share/wakeword), where the wakeword project's set-up puts them, so this \
            binary works from any folder.

            Examples:
              wakeword train --positive my-clips/ --output toaster.wakeword
              wakeword detect --model toaster.wakeword recording.flac
              wakeword info toaster.wakeword
            """,
        version: WakeWordVersion.current,
        subcommands: [Train.self, Detect.self, Eval.self, Info.self, Retune.self, Features.self, Embed.self, Bench.self, Serve.self]
    )

    /// Reports an unknown long option first, as ArgumentParser words it (exit 64, EX_USAGE),
    /// then parses and runs as usual.
    static func main() {
        if let unknown = UnknownOption.find(in: Array(CommandLine.arguments.dropFirst()), root: self) {
            let usage = usageString(for: unknown.command)
            FileHandle.standardError.write(
                Data(
                    """
                    Error: \(unknown.message)
                    Usage: \(usage)
                      See 'wakeword \(unknown.command._commandName) --help' for more information.

                    """.utf8))
            Foundation.exit(64)
        }
        main(nil)
    }
}
