import Foundation
import WakeWord

/// `detect --exec`: a shell command run on each detection, with the event in its environment
/// (`DetectEvent.environment`). Detection waits for it; its standard input is /dev/null (the
/// tool's may be the audio), its output goes where the tool's goes.
struct DetectionHook {
    let command: String

    /// Runs the command for `event`; a failure to start it is an error, a non-zero exit a
    /// warning on stderr.
    func run(_ event: DetectEvent) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.environment = ProcessInfo.processInfo.environment.merging(event.environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw WakeWordError.invalidInput("--exec: cannot run /bin/sh: \(error.localizedDescription)")
        }
        process.waitUntilExit()
        if process.terminationReason != .exit || process.terminationStatus != 0 {
            let how = process.terminationReason == .exit ? "exited with status" : "was killed by signal"
            FileHandle.standardError.write(
                Data(
                    String(
                        format: "warning: --exec command %@ %d after %@ at %.2f s in %@\n",
                        how, process.terminationStatus, event.detection.model, event.detection.time, event.file
                    ).utf8))
        }
    }
}
