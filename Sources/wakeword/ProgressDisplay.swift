import ArgumentParser
import Foundation
import WakeWord

/// Progress on stderr: a redrawn bar with counts and ETA on a terminal, a plain line every
/// few seconds otherwise, nothing when quiet.
final class ProgressDisplay: @unchecked Sendable {
    private let quiet: Bool
    private let terminal = isatty(STDERR_FILENO) == 1
    private let lock = NSLock()
    private var stage = ""
    private var stageStart = Date()
    private var lastDraw = Date.distantPast

    init(quiet: Bool) {
        self.quiet = quiet
    }

    /// Reports `done` of `total` in `stage`.
    func update(_ stage: String, done: Int, total: Int) {
        guard !quiet else { return }
        lock.withLock {
            let now = Date()
            if stage != self.stage {
                if terminal && !self.stage.isEmpty { write("\n") }
                (self.stage, stageStart, lastDraw) = (stage, now, .distantPast)
            }
            let finished = done >= total
            guard finished || now.timeIntervalSince(lastDraw) >= (terminal ? 0.1 : 5) else { return }
            lastDraw = now
            let elapsed = now.timeIntervalSince(stageStart)
            let eta =
                done > 0 && !finished
                ? String(format: ", ETA %@", ProgressDisplay.clock(elapsed / Double(done) * Double(total - done))) : ""
            let counts = "\(done)/\(total)"
            if terminal {
                let width = 30
                let filled = total > 0 ? width * done / total : width
                let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
                write(
                    "\r\(stage.padding(toLength: 18, withPad: " ", startingAt: 0)) \(bar) \(counts) \(ProgressDisplay.clock(elapsed))\(eta)\u{1B}[K"
                        + (finished ? "\n" : ""))
                if finished { self.stage = "" }
            } else {
                write("\(stage): \(counts) (\(ProgressDisplay.clock(elapsed))\(eta))\n")
            }
        }
    }

    /// A line of its own, between progress updates.
    func message(_ text: String) {
        lock.withLock {
            if terminal && !stage.isEmpty {
                write("\n")
                stage = ""
            }
            write(text + "\n")
        }
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}

/// Ctrl-C: the first press asks running work to stop cleanly (it checks `requested`); the
/// second ends the process at once.
enum Interrupt {
    private static let flag = Flag()

    static var requested: Bool { flag.value }

    /// Runs `body`; if it stopped because of Ctrl-C, says so on stderr and exits with 130.
    static func exitCleanly(run body: () throws -> Void) throws {
        do {
            try body()
        } catch WakeWordError.interrupted {
            FileHandle.standardError.write(Data("wakeword: \(WakeWordError.interrupted)\n".utf8))
            throw ExitCode(130)
        }
    }

    static func install() {
        // A launcher may hand us SIGINT blocked (masks are inherited); we handle it, so unblock it.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        signal(SIGINT) { _ in
            if Interrupt.flag.value { _exit(130) }
            Interrupt.flag.set()
            let message = "\nwakeword: stopping (Ctrl-C again to quit at once)\n"
            _ = message.withCString { write(STDERR_FILENO, $0, strlen($0)) }
        }
    }

    private final class Flag: @unchecked Sendable {
        private var raised: sig_atomic_t = 0
        var value: Bool { raised != 0 }
        func set() { raised = 1 }
    }
}
