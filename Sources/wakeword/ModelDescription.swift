import Foundation
import WakeWord

/// A model file's header in words, as `info` prints it: the path, then one indented
/// "label: value" line per aspect.
struct ModelDescription {
    struct Field: Equatable {
        let label: String
        let value: String
    }

    let path: String
    let model: WakeWordModel

    var text: String {
        ([path] + fields.map { "  " + "\($0.label):".padding(toLength: 12, withPad: " ", startingAt: 0) + $0.value }).joined(
            separator: "\n")
    }

    var fields: [Field] {
        let training = model.training
        var fields = [
            Field(
                label: "name",
                value: model.name + (model.retuning.map { $0.trainedName == model.name ? "" : " (trained as \($0.trainedName))" } ?? ""))
        ]
        let expected = ModelDescription.expected(training)
        if let retuning = model.retuning {
            let target = retuning.targetFAPerHour.map { String(format: " for %g false accepts per hour", $0) } ?? ""
            fields.append(
                Field(
                    label: "threshold",
                    value: String(
                        format: "%.4f, set by retune on %@%@ (training calibrated %.4f)",
                        model.threshold, retuning.date, target, retuning.trainedThreshold)))
            if let measured = retuning.measured {
                fields.append(Field(label: "measured", value: ModelDescription.describe(measured)))
            }
            fields.append(
                Field(label: "expected", value: String(format: "at training's threshold %.4f: ", retuning.trainedThreshold) + expected))
        } else {
            fields.append(
                Field(
                    label: "threshold",
                    value: String(
                        format: "%.4f, calibrated by training for %g false accepts per hour",
                        model.threshold, training.targetFAPerHour)))
            fields.append(Field(label: "expected", value: expected))
        }
        let head = ModelDescription.describe(model.head, averaging: training.averagedHeads)
        fields.append(
            Field(
                label: "detection",
                value: "encoder block \(model.layer), \(head); \(ModelDescription.describe(model.windowing))"
                    + (model.smoothing > 1 ? "; score averaged over \(model.smoothing) hops" : "")
                    + "; \(ModelDescription.seconds(model.refractory)) refractory"))
        if let screen = model.screen {
            let deep = screen.layer + 1 == model.layer ? "block \(model.layer)" : "blocks \(screen.layer + 1) to \(model.layer)"
            // The folds' average averages the screens too (as wide as the head); a refit fits one.
            let averaged = screen.head.kind == .mlp && screen.head.hidden == model.head.hidden
            let head = ModelDescription.describe(screen.head, averaging: averaged ? training.averagedHeads : nil)
            let opened =
                training.screenOpenedPasses.map { String(format: " (%.1f %% of the negative audio's in training)", 100 * $0) } ?? ""
            fields.append(
                Field(
                    label: "screen",
                    value: String(format: "encoder block %d, %@, logit %.2f; ", screen.layer, head, screen.threshold)
                        + "\(deep) and the head run only on the passes it opens\(opened)"))
        }
        fields.append(
            Field(
                label: "training",
                value: String(
                    format: "%d clips of the word (%d skipped), %d copies each, %d examples; %d negative files (%@); seed %llu",
                    training.positiveClips, training.positiveClipsSkipped, training.copiesPerClip, training.trainingExamples,
                    training.negativeFiles, ModelDescription.duration(training.negativeSeconds), training.seed)))
        fields.append(
            Field(label: "trained", value: "\(training.date.isEmpty ? "(no date)" : training.date) with wakeword \(training.toolVersion)"))
        fields.append(Field(label: "encoder", value: model.encoder.description))
        return fields
    }

    /// "1 s windows every 0.5 s; a score every 0.1 s from the last 1 s and 0.3 s".
    static func describe(_ windowing: Windowing) -> String {
        let rate = Double(AudioFormat.sampleRate)
        let pools = windowing.pools.map { seconds(Double($0) / rate) }
        return "\(seconds(Double(windowing.window) / rate)) windows every \(seconds(Double(windowing.stride) / rate))"
            + (windowing.memory > 0 ? ", each attending to the previous \(seconds(Double(windowing.memory) / rate))" : "")
            + "; a score every \(seconds(Double(windowing.hop) / rate)) from the last "
            + (pools.count > 1 ? pools.dropLast().joined(separator: ", ") + " and " + pools.last! : pools[0])
    }

    /// "2 false accepts in 20.0 s of negative audio (1 file): 360.00 per hour".
    static func describe(_ measured: Retuning.Measurement) -> String {
        let audio = String(
            format: "%d false accept%@ in %@ of negative audio (%d file%@)", measured.falseAccepts, measured.falseAccepts == 1 ? "" : "s",
            duration(measured.negativeSeconds), measured.negativeFiles, measured.negativeFiles == 1 ? "" : "s")
        return audio
            + String(
                format: measured.extrapolated
                    ? ", too short to show the rate: %.2f per hour extrapolated from its highest scores" : ": %.2f per hour",
                measured.faPerHour)
    }

    /// "4.2 % of words missed (1 to 16 %), 0.45 false accepts per hour (0 to 3.4); 90 %
    /// intervals, cross-validated on 15.6 min of negative audio", without the intervals for
    /// files from before them.
    static func expected(_ training: TrainingSummary) -> String {
        let audio = ModelDescription.duration(training.calibrationSeconds)
        guard let frr = training.expectedFRRInterval, let fa = training.expectedFAPerHourInterval else {
            return String(
                format: "%.1f %% of words missed, %.2f false accepts per hour (cross-validated; %@ of negative audio)",
                100 * training.expectedFRR, training.expectedFAPerHour, audio)
        }
        return String(
            format:
                "%.1f %% of words missed (%@ %%), %.2f false accepts per hour (%@); 90 %% intervals, cross-validated on %@ of negative audio",
            100 * training.expectedFRR, range(frr, scale: 100), training.expectedFAPerHour, range(fa, scale: 1), audio)
    }

    /// "1 to 16", "0.23 to 1.1": the interval's ends times `scale`, two significant digits
    /// below 10; an end under 0.01 is "0".
    static func range(_ interval: ConfidenceInterval, scale: Double) -> String {
        func end(_ value: Double) -> String {
            let scaled = value * scale
            return scaled < 0.01 ? "0" : String(format: scaled < 10 ? "%.2g" : "%.0f", scaled)
        }
        return "\(end(interval.lower)) to \(end(interval.upper))"
    }

    /// "20.0 s" under two minutes, else "13.0 min".
    static func duration(_ seconds: Double) -> String {
        seconds < 120 ? String(format: "%.1f s", seconds) : String(format: "%.1f min", seconds / 60)
    }

    /// "0.5 s", "1 s".
    static func seconds(_ value: Double) -> String { String(format: "%g s", value) }

    /// "an mlp head (32 hidden units)", or the average of `averaging` heads.
    static func describe(_ head: TriggerHead, averaging heads: Int?) -> String {
        switch (head.kind, heads) {
        case (.mlp, let heads?): "the average of \(heads) mlp heads (\(head.hidden / heads) hidden units each)"
        case (.linear, let heads?): "the average of \(heads) linear heads"
        case (.mlp, nil): "an mlp head (\(head.hidden) hidden units)"
        case (.linear, nil): "a linear head"
        }
    }
}
