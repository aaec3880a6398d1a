/// Which encoder passes a stream of samples produces and what each contributes, as the
/// stream grows; the same rules for a 2-second clip and a 10-hour recording. Every position
/// here is a stream sample (sample 0 is the first one pushed), exact.
///
/// Full passes cover [k·stride, k·stride + window) for k = 0, 1, ...; each keeps the
/// positions after the previous pass's end, the first one too (only its last stride): every
/// kept position has the same window − stride of left context, at a stream's start as
/// anywhere. At the end of the input one last pass ends at the last whole hop and keeps what
/// no full pass reached. A pass scores the hops (multiples of `hop`, from `firstHop`) that
/// end inside what it keeps, so every hop of the input is scored exactly once.
public struct WindowSchedule: Sendable {
    public let windowing: Windowing

    /// One encoder pass.
    public struct Pass: Sendable, Equatable {
        /// First sample of the window; negative when zero-padded in front.
        public let start: Int
        /// First sample whose positions this pass contributes (the rest of the window is context).
        public let keepFrom: Int
        /// Hops scored after this pass.
        public let hops: [Int]
        /// The last pass of a finished stream: it ends at the last whole hop, off the stride
        /// grid, and overlaps the pass before it (so it has left context of its own).
        public let isFinal: Bool
        /// One past the window's last sample.
        public let end: Int

        /// The window's samples.
        public var window: Range<Int> { start..<end }
    }

    private var nextStart = 0
    /// End of the positions kept so far; nothing before the first pass's last stride is kept.
    public private(set) var keptUpTo: Int

    public init(windowing: Windowing) {
        self.windowing = windowing
        keptUpTo = windowing.window - windowing.stride
    }

    /// Passes that become possible once `available` samples of the stream exist.
    public mutating func passes(available: Int) -> [Pass] {
        var result: [Pass] = []
        while nextStart + windowing.window <= available {
            result.append(pass(start: nextStart, isFinal: false))
            nextStart += windowing.stride
        }
        return result
    }

    /// The final pass at the end of a stream of `total` samples, if any position remains.
    public mutating func finish(total: Int) -> Pass? {
        let end = total / windowing.hop * windowing.hop
        return end > keptUpTo ? pass(start: end - windowing.window, isFinal: true) : nil
    }

    /// The earliest stream sample a future pass can read once `available` samples exist:
    /// the next full window's start, or the start of a final window ending at the last hop.
    public func oldestNeeded(available: Int) -> Int {
        min(nextStart, available / windowing.hop * windowing.hop - windowing.window)
    }

    private mutating func pass(start: Int, isFinal: Bool) -> Pass {
        let end = start + windowing.window
        let first = max((keptUpTo / windowing.hop + 1) * windowing.hop, windowing.firstHop)
        let hops = first <= end ? Array(Swift.stride(from: first, through: end, by: windowing.hop)) : []
        defer { keptUpTo = end }
        return Pass(start: start, keepFrom: keptUpTo, hops: hops, isFinal: isFinal, end: end)
    }
}
