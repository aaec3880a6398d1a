import Foundation

/// A JSON value as Wyoming events carry it in their `data`: objects keep their keys, numbers
/// are Double (exact for integers up to 2^53, which covers every length, rate and time stamp).
public enum JSONValue: Sendable, Equatable, Encodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses JSON text (Foundation's JSONSerialization, which bounds nesting depth); nil when
    /// it is not valid JSON.
    public static func parse(_ bytes: some Collection<UInt8>) -> JSONValue? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) else { return nil }
        return JSONValue(foundation: object)
    }

    /// Converts what JSONSerialization returns; nil for anything else.
    private init?(foundation object: Any) {
        switch object {
        case is NSNull: self = .null
        case let string as String: self = .string(string)
        case let number as NSNumber:
            // Booleans come as NSNumbers of ObjC type "c" (char); JSON numbers never do.
            if String(cString: number.objCType) == "c" { self = .bool(number.boolValue) } else { self = .number(number.doubleValue) }
        case let array as [Any]:
            var values: [JSONValue] = []
            for element in array {
                guard let value = JSONValue(foundation: element) else { return nil }
                values.append(value)
            }
            self = .array(values)
        case let dictionary as [String: Any]:
            var members: [String: JSONValue] = [:]
            for (key, element) in dictionary {
                guard let value = JSONValue(foundation: element) else { return nil }
                members[key] = value
            }
            self = .object(members)
        default: return nil
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            // Integers as integers ("rate": 16000, not 16000.0), as Python's json writes them.
            if let integer = Int(exactly: value) { try container.encode(integer) } else { try container.encode(value) }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The member `key` of an object; nil for other values or a missing key.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The value as an integer, if it is a number with no fractional part that fits in Int.
    public var int: Int? {
        if case .number(let value) = self, value.isFinite, value == value.rounded(), abs(value) < 0x1p62 { return Int(value) }
        return nil
    }

    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var array: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }
}
