import Foundation

/// One event of the Wyoming protocol (https://github.com/OHF-Voice/wyoming, `wyoming/event.py`
/// of the 1.x package): a JSON header line `{"type": ..., "version": ..., "data_length": n,
/// "payload_length": m}` and a newline, then n bytes of JSON data (an object merged into the
/// header's own `data`), then m bytes of binary payload (PCM for `audio-chunk`).
public struct WyomingEvent: Sendable, Equatable {
    /// e.g. "describe", "audio-chunk", "detection".
    public var type: String
    /// The event's fields (an object; empty when it has none).
    public var data: [String: JSONValue]
    /// Binary payload, empty when there is none.
    public var payload: [UInt8]

    /// The protocol version written into headers: the `wyoming` package this was matched against.
    public static let protocolVersion = "1.10.2"

    public init(type: String, data: [String: JSONValue] = [:], payload: [UInt8] = []) {
        (self.type, self.data, self.payload) = (type, data, payload)
    }

    /// The bytes on the wire, as `wyoming.event.write_event` lays them out: the data goes in
    /// the block after the header line (only when there is any), then the payload.
    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let dataBytes = data.isEmpty ? [] : [UInt8](try! encoder.encode(data))
        var header: [String: JSONValue] = ["type": .string(type), "version": .string(WyomingEvent.protocolVersion)]
        if !dataBytes.isEmpty { header["data_length"] = .number(Double(dataBytes.count)) }
        if !payload.isEmpty { header["payload_length"] = .number(Double(payload.count)) }
        // Encoding a tree of JSONValue cannot fail (numbers written are finite or integers).
        return [UInt8](try! encoder.encode(header)) + [0x0A] + dataBytes + payload
    }
}
