/// The path from samples to head inputs, shared by detection and training so both see the
/// same features: the stream is cut into encoder passes by a `WindowSchedule`; each pass
/// goes through log-mel and the encoder (a cascade's opened pass runs the screen's block
/// twice, below) and appends the positions it keeps to a short
/// `PositionHistory`; at every hop the history is averaged over each pool length before the
/// hop. Memory is bounded by one window of samples and the longest pool of positions. Heads
/// reading different layers or pooling differently (`taps`) share the passes.
///
/// With a cascade (`screenLayer`), every pass runs the encoder only through block
/// `screenLayer` and scores the taps up to it; the blocks after it run only on passes the
/// caller opens (`push(_:open:)`), and on the kept earlier passes their pools reach back to,
/// from the residual before the screen's block (run whole there). An opened pass's deep taps
/// are exactly what a stream without a cascade computes.
///
/// The deepest block a pass runs (the screen's on a pass nobody opens) computes only the
/// positions the pass keeps (its last `stride`, less on a finished stream's final pass;
/// `WhisperEncoder.resume(_:through:positions:)`), about 40 % of that block's work saved; the
/// taps before it are the whole blocks' rows there.
/// Training streams as a cascade that opens every pass, so its screen and head read exactly
/// what detection computes.
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

    /// The head inputs scored after one encoder pass, for every tap it computed: all of them,
    /// or with a cascade, on a pass nobody opened, only those up to the screen layer.
    public struct Pass: Sendable {
        let inputs: [Tap: HeadInputs]
        /// The hops each tap scores after this pass, computed or not.
        let hops: [Tap: [Int]]

        /// The rows `tap` reads (one of the stream's taps, computed on this pass).
        public func inputs(_ tap: Tap) -> HeadInputs {
            guard let rows = inputs[tap] else { preconditionFailure("the pass did not compute tap \(tap)") }
            return rows
        }

        /// The rows `tap` reads, or nil when a cascade left its blocks unrun on this pass.
        public func computed(_ tap: Tap) -> HeadInputs? { inputs[tap] }

        /// The hops `tap` scores after this pass (stream samples at their ends).
        public func hops(_ tap: Tap) -> [Int] {
            guard let hops = hops[tap] else { preconditionFailure("the stream has no tap \(tap)") }
            return hops
        }
    }

    /// Encoder passes run so far (windows), and how many of them ran the blocks after the
    /// screen layer: every one without a cascade; with one, those opened and the earlier ones
    /// their pools reached back to. What a cascade spares is the rest.
    public struct PassCount: Sendable, Equatable {
        /// Encoder passes (windows) run.
        public var passes = 0
        /// Of those, the passes that also ran the blocks after the screen layer.
        public var deep = 0

        public init(passes: Int = 0, deep: Int = 0) {
            (self.passes, self.deep) = (passes, deep)
        }

        /// deep / passes, a fraction from 0 to 1 (0 before any pass).
        public var deepShare: Double { passes == 0 ? 0 : Double(deep) / Double(passes) }

        public static func + (a: PassCount, b: PassCount) -> PassCount {
            PassCount(passes: a.passes + b.passes, deep: a.deep + b.deep)
        }
    }

    /// A pass whose blocks after the screen layer have not run yet: kept while later hops'
    /// pools may reach back into what it keeps.
    private struct ScreenedPass: Sendable {
        /// Before block `screenLayer` (after the blocks before it), for the whole window: the
        /// screen's block ran at the kept positions only, and runs whole here if the pass opens.
        let residual: WhisperEncoder.ResidualStream
        let window: Range<Int>
        /// First stream sample whose positions the pass contributes.
        let keepFrom: Int
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
    /// The deepest block every pass runs when the stream is a cascade; nil: all of them.
    public let screenLayer: Int?
    /// Positions of the layers after `screenLayer` (cascade only); it restarts where an
    /// opened pass needs it after passes that stayed closed.
    private var deepHistory: PositionHistory?
    /// The latest passes, cascade only, oldest first, as far back as a later hop's pools reach.
    private var screened: [ScreenedPass] = []

    /// Passes of `windowing`'s window, stride, hop and memory, scoring every tap. The passes
    /// are scheduled for the tap that scores first (the shortest longest pool); the others
    /// start scoring at their own `Windowing.firstHop`.
    ///
    /// `screenLayer` makes it a cascade: the taps on blocks after it are computed only on
    /// passes `push(_:open:)` opens. A cascade carries no attention memory.
    public init(encoder: WhisperEncoder, windowing: Windowing, taps: Set<Tap>, logMel: LogMel = LogMel(), screenLayer: Int? = nil) {
        precondition(!taps.isEmpty, "a stream needs a tap")
        precondition(
            screenLayer.map { layer in windowing.memory == 0 && taps.contains { $0.layer <= layer } } ?? true,
            "a cascade needs a tap at or before its screen layer and no attention memory")
        for tap in taps {
            var own = windowing
            own.pools = tap.pools
            precondition(own.problem == nil, own.problem ?? "")
        }
        var lead = windowing
        lead.pools = taps.map(\.pools).sorted { $0.max()! != $1.max()! ? $0.max()! < $1.max()! : $0.lexicographicallyPrecedes($1) }[0]
        (self.encoder, self.windowing, self.taps, self.logMel) = (encoder, lead, taps, logMel)
        layers = Set(taps.map(\.layer))
        self.screenLayer = screenLayer
        schedule = WindowSchedule(windowing: lead)
        let always = layers.filter { $0 <= screenLayer ?? Int.max }
        history = PositionHistory(layers: always, width: encoder.dimensions.width, start: schedule.keptUpTo)
        if always != layers {
            deepHistory = PositionHistory(layers: layers.subtracting(always), width: encoder.dimensions.width, start: schedule.keptUpTo)
        }
    }

    /// Samples pushed so far.
    public var total: Int { buffer.end }
    /// The passes run so far.
    public private(set) var passCount = PassCount()

    /// Appends 16 kHz samples; returns what the passes they complete score. In a cascade,
    /// `open` sees each pass's taps up to the screen layer and says whether to run the rest.
    public mutating func push(_ samples: [Float], open: (Pass) -> Bool = { _ in true }) -> [Pass] {
        buffer.append(samples)
        var result: [Pass] = []
        for pass in schedule.passes(available: total) { result.append(run(pass, open: open)) }
        buffer.trim(before: schedule.oldestNeeded(available: total))
        return result
    }

    /// Ends the stream: the last pass scores the hops no full window reached.
    public mutating func finish(open: (Pass) -> Bool = { _ in true }) -> [Pass] {
        guard let pass = schedule.finish(total: total), !pass.hops.isEmpty else { return [] }
        return [run(pass, open: open)]
    }

    /// The hops `tap` scores among a pass's.
    private func hops(_ tap: Tap, of pass: WindowSchedule.Pass) -> [Int] {
        var own = windowing
        own.pools = tap.pools
        return pass.hops.filter { $0 >= own.firstHop }
    }

    private var longestPool: Int { taps.map { $0.pools.max()! }.max()! }

    /// The encoder positions of `window` at stream samples [`from`, window end): what a pass
    /// keeps, and all that the deepest block it runs computes.
    private func kept(_ window: Range<Int>, from: Int) -> Range<Int> {
        let unit = Windowing.samplesPerPosition
        return ((from - window.lowerBound) / unit)..<(window.count / unit)
    }

    private mutating func run(_ pass: WindowSchedule.Pass, open: (Pass) -> Bool) -> Pass {
        passCount.passes += 1
        guard let screenLayer else {
            passCount.deep += 1
            return run(pass)
        }
        let positions = kept(pass.window, from: pass.keepFrom)
        var residual = encoder.begin([logMel(buffer.window(from: pass.start, count: windowing.window))])
        var outputs: [Int: Matrix] = [:]
        for layer in 1..<screenLayer {
            residual = encoder.resume(residual, through: layer)
            if layers.contains(layer) { outputs[layer] = encoder.outputs(residual, positions: positions)[0] }
        }
        screened.append(ScreenedPass(residual: residual, window: pass.window, keepFrom: pass.keepFrom))
        // The screen's block, the deepest every pass runs, at the kept positions only.
        if layers.contains(screenLayer) {
            outputs[screenLayer] = encoder.outputs(encoder.resume(residual, through: screenLayer, positions: positions))[0]
        }
        history.append(outputs, from: pass.keepFrom)
        let cheap = taps.filter { $0.layer <= screenLayer }
        let allHops = Dictionary(uniqueKeysWithValues: taps.map { ($0, hops($0, of: pass)) })
        var inputs = Dictionary(
            uniqueKeysWithValues: cheap.map { tap in
                (tap, HeadInputs(hops: allHops[tap]!, features: history.pooled(layer: tap.layer, hops: allHops[tap]!, pools: tap.pools)))
            })
        if deepHistory != nil, open(Pass(inputs: inputs, hops: allHops)) {
            runDeep(before: pass)
            for tap in taps.subtracting(cheap) {
                inputs[tap] = HeadInputs(
                    hops: allHops[tap]!, features: deepHistory!.pooled(layer: tap.layer, hops: allHops[tap]!, pools: tap.pools))
            }
        }
        let oldest = pass.end - longestPool
        history.trim(before: oldest)
        if let deep = deepHistory, deep.end >= oldest { deepHistory!.trim(before: oldest) }
        screened.removeAll { $0.window.upperBound <= oldest }
        return Pass(inputs: inputs, hops: allHops)
    }

    /// Runs the blocks after the screen layer on the kept passes whose positions the hops
    /// up to `pass`'s end pool over and the deep history lacks, oldest first; the history
    /// restarts at the oldest of them when passes between stayed closed.
    private mutating func runDeep(before pass: WindowSchedule.Pass) {
        let reach = (pass.hops.min() ?? pass.end) - longestPool
        if let end = deepHistory?.end, !screened.contains(where: { $0.keepFrom == end }) || end < reach {
            let from = screened.last { $0.keepFrom <= reach }?.keepFrom ?? screened[0].keepFrom
            deepHistory = PositionHistory(layers: deepHistory!.layers, width: encoder.dimensions.width, start: from)
        }
        for kept in screened where kept.keepFrom >= deepHistory!.end {
            passCount.deep += 1
            var residual = kept.residual
            var outputs: [Int: Matrix] = [:]
            let (deepest, positions) = (layers.max()!, self.kept(kept.window, from: kept.keepFrom))
            for layer in (residual.layer + 1)...deepest {
                residual = encoder.resume(residual, through: layer, positions: layer == deepest ? positions : nil)
                if deepHistory!.layers.contains(layer) { outputs[layer] = encoder.outputs(residual, positions: positions)[0] }
            }
            deepHistory!.append(outputs, from: kept.keepFrom)
        }
    }

    private mutating func run(_ pass: WindowSchedule.Pass) -> Pass {
        // Attention memory joins consecutive full passes; the final pass has left context of
        // its own (it overlaps the previous one) and neither reads nor writes it.
        let carriesMemory = !pass.isFinal
        let mel = logMel(buffer.window(from: pass.start, count: windowing.window))
        let (encoded, next) = encoder.encode(
            mel, layers: layers, memory: carriesMemory ? memory : nil,
            keep: carriesMemory ? windowing.memory / Windowing.samplesPerPosition : 0,
            positions: kept(pass.window, from: pass.keepFrom))
        if carriesMemory { memory = next }
        history.append(encoded, from: pass.keepFrom)
        let allHops = Dictionary(uniqueKeysWithValues: taps.map { ($0, hops($0, of: pass)) })
        let inputs = Dictionary(
            uniqueKeysWithValues: taps.map { tap in
                (tap, HeadInputs(hops: allHops[tap]!, features: history.pooled(layer: tap.layer, hops: allHops[tap]!, pools: tap.pools)))
            })
        // Later hops end after this pass, so their pools start after its end minus the longest pool.
        history.trim(before: pass.end - longestPool)
        return Pass(inputs: inputs, hops: allHops)
    }
}
