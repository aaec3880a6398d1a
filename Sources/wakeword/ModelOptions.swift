import ArgumentParser
import Foundation
import WakeWord

/// The models `detect` and `serve` run and when they fire: `--model FILE[:SCORE]` (files or
/// folders of .wakeword files), `--threshold SCORE` for every model, `--threshold NAME=SCORE`
/// for one, `--refractory SECONDS`. A model's own threshold applies where none is given.
struct ModelOptions: ParsableArguments {
    /// A model file as read, with the threshold the command line gives it.
    struct Chosen {
        /// As given, or inside the folder given.
        let path: String
        let model: WakeWordModel
        /// nil: the model's own.
        let threshold: Float?
    }

    @Option(
        name: .customLong("model"),
        help: ArgumentHelp(
            "A model file, or a folder of .wakeword files, with the score it fires at after a colon if not its own (alexa.wakeword:0.9). Repeat for several wake words.",
            valueName: "path[:score]"))
    var models: [ModelArgument]

    @Option(
        name: .customLong("threshold"), parsing: .unconditionalSingleValue,
        help: ArgumentHelp(
            "Fire at this score (0...1) instead of the calibrated threshold: SCORE for every model, NAME=SCORE for the model of that name (repeatable).",
            valueName: "[name=]score"))
    var thresholds: [ThresholdArgument] = []

    @Option(
        parsing: .unconditional, help: "Seconds after a detection in which the same model does not fire again (default: the model's, 1 s).")
    var refractory: Double?

    func validate() throws {
        for threshold in models.compactMap(\.threshold) + thresholds.map(\.score) where !(0...1).contains(threshold) {
            throw ValidationError("--threshold and --model FILE:SCORE take a score between 0 and 1, not \(threshold)")
        }
        let bare = thresholds.filter { $0.name == nil }
        if bare.count > 1 {
            throw ValidationError(
                "--threshold is given \(bare.count) times without a model's name; give each model its own score"
                    + " with --threshold NAME=SCORE or --model FILE:SCORE")
        }
        if let refractory, refractory < 0 || !refractory.isFinite { throw ValidationError("--refractory must be 0 or more seconds") }
    }

    /// Reads the models (each file once, folders' .wakeword files in name order) and gives each
    /// its threshold: FILE:SCORE, else NAME=SCORE, else a bare --threshold, else its own.
    /// Fails if a file is given twice, two models share a name, or a NAME=SCORE names none.
    func load() throws -> [Chosen] {
        var files: [ModelArgument] = []
        var seen: [String: String] = [:]
        for argument in models {
            for path in try ModelOptions.modelFiles(argument.path) {
                let key = URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
                if let earlier = seen[key] {
                    throw WakeWordError.invalidInput(
                        earlier == path
                            ? "--model \(path) is given twice; give each model once"
                            : "--model \(earlier) and \(path) are the same file; give each model once")
                }
                seen[key] = path
                files.append(ModelArgument(path: path, threshold: argument.threshold))
            }
        }
        let read = try files.map { try ModelFile.read(path: $0.path) }
        for (i, model) in read.enumerated() {
            if let j = read[..<i].firstIndex(where: { $0.name == model.name }) {
                throw WakeWordError.invalidInput(
                    "two models are named \(model.name) (\(files[j].path) and \(files[i].path)); rename one with"
                        + " wakeword retune \(files[i].path) --name NEW --output NEW.wakeword")
            }
        }
        let names = read.map(\.name)
        var named: [String: Float] = [:]
        for threshold in thresholds {
            guard let name = threshold.name else { continue }
            guard names.contains(name) else {
                throw WakeWordError.invalidInput(
                    "--threshold \(name)=\(threshold.score): no model is named \(name) (the models: \(names.joined(separator: ", ")))")
            }
            guard named.updateValue(threshold.score, forKey: name) == nil else {
                throw WakeWordError.invalidInput("--threshold \(name)= is given twice; give each model one score")
            }
            if let i = names.firstIndex(of: name), files[i].threshold != nil {
                throw WakeWordError.invalidInput(
                    "\(name) has a score both in --model \(files[i].path):SCORE and in --threshold \(name)=SCORE; give one")
            }
        }
        let everyModel = thresholds.first { $0.name == nil }?.score
        return zip(files, read).map { file, model in
            Chosen(path: file.path, model: model, threshold: file.threshold ?? named[model.name] ?? everyModel)
        }
    }

    /// A model file as given, or the .wakeword files in a folder (sorted).
    static func modelFiles(_ path: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw WakeWordError.fileNotFound(path: path) }
        guard isDirectory.boolValue else { return [path] }
        let files = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".wakeword") }.sorted()
        guard !files.isEmpty else {
            throw WakeWordError.invalidInput("\(path): the folder holds no .wakeword files; pass model files or a folder of them")
        }
        return files.map { (path as NSString).appendingPathComponent($0) }
    }
}
