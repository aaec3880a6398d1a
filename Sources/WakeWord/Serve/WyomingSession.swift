/// One client's conversation with the server, without sockets: feed each event the client
/// sends to `handle`, send back what it returns. Holds the client's own detector, so
/// sessions over one `WyomingService` are independent.
///
///   describe                  → info
///   detect {names}            → (selects the models for the next streams; all when absent)
///   audio-start {rate, width, channels, timestamp?} → (starts a stream: a fresh detector)
///   audio-chunk {rate, width, channels} + PCM       → detection {name, timestamp} per word found
///   audio-stop                → the last detections, or not-detected if the stream had none
///   ping {text}               → pong {text}
///   select-program {name}     → (accepted; there is one program)
/// Any other type, or a malformed event, throws `WakeWordError.badEvent`: the caller closes
/// the connection. Detection time stamps are milliseconds on the client's clock: the
/// audio-start time stamp (0 when absent) plus the detection's time in the stream.
public final class WyomingSession {
    public let service: WyomingService
    /// Model names chosen by the last `detect`; nil: all.
    public private(set) var selected: [String]?
    private var stream: Stream?

    /// The audio stream in progress.
    private struct Stream {
        let format: PCMFormat
        let converter: PCMConverter
        var detector: Detector
        /// Client time of the stream's first sample, in ms.
        let startTimestamp: Int
        var detections = 0
    }

    public init(service: WyomingService) {
        self.service = service
    }

    /// True while an audio stream is open.
    public var isStreaming: Bool { stream != nil }

    /// The events to send back for `event`, in order.
    public func handle(_ event: WyomingEvent) throws -> [WyomingEvent] {
        switch event.type {
        case "describe":
            return [service.info]
        case "detect":
            selected = try names(event)
            stream = nil
            return []
        case "audio-start":
            stream = try start(event, format: try PCMFormat(event: event))
            return []
        case "audio-chunk":
            let format = try PCMFormat(event: event)
            if stream == nil { stream = try start(event, format: format) }
            guard format == stream!.format else {
                throw WakeWordError.badEvent("an audio-chunk of \(describe(format)) arrived in a stream of \(describe(stream!.format))")
            }
            return report(stream!.detector.process(stream!.converter.convert(event.payload)))
        case "audio-stop":
            guard stream != nil else { return [WyomingEvent(type: "not-detected")] }
            var found = report(stream!.detector.process(stream!.converter.finish()))
            found += report(stream!.detector.finish())
            let none = stream!.detections == 0
            stream = nil
            return none ? found + [WyomingEvent(type: "not-detected")] : found
        case "ping":
            return [WyomingEvent(type: "pong", data: event.data["text"]?.string.map { ["text": .string($0)] } ?? [:])]
        case "select-program":
            return []
        default:
            let shown = String(event.type.prefix(40)).debugDescription
            throw WakeWordError.badEvent("unknown event type \(shown)")
        }
    }

    private func start(_ event: WyomingEvent, format: PCMFormat) throws -> Stream {
        let timestamp = event.data["timestamp"].flatMap { $0 == .null ? nil : $0 }
        if let timestamp, timestamp.int == nil { throw WakeWordError.badEvent("\(event.type)'s timestamp is not an integer") }
        return Stream(
            format: format, converter: PCMConverter(format: format), detector: service.detector(names: selected),
            startTimestamp: timestamp?.int ?? 0)
    }

    private func names(_ event: WyomingEvent) throws -> [String]? {
        switch event.data["names"] {
        case nil, .null?: return nil
        case .array(let values)?:
            let names = values.compactMap(\.string)
            guard names.count == values.count else { throw WakeWordError.badEvent("detect's names are not all strings") }
            return names.isEmpty ? nil : names
        default: throw WakeWordError.badEvent("detect's names is not a list")
        }
    }

    private func report(_ detections: [Detection]) -> [WyomingEvent] {
        stream!.detections += detections.count
        return detections.map { detection in
            let milliseconds = stream!.startTimestamp + Int((detection.time * 1000).rounded())
            return WyomingEvent(type: "detection", data: ["name": .string(detection.model), "timestamp": .number(Double(milliseconds))])
        }
    }

    private func describe(_ format: PCMFormat) -> String {
        "\(format.rate) Hz, \(format.width) bytes, \(format.channels) channels"
    }
}
