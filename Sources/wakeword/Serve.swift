import ArgumentParser
import Foundation
import WakeWord

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve wake-word models over the Wyoming protocol (for Home Assistant).",
        discussion: """
            Answers describe with the models, and streams of audio-start / audio-chunk / audio-stop (PCM of any rate, \
            width and channel count) with a detection event per word found, or not-detected at audio-stop. Each client \
            gets its own detector; all share one encoder. Logs one line per connection event on stderr. SIGTERM or Ctrl-C \
            stops it cleanly.

            Examples:
              wakeword serve --uri tcp://0.0.0.0:10400 --model alexa.wakeword
              wakeword serve --uri unix:///run/wakeword.sock --model models/ --threshold alexa=0.9
            """)

    @Option(help: ArgumentHelp("Where to listen: tcp://HOST:PORT (port 0 picks a free one) or unix:///path/to/socket.", valueName: "uri"))
    var uri: String = "tcp://127.0.0.1:10400"

    @OptionGroup var selection: ModelOptions

    @Option(name: .customLong("max-clients"), parsing: .unconditional, help: "Clients served at once; more are turned away.")
    var maximumClients: Int = 32

    @OptionGroup var encoder: EncoderOptions

    func validate() throws {
        guard maximumClients >= 1 else { throw ValidationError("--max-clients must be 1 or more") }
    }

    func run() throws {
        let address = try ServeAddress(uri: uri)
        let chosen = try selection.load()
        // A threshold given on the command line becomes the model's own for every client.
        let wakeModels = chosen.map { choice in
            var model = choice.model
            if let threshold = choice.threshold { model.threshold = threshold }
            return model
        }
        BLAS.setThreads(1)
        let service = try WyomingService(
            models: wakeModels, encoder: try encoder.load(), refractory: selection.refractory,
            modelPaths: chosen.map(\.path))
        StopSignal.install()
        let server = try WyomingServer(service: service, address: address, maximumClients: maximumClients, log: Serve.log)
        let names = zip(wakeModels, service.detector(names: nil).thresholds).map { String(format: "%@ (fires at %.3f)", $0.name, $1) }
        Serve.log("listening on \(server.boundAddress) with \(names.joined(separator: ", "))")
        server.run { StopSignal.requested }
        Serve.log("stopped")
    }

    /// One line on stderr, written whole so lines from client threads do not interleave.
    @Sendable static func log(_ line: String) {
        FileHandle.standardError.write(Data("wakeword serve: \(line)\n".utf8))
    }
}

/// SIGTERM (systemd's stop) and SIGINT (Ctrl-C) ask the server to stop; it checks `requested`.
enum StopSignal {
    private final class Flag: @unchecked Sendable {
        var raised: sig_atomic_t = 0
    }
    private static let flag = Flag()

    static var requested: Bool { flag.raised != 0 }

    static func install() {
        // A launcher may hand us these signals blocked (masks are inherited); we handle them.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
        for number in [SIGINT, SIGTERM] { signal(number) { _ in StopSignal.flag.raised = 1 } }
    }
}
