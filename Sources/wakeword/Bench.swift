import ArgumentParser
import Foundation
import WakeWord

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the encoder's speed on this machine against the sgemm floor, on one thread.",
        discussion: """
            For each input length: CPU time of one encoder pass (median of --repeats), audio seconds per CPU second, and \
            the achieved GFLOPS next to OpenBLAS sgemm's GFLOPS measured in the same run on the encoder's largest matrix \
            shape. The floor is the speed the encoder would have if all its FLOPs ran at the sgemm rate.

            Example:
              wakeword bench --seconds 1,10 --layer 3
            """)

    @Option(parsing: .unconditional, help: "Input lengths in seconds, comma-separated.")
    var seconds: String = "1,2,10"

    @Option(parsing: .unconditional, help: "Timed passes per length; the median is reported.")
    var repeats: Int = 15

    @Option(parsing: .unconditional, help: "Encoder blocks to run (default: all).")
    var layer: Int?

    @OptionGroup var encoder: EncoderOptions

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
        guard lengths.allSatisfy({ $0 > 0 && $0 <= 30 }), !lengths.isEmpty else {
            throw ValidationError("--seconds takes lengths between 0 and 30, e.g. 1,2,10")
        }
    }

    private var lengths: [Double] { seconds.split(separator: ",").compactMap { Double($0) } }

    func run() throws {
        BLAS.setThreads(1)
        let model = try encoder.load()
        if let layer, !(1...model.dimensions.layers).contains(layer) {
            throw WakeWordError.invalidInput("--layer \(layer) is outside 1...\(model.dimensions.layers) for this encoder")
        }
        let logMel = LogMel()
        let width = model.dimensions.width
        let sgemm = sgemmGFLOPS(rows: 500, inner: width, columns: 4 * width)
        print("encoder: \(model.identity)")
        print("one thread; sgemm [500×\(width)]·[\(width)×\(4 * width)]: \(format(sgemm, 1)) GFLOPS (median of \(repeats))")
        print("input  positions  GFLOP/pass  CPU ms/pass  audio s/CPU s  GFLOPS  % of sgemm  floor audio s/CPU s")
        var generator = SplitMix64(seed: 1)
        for length in lengths {
            let samples = (0..<Int(length * Double(AudioFormat.sampleRate))).map { _ in Float.random(in: -0.1...0.1, using: &generator) }
            let mel = logMel(samples)
            let positions = WhisperEncoder.positions(frames: mel.columns)
            _ = model.encode(mel, layer: layer)
            let times = (0..<repeats).map { _ in CPUClock.measure { _ = model.encode(mel, layer: layer) } }
            let cpu = median(times)
            let flops = model.flops(positions: positions, layer: layer)
            let achieved = flops / cpu / 1e9
            print(
                [
                    pad("\(format(length, 0)) s", 5), pad("\(positions)", 10), pad(format(flops / 1e9, 3), 11),
                    pad(format(cpu * 1000, 2), 12), pad(format(length / cpu, 1), 14), pad(format(achieved, 1), 7),
                    pad(format(100 * achieved / sgemm, 0), 11), format(length / (flops / (sgemm * 1e9)), 1),
                ]
                .joined(separator: " "))
        }
    }

    /// GFLOPS of sgemm on [rows, inner]·[inner, columns] (the feed-forward shape), median of repeats.
    private func sgemmGFLOPS(rows: Int, inner: Int, columns: Int) -> Double {
        let a = Matrix(rows: rows, columns: inner, values: (0..<(rows * inner)).map { Float($0 % 7) * 0.1 })
        let b = Matrix(rows: columns, columns: inner, values: (0..<(columns * inner)).map { Float($0 % 5) * 0.1 })
        _ = BLAS.multiply(a, b, transposeB: true)
        let times = (0..<repeats).map { _ in CPUClock.measure { for _ in 0..<4 { _ = BLAS.multiply(a, b, transposeB: true) } } / 4 }
        return 2 * Double(rows * inner * columns) / median(times) / 1e9
    }

    private func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
    private func format(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
    private func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
}
