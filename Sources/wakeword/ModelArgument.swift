import ArgumentParser
import Foundation

/// One `--model` value: a model file or a folder of them, with the score it fires at when
/// given after a colon ("alexa.wakeword:0.9"). A path that exists as written is taken whole,
/// colon and all.
struct ModelArgument: ExpressibleByArgument, Equatable {
    let path: String
    /// In [0, 1] once validated; nil for the model's own threshold.
    let threshold: Float?

    init(path: String, threshold: Float?) {
        (self.path, self.threshold) = (path, threshold)
    }

    init?(argument: String) {
        guard !argument.isEmpty else { return nil }
        if !FileManager.default.fileExists(atPath: argument), let colon = argument.lastIndex(of: ":"), colon != argument.startIndex,
            let score = Float(argument[argument.index(after: colon)...])
        {
            self.init(path: String(argument[..<colon]), threshold: score)
        } else {
            self.init(path: argument, threshold: nil)
        }
    }
}
