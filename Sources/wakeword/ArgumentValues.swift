import ArgumentParser
import WakeWord

// The library's choices as command-line values: parsed from their raw values, listed in help.
extension TriggerHead.Kind: ExpressibleByArgument {}
extension TrainingOptions.FinalHead: ExpressibleByArgument {}
extension TrainingOptions.CalibrationHeads: ExpressibleByArgument {}
extension RawAudioFormat.Encoding: ExpressibleByArgument {}
