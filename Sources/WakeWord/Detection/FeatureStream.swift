/// The path from samples to head inputs, shared by detection and training so both see the
/// same features: the stream is cut into encoder passes by a `WindowSchedule`; each pass
/// goes through log-mel and the encoder once and appends the positions it keeps to a short
/// `PositionHistory`; at every hop the history is averaged over each pool length before the
/// hop. Memory is bounded by one window of samples and the longest pool of positions. Heads
/// reading different layers or pooling differently (`taps`) share the passes.
///
/// Every position is a stream sample (sample 0 is the first one pushed); only the encoder
/// counts in its own positions (320 samples each), converted where it is called.
public struct FeatureStream: Sendable {
    /// What a head reads from a stream: the mean encoder output of layer `layer` over each of
    /// `pools` (lengths in samples, as in `Windowing.pools`) before every hop.
    public struct Tap: Hashable, Sendable {
        public let pools: [Int]
        public let layer: Int

        public init(pools: [Int], layer: Int) {
            (self.pools, self.layer) = (pools, layer)
        }

        /// What `model` was trained on.
        public init(_ model: WakeWordModel) {
            self.init(pools: model.windowing.pools, layer: model.layer)
        }
    }

    /// One tap's rows from one pass: the hops scored (stream samples at their ends) and
    /// [hops.count, width · pools.count] head inputs.
    public struct HeadInputs: Sendable {
        public let hops: [Int]
        public let features: Matrix
    }

    /// The head inputs scored after one encoder pass, for every tap.
    public struct Pass: Sendable {
        let inputs: [Tap: HeadInputs]

        /// The rows `tap` reads (one of the stream's taps).
        public func inputs(_ tap: Tap) -> HeadInputs {
            guard let rows = inputs[tap] else { preconditionFailure("the stream has no tap \(tap)") }
            return rows
        }
    }

    /// The passes' geometry; its pools are those of the tap that scores first.
    public let windowing: Windowing
    public let taps: Set<Tap>
    /// The encoder blocks tapped.
    private let layers: Set<Int>
    let encoder: WhisperEncoder
    let logMel: LogMel
    private var schedule: WindowSchedule
    private var buffer = SampleBuffer()
    private var history: PositionHistory
    /// The previous full pass's attention state, when the windowing carries memory.
    private var memory: WhisperEncoder.StreamMemory?

    /// Passes of `windowing`'s window, stride, hop and memory, scoring every tap. The passes
    /// are scheduled for the tap that scores first (the shortest longest pool); the others
    /// start scoring at their own `Windowing.firstHop`.
    public init(encoder: WhisperEncoder, windowing: Windowing, taps: Set<Tap>, logMel: LogMel = LogMel()) {
        precondition(!taps.isEmpty, "a stream needs a tap")
        for tap in taps {
            var own = windowing
            own.pools = tap.pools
            precondition(own.problem == nil, own.problem ?? "")
        }
        var lead = windowing
        lead.pools = taps.map(\.pools).sorted { $0.max()! != $1.max()! ? $0.max()! < $1.max()! : $0.lexicographicallyPrecedes($1) }[0]
        (self.encoder, self.windowing, self.taps, self.logMel) = (encoder, lead, taps, logMel)
        layers = Set(taps.map(\.layer))
        schedule = WindowSchedule(windowing: lead)
        history = PositionHistory(layers: layers, width: encoder.dimensions.width, start: schedule.keptUpTo)
    }

    /// Samples pushed so far.
    public var total: Int { buffer.end }

    /// Appends 16 kHz samples; returns what the passes they complete score.
    public mutating func push(_ samples: [Float]) -> [Pass] {
        buffer.append(samples)
        var result: [Pass] = []
        for pass in schedule.passes(available: total) { result.append(run(pass)) }
        buffer.trim(before: schedule.oldestNeeded(available: total))
        return result
    }

    /// Ends the stream: the last pass scores the hops no full window reached.
    public mutating func finish() -> [Pass] {
        guard let pass = schedule.finish(total: total), !pass.hops.isEmpty else { return [] }
        return [run(pass)]
    }

    private mutating func run(_ pass: WindowSchedule.Pass) -> Pass {
        // Attention memory joins consecutive full passes; the final pass has left context of
        // its own (it overlaps the previous one) and neither reads nor writes it.
        let carriesMemory = !pass.isFinal
        let mel = logMel(buffer.window(from: pass.start, count: windowing.window))
        let (encoded, next) = encoder.encode(
            mel, layers: layers, memory: carriesMemory ? memory : nil,
            keep: carriesMemory ? windowing.memory / Windowing.samplesPerPosition : 0)
        if carriesMemory { memory = next }
        history.append(encoded, window: pass.window, from: pass.keepFrom)
        let inputs = Dictionary(
            uniqueKeysWithValues: taps.map { tap in
                var own = windowing
                own.pools = tap.pools
                let hops = pass.hops.filter { $0 >= own.firstHop }
                return (tap, HeadInputs(hops: hops, features: history.pooled(layer: tap.layer, hops: hops, pools: tap.pools)))
            })
        // Later hops end after this pass, so their pools start after its end minus the longest pool.
        history.trim(before: pass.end - taps.map { $0.pools.max()! }.max()!)
        return Pass(inputs: inputs)
    }
}
