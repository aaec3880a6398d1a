import Foundation

/// A CTranslate2 `model.bin`, read directly: the header and an index of its variables,
/// each converted to Float on request. Layout (CTranslate2 src/models/model.cc, binary
/// version 6), little-endian: u32 version; string spec; u32 spec revision; u32 count;
/// per variable: string name, u8 rank, u32 dims[rank], u8 dtype, u32 byte count, data;
/// then u32 alias count and (alias, target) string pairs. Strings are u16 length
/// (NUL included) then bytes.
public struct CTranslate2Model: Sendable {
    /// Element types as CTranslate2 numbers them.
    public enum DType: UInt8, Sendable, CaseIterable {
        case float32 = 0
        case int8 = 1
        case int16 = 2
        case int32 = 3
        case float16 = 4
        case bfloat16 = 5

        public var byteSize: Int {
            switch self {
            case .int8: 1
            case .int16, .float16, .bfloat16: 2
            case .float32, .int32: 4
            }
        }
    }

    /// One stored variable.
    public struct Variable: Sendable {
        public let name: String
        public let shape: [Int]
        public let dtype: DType
        /// The stored bytes, exactly as in the file.
        public let data: Data
        public var elementCount: Int { shape.reduce(1, *) }
    }

    public static let supportedVersion: UInt32 = 6

    public let path: String
    public let version: UInt32
    /// The model specification's class name, e.g. "WhisperSpec".
    public let spec: String
    public let specRevision: UInt32
    /// Variables in file order; aliases resolve to one of them.
    public let variables: [String: Variable]
    public let names: [String]
    public let aliases: [String: String]

    /// Reads and indexes `path`; fails on a missing, truncated or foreign file with a
    /// message naming the byte and the field.
    public init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw WakeWordError.encoderMissing(path: path) }
        let bytes: Data
        do {
            bytes = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw WakeWordError.unreadable(path: path, reason: error.localizedDescription)
        }
        try self.init(bytes: bytes, path: path)
    }

    /// Parses a model held in memory; `path` names it in errors.
    public init(bytes: Data, path: String) throws {
        self.path = path
        var reader = ByteReader(bytes, path: path)
        version = try reader.u32("format version")
        guard version == CTranslate2Model.supportedVersion else {
            throw WakeWordError.badEncoder(
                path: path,
                reason: "CTranslate2 format version \(version) is not supported"
                    + " (expected \(CTranslate2Model.supportedVersion)); is this a CTranslate2 model.bin?")
        }
        spec = try reader.string("spec name")
        specRevision = try reader.u32("spec revision")
        let count = Int(try reader.u32("variable count"))
        var variables: [String: Variable] = [:]
        var names: [String] = []
        for index in 0..<count {
            let name = try reader.string("name of variable \(index)")
            let rank = Int(try reader.u8("rank of \(name)"))
            var shape: [Int] = []
            for axis in 0..<rank { shape.append(Int(try reader.u32("dimension \(axis) of \(name)"))) }
            let code = try reader.u8("dtype of \(name)")
            guard let dtype = DType(rawValue: code) else {
                throw WakeWordError.badTensor(path: path, name: name, reason: "unknown dtype code \(code)")
            }
            let byteCount = Int(try reader.u32("byte count of \(name)"))
            // Checked arithmetic: a damaged file may declare dimensions whose product overflows.
            var needed: Int? = dtype.byteSize
            for dimension in shape {
                let (product, overflow) = (needed ?? 0).multipliedReportingOverflow(by: dimension)
                needed = overflow ? nil : product
            }
            guard let needed, needed == byteCount else {
                throw WakeWordError.badTensor(
                    path: path, name: name,
                    reason: "shape \(shape) of \(dtype) needs"
                        + " \(needed.map(String.init) ?? "more than 2^63") bytes but the file gives \(byteCount)")
            }
            let data = try reader.take(byteCount, "data of \(name)")
            guard variables[name] == nil else {
                throw WakeWordError.badTensor(path: path, name: name, reason: "stored twice")
            }
            variables[name] = Variable(name: name, shape: shape, dtype: dtype, data: data)
            names.append(name)
        }
        var aliases: [String: String] = [:]
        let aliasCount = Int(try reader.u32("alias count"))
        for index in 0..<aliasCount {
            let alias = try reader.string("alias \(index)")
            aliases[alias] = try reader.string("target of alias \(alias)")
        }
        guard reader.remaining == 0 else {
            throw WakeWordError.badEncoder(path: path, reason: "\(reader.remaining) unexpected bytes after the last alias")
        }
        (self.variables, self.names, self.aliases) = (variables, names, aliases)
    }

    /// The variable stored as `name` (or an alias of it).
    public func variable(_ name: String) throws -> Variable {
        guard let variable = variables[aliases[name] ?? name] else {
            throw WakeWordError.badTensor(path: path, name: name, reason: "missing from the file")
        }
        return variable
    }

    /// The values of `name` as Float, checked against `shape`.
    public func floats(_ name: String, shape expected: [Int]) throws -> [Float] {
        let variable = try variable(name)
        guard variable.shape == expected else {
            throw WakeWordError.badTensor(path: path, name: name, reason: "expected shape \(expected), found \(variable.shape)")
        }
        return CTranslate2Model.decode(variable)
    }

    /// Element values of any dtype, as Float (integers converted exactly where they fit).
    public static func decode(_ variable: Variable) -> [Float] {
        let bytes = variable.data
        let count = variable.elementCount
        return bytes.withUnsafeBytes { raw -> [Float] in
            func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T {
                T(littleEndian: raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
            }
            switch variable.dtype {
            case .float32: return (0..<count).map { Float(bitPattern: load(UInt32.self, $0)) }
            case .float16: return (0..<count).map { Float(Float16(bitPattern: load(UInt16.self, $0))) }
            case .bfloat16: return (0..<count).map { Float(bitPattern: UInt32(load(UInt16.self, $0)) << 16) }
            case .int8: return (0..<count).map { Float(load(Int8.self, $0)) }
            case .int16: return (0..<count).map { Float(load(Int16.self, $0)) }
            case .int32: return (0..<count).map { Float(load(Int32.self, $0)) }
            }
        }
    }
}
