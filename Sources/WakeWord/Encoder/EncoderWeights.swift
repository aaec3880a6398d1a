/// Takes the encoder's tensors out of a CTranslate2 model by name, checking each shape
/// and type, hashing what it took, and finally refusing any encoder tensor left unused.
struct EncoderWeights {
    let model: CTranslate2Model
    private(set) var used: Set<String> = []
    /// Hash over the names, shapes and stored bytes of the tensors taken, in order.
    private(set) var contentHash = ContentHash()

    init(model: CTranslate2Model) {
        self.model = model
    }

    /// The stored shape of `name`, which must have `rank` axes.
    func shape(_ name: String, rank: Int) throws -> [Int] {
        let variable = try model.variable(name)
        guard variable.shape.count == rank else {
            throw WakeWordError.badTensor(path: model.path, name: name, reason: "expected rank \(rank), found shape \(variable.shape)")
        }
        return variable.shape
    }

    /// An integer attribute stored as a scalar tensor.
    mutating func scalar(_ name: String) throws -> Int {
        let variable = try take(name, shape: [], floating: false)
        return Int(CTranslate2Model.decode(variable)[0])
    }

    /// A 1-D tensor of `count` values.
    mutating func vector(_ name: String, _ count: Int) throws -> [Float] {
        CTranslate2Model.decode(try take(name, shape: [count], floating: true))
    }

    /// A tensor of `shape`, flattened to [shape[0], product of the rest].
    mutating func matrix(_ name: String, _ shape: [Int]) throws -> Matrix {
        let variable = try take(name, shape: shape, floating: true)
        return Matrix(rows: shape[0], columns: shape.dropFirst().reduce(1, *), values: CTranslate2Model.decode(variable))
    }

    /// Fails if the file holds encoder tensors this reader did not take.
    func checkAllUsed() throws {
        let extra = model.names.filter { $0.hasPrefix("encoder/") && !used.contains($0) }
        if let first = extra.first {
            throw WakeWordError.badTensor(
                path: model.path, name: first,
                reason: "unexpected encoder tensor"
                    + (extra.count > 1 ? " (and \(extra.count - 1) more)" : "") + "; is this a Whisper encoder?")
        }
    }

    private mutating func take(_ name: String, shape: [Int], floating: Bool) throws -> CTranslate2Model.Variable {
        let variable = try model.variable(name)
        guard variable.shape == shape else {
            throw WakeWordError.badTensor(path: model.path, name: name, reason: "expected shape \(shape), found \(variable.shape)")
        }
        let floatTypes: [CTranslate2Model.DType] = [.float32, .float16, .bfloat16]
        guard floatTypes.contains(variable.dtype) == floating else {
            throw WakeWordError.badTensor(
                path: model.path, name: name,
                reason: floating
                    ? "stored as \(variable.dtype); quantized weights are not supported (convert with --quantization float16)"
                    : "expected an integer, found \(variable.dtype)")
        }
        used.insert(name)
        contentHash.update(name)
        contentHash.update(shape.map(String.init).joined(separator: ","))
        contentHash.update(variable.data)
        return variable
    }
}
