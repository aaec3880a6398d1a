import Foundation
import Testing

@testable import WakeWord

/// The Wyoming codec, PCM conversion and session logic of `wakeword serve`, without sockets
/// (Tests/Serve/test_serve.py drives the real server with the real client).
@Suite("Serve: Wyoming codec and session") struct ServeTests {
    /// Decodes `bytes` fed in pieces of `piece` bytes; returns every event.
    static func decode(_ bytes: [UInt8], piece: Int, limits: WyomingDecoder.Limits = .init()) throws -> [WyomingEvent] {
        var decoder = WyomingDecoder(limits: limits)
        var events: [WyomingEvent] = []
        for start in stride(from: 0, to: bytes.count, by: piece) {
            decoder.append(bytes[start..<min(start + piece, bytes.count)])
            while let event = try decoder.next() { events.append(event) }
        }
        #expect(!decoder.isMidEvent)
        return events
    }

    @Test("events round-trip through encode and decode, whole or a byte at a time")
    func roundTrip() throws {
        let events = [
            WyomingEvent(type: "describe"),
            WyomingEvent(
                type: "audio-chunk", data: ["rate": .number(16_000), "width": .number(2), "channels": .number(1), "timestamp": .null],
                payload: (0..<3_200).map { UInt8($0 % 251) }),
            WyomingEvent(
                type: "detection",
                data: [
                    "name": .string("hey \"ü\"\n"), "timestamp": .number(6_700),
                    "nested": .object(["a": .array([.bool(true), .number(0.5)])]),
                ]),
        ]
        let bytes = events.flatMap { $0.encoded() }
        #expect(try ServeTests.decode(bytes, piece: 1) == events)
        #expect(try ServeTests.decode(bytes, piece: 1 << 16) == events)
    }

    @Test("the wire layout is wyoming's: header line with version and lengths, data block, payload")
    func wireLayout() throws {
        let bytes = WyomingEvent(type: "detection", data: ["name": .string("alexa"), "timestamp": .number(6_700)], payload: [1, 2])
            .encoded()
        let newline = bytes.firstIndex(of: 0x0A)!
        let header = try JSONSerialization.jsonObject(with: Data(bytes[..<newline])) as! [String: Any]
        let data = #"{"name":"alexa","timestamp":6700}"#
        #expect(header["type"] as? String == "detection" && header["version"] as? String == WyomingEvent.protocolVersion)
        #expect(header["data_length"] as? Int == data.utf8.count && header["payload_length"] as? Int == 2 && header["data"] == nil)
        #expect(Array(bytes[(newline + 1)...]) == Array(data.utf8) + [1, 2])
        // An event without data or payload is the header line alone.
        #expect(
            String(decoding: WyomingEvent(type: "describe").encoded(), as: UTF8.self)
                == #"{"type":"describe","version":"\#(WyomingEvent.protocolVersion)"}"# + "\n")
    }

    @Test("JSON parses with booleans and the numbers 0 and 1 kept apart; invalid JSON is nil")
    func jsonParse() {
        #expect(
            JSONValue.parse(Array(#"{"t":true,"f":false,"one":1,"zero":0,"x":-2.5e3,"s":"é","n":null,"a":[]}"#.utf8))
                == .object([
                    "t": .bool(true), "f": .bool(false), "one": .number(1), "zero": .number(0), "x": .number(-2_500), "s": .string("é"),
                    "n": .null, "a": .array([]),
                ]))
        #expect(JSONValue.parse(Array("{\"a\": ".utf8)) == nil)
        #expect(JSONValue.parse(Array(String(repeating: "[", count: 100_000).utf8)) == nil)
    }

    @Test("data in the header and in the data block are merged, the block winning")
    func mergedData() throws {
        let bytes = Array(#"{"type":"x","data":{"a":1,"b":2},"data_length":8}"#.utf8) + [0x0A] + Array(#"{"b":30}"#.utf8)
        #expect(try ServeTests.decode(bytes, piece: 3) == [WyomingEvent(type: "x", data: ["a": .number(1), "b": .number(30)])])
    }

    @Test("a truncated event waits for more bytes; a stream cut there is mid-event")
    func truncated() throws {
        let bytes = WyomingEvent(type: "audio-chunk", data: ["rate": .number(16_000)], payload: [UInt8](repeating: 7, count: 100)).encoded()
        for cut in [5, bytes.firstIndex(of: 0x0A)! + 1, bytes.count - 1] {
            var decoder = WyomingDecoder()
            decoder.append(bytes[..<cut])
            #expect(try decoder.next() == nil)
            #expect(decoder.isMidEvent && decoder.bufferedBytes <= cut)
        }
    }

    @Test(
        "malformed headers and oversized lengths fail with a message saying what is wrong",
        arguments: [
            (#"{"type": "audio-chunk""#, "is not a JSON object"),
            (#"[1, 2]"#, "is not a JSON object"),
            (#"{"data": {}}"#, "no \"type\" string"),
            (#"{"type": 5}"#, "no \"type\" string"),
            (#"{"type": "x", "data": [1]}"#, "\"data\" is not a JSON object"),
            (#"{"type": "x", "payload_length": -1}"#, "payload_length is not a non-negative integer"),
            (#"{"type": "x", "payload_length": 1.5}"#, "payload_length is not a non-negative integer"),
            (#"{"type": "x", "payload_length": 4194305}"#, "payload_length 4194305 is over the limit of 4194304 bytes"),
            (#"{"type": "x", "data_length": 99999999999999999999}"#, "data_length is not a non-negative integer"),
            (#"{"type": "x", "data_length": 1048577}"#, "data_length 1048577 is over the limit of 1048576 bytes"),
        ])
    func malformed(header: String, message: String) {
        var decoder = WyomingDecoder()
        decoder.append(Array(header.utf8) + [0x0A])
        #expect { _ = try decoder.next() } throws: { error in
            guard case WakeWordError.badEvent(let reason) = error else { return false }
            return reason.contains(message)
        }
    }

    @Test("a header line over the limit fails before its newline arrives; a bad data block fails")
    func overlongAndBadData() throws {
        var limits = WyomingDecoder.Limits()
        limits.header = 100
        var decoder = WyomingDecoder(limits: limits)
        decoder.append([UInt8](repeating: 0x20, count: 100))
        #expect(try decoder.next() == nil)
        decoder.append([0x20])
        #expect(throws: WakeWordError.badEvent("a header line is longer than 100 bytes (no newline)")) { try decoder.next() }
        var other = WyomingDecoder()
        other.append(Array(#"{"type":"x","data_length":3}"#.utf8) + [0x0A] + Array("[1]".utf8))
        #expect(throws: WakeWordError.badEvent("the 3-byte data block of a x event is not a JSON object")) { try other.next() }
    }

    @Test("PCM of every width and channel count converts to the values libsndfile gives")
    func pcmConversion() throws {
        // Stereo s16: (16384 + -16384) / 2 and (32767 + 32767) / 2, split mid-frame across payloads.
        let stereo = PCMConverter(format: try PCMFormat(rate: 16_000, width: 2, channels: 2))
        #expect(stereo.convert([0x00, 0x40, 0x00, 0xC0, 0xFF]) == [0])
        #expect(stereo.convert([0x7F, 0xFF, 0x7F]) == [32_767 / 32_768])
        let u8 = PCMConverter(format: try PCMFormat(rate: 16_000, width: 1, channels: 1))
        #expect(u8.convert([0, 128, 255]) == [-1, 0, 127 / 128])
        let s24 = PCMConverter(format: try PCMFormat(rate: 16_000, width: 3, channels: 1))
        #expect(s24.convert([0x00, 0x00, 0x80, 0xFF, 0xFF, 0x7F, 0x00, 0x00, 0x40]) == [-1, 8_388_607 / 8_388_608, 0.5])
        let s32 = PCMConverter(format: try PCMFormat(rate: 16_000, width: 4, channels: 1))
        #expect(s32.convert([0, 0, 0, 0x80, 0, 0, 0, 0xC0]) == [-1, -0.5])
        // 48 kHz: three times the samples in, the same count out once flushed (a 1 kHz tone stays one).
        let tone = sine(frequency: 1_000, seconds: 1, rate: 48_000)
        let bytes = tone.flatMap { s in withUnsafeBytes(of: Int16((s * 32_767).rounded()).littleEndian) { Array($0) } }
        let high = PCMConverter(format: try PCMFormat(rate: 48_000, width: 2, channels: 1))
        let out = high.convert(bytes) + high.finish()
        #expect(abs(out.count - 16_000) <= 1)
        #expect(
            maxAbsDifference(Array(out[1_000..<15_000]), Array(sine(frequency: 1_000, seconds: 1, rate: 16_000)[1_000..<15_000])) < 0.01)
        #expect(throws: WakeWordError.badEvent("width 7 bytes is not 1, 2, 3 or 4")) { try PCMFormat(rate: 16_000, width: 7, channels: 1) }
        #expect(throws: WakeWordError.badEvent("rate 100 Hz is outside 8000...768000")) { try PCMFormat(rate: 100, width: 2, channels: 1) }
    }

    @Test("a session answers describe, streams detections as the detector finds them, and rejects unknown events")
    func session() throws {
        let encoder = try SharedEncoder.load()
        let model = try DetectionTests.randomModel(encoder: encoder, threshold: nil)
        var other = model
        other.name = "other"
        let service = try WyomingService(models: [model, other], encoder: encoder)
        let session = WyomingSession(service: service)
        let info = try session.handle(WyomingEvent(type: "describe"))
        #expect(info.count == 1 && info[0].type == "info")
        let program = info[0].data["wake"]?.array?.first
        #expect(program?["name"]?.string == "wakeword")
        #expect(program?["models"]?.array?.compactMap { $0["name"]?.string } == ["random3", "other"])
        #expect(program?["models"]?.array?.first?["languages"] == .array([.string("en")]))

        // The same audio straight through a detector, for model random3 alone.
        let audio = Array(try Clip.load(TestPaths.sample("stream/stream.flac"))[(20 * 16_000)..<(26 * 16_000)])
        var detector = try Detector(models: [model], encoder: encoder)
        let direct = detector.process(audio) + detector.finish()
        #expect(!direct.isEmpty)
        let pcm = audio.flatMap { s in withUnsafeBytes(of: Int16((s * 32_768).rounded()).littleEndian) { Array($0) } }
        let format: [String: JSONValue] = ["rate": .number(16_000), "width": .number(2), "channels": .number(1)]
        #expect(try session.handle(WyomingEvent(type: "detect", data: ["names": .array([.string("random3")])])).isEmpty)
        #expect(try session.handle(WyomingEvent(type: "audio-start", data: format.merging(["timestamp": .number(1_000)]) { $1 })).isEmpty)
        var answers: [WyomingEvent] = []
        for start in stride(from: 0, to: pcm.count, by: 2_048) {
            answers += try session.handle(
                WyomingEvent(type: "audio-chunk", data: format, payload: Array(pcm[start..<min(start + 2_048, pcm.count)])))
        }
        answers += try session.handle(WyomingEvent(type: "audio-stop"))
        #expect(
            answers
                == direct.map {
                    WyomingEvent(
                        type: "detection", data: ["name": .string("random3"), "timestamp": .number(1_000 + ($0.time * 1_000).rounded())])
                })
        #expect(!session.isStreaming)
        // A stream without detections ends with not-detected (a threshold no score reaches); ping is answered.
        let quiet = WyomingSession(service: try WyomingService(models: [model], encoder: encoder, threshold: 1))
        _ = try quiet.handle(WyomingEvent(type: "audio-start", data: format))
        #expect(try quiet.handle(WyomingEvent(type: "audio-chunk", data: format, payload: Array(pcm.prefix(64_000)))).isEmpty)
        #expect(try quiet.handle(WyomingEvent(type: "audio-stop")) == [WyomingEvent(type: "not-detected")])
        #expect(
            try session.handle(WyomingEvent(type: "ping", data: ["text": .string("hi")])) == [
                WyomingEvent(type: "pong", data: ["text": .string("hi")])
            ])
        #expect(throws: WakeWordError.badEvent("unknown event type \"make-coffee\"")) {
            try session.handle(WyomingEvent(type: "make-coffee"))
        }
        #expect(throws: WakeWordError.badEvent("audio-start needs integer rate, width and channels")) {
            try session.handle(WyomingEvent(type: "audio-start", data: ["rate": .string("fast")]))
        }
        // Two models of one name cannot be served together.
        #expect(throws: WakeWordError.invalidInput("two models are named random3 (a and b); train one with another --name")) {
            try WyomingService(models: [model, model], encoder: encoder, modelPaths: ["a", "b"])
        }
    }

    @Test("server addresses parse from --uri, with messages for bad ones")
    func addresses() throws {
        #expect(try ServeAddress(uri: "tcp://127.0.0.1:10400") == .tcp(host: "127.0.0.1", port: 10_400))
        #expect(try ServeAddress(uri: "tcp://[::1]:0") == .tcp(host: "::1", port: 0))
        #expect(try ServeAddress(uri: "unix:///run/wakeword.sock") == .unix(path: "/run/wakeword.sock"))
        #expect(ServeAddress.tcp(host: "::1", port: 5).description == "tcp://[::1]:5")
        for bad in ["http://x:1", "tcp://host", "tcp://:80", "tcp://h:70000", "unix://"] {
            #expect(throws: WakeWordError.self) { try ServeAddress(uri: bad) }
        }
    }
}
