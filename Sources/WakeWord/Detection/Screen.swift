/// A model's first stage, for a cascade (Viola and Jones 2001; two-stage keyword spotters
/// such as Alexa's, Gao et al. 2020): a small head on an early encoder block that every pass
/// runs. The blocks after it and the model's own head run only on passes where one of the
/// screen's hops reaches `threshold`, so most audio costs the front end and `layer` blocks.
/// Training sets the threshold from held-out words and the share of negative audio it opens
/// (`TrainingOptions.screenRecall`, `screenOpening`); the model's own threshold is calibrated
/// with every pass run (a screen only takes false accepts away), and the false rejects
/// `train` prints are read behind the screen, so they include the words it drops.
public struct Screen: Sendable, Equatable {
    /// Encoder block the screen reads (1...L), before the model's own layer.
    public var layer: Int
    /// Reads the same pools as the model's head, on block `layer`.
    public var head: TriggerHead
    /// Logit at or over which a hop opens its pass.
    public var threshold: Float

    /// The logit a hop gets where no screen opened its pass: the model's head never ran
    /// there, and σ(−30) ≈ 1e-13 is below any threshold.
    public static let closedLogit: Float = -30

    public init(layer: Int, head: TriggerHead, threshold: Float) {
        (self.layer, self.head, self.threshold) = (layer, head, threshold)
    }

    /// Whether any row of [hops, width · pools] inputs from block `layer` opens the pass.
    public func opens(_ features: Matrix) -> Bool {
        head.logits(features).contains { $0 >= threshold }
    }
}

extension Screen {
    /// A screen's logits at a stream's hops (stream samples, increasing), as training holds
    /// them out.
    struct Trace {
        let hops: [Int]
        let screenLogits: [Float]

        /// The pass of `windowing` that scores `hop`: pass k keeps the hops in
        /// (k·stride + window − stride, k·stride + window], pass 0 every hop up to the window.
        static func pass(_ hop: Int, _ windowing: Windowing) -> Int {
            max(0, (hop - windowing.window + windowing.stride - 1) / windowing.stride)
        }

        /// The highest screen logit of each pass with hops.
        func highest(_ windowing: Windowing) -> [Int: Float] {
            var byPass: [Int: Float] = [:]
            for (hop, logit) in zip(hops, screenLogits) {
                let pass = Trace.pass(hop, windowing)
                byPass[pass] = max(byPass[pass] ?? -.infinity, logit)
            }
            return byPass
        }

        /// The passes some hop of which reaches `threshold`, and all passes with hops.
        func passes(threshold: Float, windowing: Windowing) -> (opened: Set<Int>, all: Set<Int>) {
            let byPass = highest(windowing)
            return (Set(byPass.filter { $0.value >= threshold }.keys), Set(byPass.keys))
        }
    }

    /// The logits detection computes behind a screen at `threshold`: a hop keeps its logit
    /// where some hop of its pass opens it, else `closedLogit`. Hops missing from the trace
    /// (a scene keeps only its labelled hops) are taken as closed.
    static func gated(_ logits: [Float], trace: Trace, threshold: Float, windowing: Windowing) -> [Float] {
        precondition(logits.count == trace.hops.count && trace.screenLogits.count == trace.hops.count)
        let opened = trace.passes(threshold: threshold, windowing: windowing).opened
        return zip(trace.hops, logits).map { opened.contains(Trace.pass($0, windowing)) ? $1 : closedLogit }
    }

    /// The threshold at which a screen opens `fraction` of the traces' passes: the level the
    /// highest screen logits of that share of the passes reach (−∞ with no passes).
    static func level(opening fraction: Double, _ traces: [Trace], windowing: Windowing) -> Float {
        var highest = traces.flatMap { $0.highest(windowing).values }
        guard !highest.isEmpty else { return -.infinity }
        highest.sort(by: >)
        return highest[min(highest.count - 1, max(0, Int(Double(highest.count) * fraction) - 1))]
    }

    /// The fraction of the traces' passes a screen at `threshold` opens: the share of the
    /// audio on which detection runs the blocks after the screen's (0 with no passes).
    static func openedFraction(_ traces: [Trace], threshold: Float, windowing: Windowing) -> Double {
        let counts = traces.map { $0.passes(threshold: threshold, windowing: windowing) }
        let all = counts.reduce(0) { $0 + $1.all.count }
        return all == 0 ? 0 : Double(counts.reduce(0) { $0 + $1.opened.count }) / Double(all)
    }
}
