/// The path from samples to head inputs, shared by detection and training so both see the
/// same features: the stream is cut into encoder passes by a `WindowSchedule`; each pass
/// goes through log-mel and the encoder once and appends the positions it keeps to a short
/// history; at every hop the history is averaged over each pool length before the hop.
/// Memory is bounded by one window of samples and the longest pool of positions. Heads that
/// pool differently (`poolings`) share the passes; each is scored from its own first hop.
public struct FeatureStream: Sendable {
    /// The head inputs scored after one encoder pass, for each pooling.
    public struct Pass: Sendable {
        /// Per pooling: hops scored (stream samples) and [hops.count, width · pools] for each
        /// tapped layer.
        public let pooled: [(hops: [Int], features: [Int: Matrix])]
        /// Hops scored with the stream's own windowing.
        public var hops: [Int] { pooled[0].hops }
        /// Head inputs with the stream's own windowing, for each tapped layer.
        public var features: [Int: Matrix] { pooled[0].features }
    }

    public let windowing: Windowing
    /// Pool lengths of each pooling scored; the first is `windowing.pools`.
    public let poolings: [[Int]]
    public let layers: Set<Int>
    let encoder: WhisperEncoder
    let logMel: LogMel
    private var schedule: WindowSchedule
    private var buffer: [Float] = []
    private var bufferStart = 0
    /// Kept encoder positions per layer, row-major [positions, width], starting at stream
    /// position `historyStart`.
    private var history: [Int: [Float]]
    private var historyStart = 0
    /// The previous full pass's attention state, when the windowing carries memory.
    private var memory: WhisperEncoder.StreamMemory?
    /// Samples pushed so far.
    public private(set) var total = 0

    /// `otherPoolings`: more pool-length sets to score from the same passes; none may start
    /// scoring before `windowing` does (see `Windowing.firstHop`).
    public init(encoder: WhisperEncoder, windowing: Windowing, layers: Set<Int>, logMel: LogMel = LogMel(), otherPoolings: [[Int]] = []) {
        precondition(windowing.problem == nil, windowing.problem ?? "")
        (self.encoder, self.windowing, self.layers, self.logMel) = (encoder, windowing, layers, logMel)
        poolings = [windowing.pools] + otherPoolings
        precondition(otherPoolings.allSatisfy { $0.max()! >= windowing.pools.max()! }, "other poolings start scoring later")
        schedule = WindowSchedule(windowing: windowing)
        history = Dictionary(uniqueKeysWithValues: layers.map { ($0, []) })
        historyStart = schedule.keptUpTo / Windowing.samplesPerPosition
    }

    /// Feature length with the stream's own windowing: encoder width times the number of pools.
    public var featureCount: Int { encoder.dimensions.width * windowing.pools.count }

    /// Appends 16 kHz samples; returns what the passes they complete score.
    public mutating func push(_ samples: [Float]) -> [Pass] {
        buffer.append(contentsOf: samples)
        total += samples.count
        var result: [Pass] = []
        for pass in schedule.passes(available: total) { result.append(run(pass, streaming: true)) }
        let keep = max(bufferStart, schedule.oldestNeeded(available: total))
        if keep > bufferStart {
            buffer.removeFirst(min(keep - bufferStart, buffer.count))
            bufferStart = keep
        }
        return result
    }

    /// Ends the stream: the last pass scores the hops no full window reached.
    public mutating func finish() -> [Pass] {
        guard let pass = schedule.finish(total: total), !pass.hops.isEmpty else { return [] }
        // The last pass overlaps the previous one, which gives it left context of its own.
        return [run(pass, streaming: false)]
    }

    private mutating func run(_ pass: WindowSchedule.Pass, streaming: Bool) -> Pass {
        var window = [Float](repeating: 0, count: windowing.window)
        for i in max(0, bufferStart - pass.start)..<windowing.window { window[i] = buffer[pass.start + i - bufferStart] }
        let unitsKept = streaming ? windowing.memory / Windowing.samplesPerPosition : 0
        let (encoded, next) = encoder.encode(logMel(window), layers: layers, memory: streaming ? memory : nil, keep: unitsKept)
        if streaming { memory = next }
        let unit = Windowing.samplesPerPosition
        let width = encoder.dimensions.width
        let keepRows = ((pass.keepFrom - pass.start) / unit)..<(windowing.window / unit)
        let longest = poolings.joined().max()! / unit
        for layer in layers {
            let output = encoded[layer]!
            history[layer]!.append(contentsOf: output.values[(keepRows.lowerBound * width)..<(keepRows.upperBound * width)])
        }
        let pooled = poolings.map { pools in
            var own = windowing
            own.pools = pools
            let hops = pass.hops.filter { $0 >= own.firstHop }
            return (hops: hops, features: Dictionary(uniqueKeysWithValues: layers.map { ($0, pool(history[$0]!, hops: hops, pools: pools)) }))
        }
        // Later hops end after this pass, so their pools start after end - longest.
        let firstNeeded = max(historyStart, pass.end(windowing) / unit - longest)
        if firstNeeded > historyStart {
            for layer in layers { history[layer]!.removeFirst((firstNeeded - historyStart) * width) }
            historyStart = firstNeeded
        }
        return Pass(pooled: pooled)
    }

    /// [hops.count, width · pools]: for each hop, the mean of the history rows in each pool
    /// before it (rows [end - pool, end)).
    private func pool(_ history: [Float], hops: [Int], pools: [Int]) -> Matrix {
        let unit = Windowing.samplesPerPosition
        let width = encoder.dimensions.width
        var out = Matrix(rows: hops.count, columns: width * pools.count)
        history.withUnsafeBufferPointer { rows in
            for (i, hop) in hops.enumerated() {
                let end = hop / unit - historyStart
                for (p, pool) in pools.enumerated() {
                    let count = pool / unit
                    let scale = 1 / Float(count)
                    for c in 0..<width {
                        var sum: Float = 0
                        for r in (end - count)..<end { sum += rows[r * width + c] }
                        out.values[i * out.columns + p * width + c] = sum * scale
                    }
                }
            }
        }
        return out
    }
}
