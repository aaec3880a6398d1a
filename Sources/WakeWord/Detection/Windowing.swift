/// How a stream is cut into encoder passes and scores; fixed at training time and stored
/// in the model file, so training and detection see the same inputs. All lengths are in
/// 16 kHz samples and multiples of one encoder position (320 samples, 20 ms).
///
/// Passes of `window` samples start every `stride`; each pass contributes the positions of
/// its last `stride` samples to one continuous sequence of encoder outputs, so every
/// position is kept from exactly one pass, with window − stride of left context. With stride equal
/// to window, every second of audio crosses the encoder once; a shorter stride buys more
/// left context for each kept position at window / stride times the cost. Every `hop`
/// samples the head scores the mean of that sequence over each of the `pools` lengths
/// before the hop (concatenated), across window boundaries where they fall inside a pool.
public struct Windowing: Codable, Sendable, Equatable, CustomStringConvertible {
    public static let samplesPerPosition = 2 * LogMel.hop

    public var window: Int
    public var stride: Int
    public var hop: Int
    /// Pool lengths, longest first.
    public var pools: [Int]
    /// Samples at the end of each pass whose attention keys and values the next pass also
    /// attends to (0 for none): left context without encoding anything twice. Needs stride
    /// equal to window.
    public var memory = 0

    /// 1 s passes every 0.5 s (each second encoded twice, each kept position with 0.5 s of
    /// left context); a score every 0.1 s from the mean encoder output of the last 1 s and
    /// of the last 0.3 s. Chosen by measurement (Benchmarks/RESULTS.md).
    public static let standard = Windowing(window: 16_000, stride: 8_000, hop: 1_600, pools: [16_000, 4_800])

    public init(window: Int, stride: Int, hop: Int, pools: [Int], memory: Int = 0) {
        self.window = window
        self.stride = stride
        self.hop = hop
        self.pools = pools
        self.memory = memory
    }

    /// The first hop that is scored: the longest pool after the first kept position
    /// (window − stride into the stream), in whole hops.
    public var firstHop: Int { ((pools.max() ?? 0) + window - stride + hop - 1) / hop * hop }

    /// Whether `other` makes the same encoder passes (window, stride, hop and memory equal):
    /// pools only shape what is scored, so such models can share one `FeatureStream`.
    public func sharesPasses(with other: Windowing) -> Bool {
        (window, stride, hop, memory) == (other.window, other.stride, other.hop, other.memory)
    }

    /// How many times each second of audio goes through the encoder.
    public var encoderPasses: Double { Double(window) / Double(stride) }

    /// A reason these settings cannot work, or nil.
    public var problem: String? {
        let unit = Windowing.samplesPerPosition
        if ([window, stride, hop] + pools).contains(where: { $0 <= 0 || $0 % unit != 0 }) {
            return "window, stride, hop and pools must be positive multiples of \(unit) samples (20 ms)"
        }
        if pools.isEmpty { return "at least one pool length is needed" }
        if memory < 0 || memory % unit != 0 { return "memory must be a multiple of \(unit) samples (20 ms)" }
        if memory > 0 && stride != window { return "attention memory needs the stride to equal the window" }
        if stride > window { return "the stride must not exceed the window" }
        if stride % hop != 0 || window % hop != 0 { return "window and stride must be whole numbers of hops" }
        if pools.max()! > 4 * AudioFormat.sampleRate { return "pools must be at most 4 s" }
        if window > 30 * AudioFormat.sampleRate { return "the window must be at most 30 s (the encoder's context)" }
        return nil
    }

    public var description: String {
        func s(_ samples: Int) -> String { "\(AudioFormat.seconds(samples: samples)) s" }
        return "window \(s(window)), stride \(s(stride)), hop \(s(hop)), pools \(pools.map(s).joined(separator: " + "))"
            + (memory > 0 ? ", memory \(s(memory))" : "")
    }
}
