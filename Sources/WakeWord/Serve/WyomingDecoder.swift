import Foundation

/// Cuts a byte stream into `WyomingEvent`s. Feed bytes as they arrive with `append`, then
/// take whole events with `next` until it returns nil. Bad framing throws
/// `WakeWordError.badEvent`; after a throw the stream cannot be resynchronised, so the caller
/// drops the connection. Memory is bounded by `limits`: nothing larger is ever buffered.
public struct WyomingDecoder: Sendable {
    /// The largest parts accepted, in bytes.
    public struct Limits: Sendable, Equatable {
        /// Header line, without its newline.
        public var header = 64 << 10
        /// JSON data block after the header.
        public var data = 1 << 20
        /// Binary payload: 4 MiB holds over 5 s of 8-channel 32-bit PCM at 48 kHz.
        public var payload = 4 << 20
        public init() {}
    }

    /// A parsed header whose data and payload have not all arrived yet.
    private struct Header: Sendable {
        let type: String
        let data: [String: JSONValue]
        let dataLength: Int
        let payloadLength: Int
    }

    public let limits: Limits
    private var buffer: [UInt8] = []
    /// Bytes of `buffer` already consumed.
    private var start = 0
    /// Bytes from `start` already searched for the header's newline (a header arriving a byte
    /// at a time is scanned once, not once per byte).
    private var scanned = 0
    private var pending: Header?

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// True while part of an event has arrived but not all of it (a disconnect now is mid-event).
    public var isMidEvent: Bool { pending != nil || start < buffer.count }

    /// Bytes held, waiting to complete an event.
    public var bufferedBytes: Int { buffer.count - start }

    public mutating func append(_ bytes: some Collection<UInt8>) {
        if start > 0 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next whole event, or nil when more bytes are needed.
    public mutating func next() throws -> WyomingEvent? {
        if pending == nil {
            guard let newline = buffer[(start + scanned)...].firstIndex(of: 0x0A) else {
                scanned = bufferedBytes
                if bufferedBytes > limits.header {
                    throw WakeWordError.badEvent("a header line is longer than \(limits.header) bytes (no newline)")
                }
                return nil
            }
            guard newline - start <= limits.header else {
                throw WakeWordError.badEvent("a header line of \(newline - start) bytes is longer than the limit of \(limits.header)")
            }
            let line = Array(buffer[start..<newline])
            start = newline + 1
            scanned = 0
            pending = try WyomingDecoder.header(line, limits: limits)
        }
        let header = pending!
        guard bufferedBytes >= header.dataLength + header.payloadLength else { return nil }
        var data = header.data
        if header.dataLength > 0 {
            let block = Array(buffer[start..<(start + header.dataLength)])
            guard case .object(let extra)? = JSONValue.parse(block) else {
                throw WakeWordError.badEvent("the \(header.dataLength)-byte data block of a \(header.type) event is not a JSON object")
            }
            data.merge(extra) { $1 }
            start += header.dataLength
        }
        let payload = Array(buffer[start..<(start + header.payloadLength)])
        start += header.payloadLength
        pending = nil
        return WyomingEvent(type: header.type, data: data, payload: payload)
    }

    private static func header(_ line: [UInt8], limits: Limits) throws -> Header {
        let shown = String(decoding: line.prefix(60), as: UTF8.self).debugDescription
        guard case .object(let fields)? = JSONValue.parse(line) else {
            throw WakeWordError.badEvent("the header line \(shown) is not a JSON object")
        }
        guard let type = fields["type"]?.string, !type.isEmpty else {
            throw WakeWordError.badEvent("the header line \(shown) has no \"type\" string")
        }
        var data: [String: JSONValue] = [:]
        switch fields["data"] {
        case nil, .null?: break
        case .object(let members)?: data = members
        default: throw WakeWordError.badEvent("the \(type) header's \"data\" is not a JSON object")
        }
        func length(_ key: String, limit: Int) throws -> Int {
            guard let value = fields[key], value != .null else { return 0 }
            guard let count = value.int, count >= 0 else {
                throw WakeWordError.badEvent("the \(type) header's \(key) is not a non-negative integer")
            }
            guard count <= limit else {
                throw WakeWordError.badEvent("the \(type) header's \(key) \(count) is over the limit of \(limit) bytes")
            }
            return count
        }
        return Header(
            type: type, data: data, dataLength: try length("data_length", limit: limits.data),
            payloadLength: try length("payload_length", limit: limits.payload))
    }
}
