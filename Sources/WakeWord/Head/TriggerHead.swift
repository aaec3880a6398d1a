import Foundation

/// The only trained part: a small classifier from pooled encoder features [D] to the
/// probability that the wake word has just ended. Inputs are standardised with statistics
/// of the training features, z = (x − mean) / scale, then pass through `layers` with ReLU
/// between them:
///   linear: logit = w·z + b
///   mlp:    logit = w₂·ReLU(W₁·z + b₁) + b₂   (W₁ [hidden, D])
/// and the score is σ(logit). `parameters` is the same weights as one flat array (the
/// optimiser's and the model file's view).
public struct TriggerHead: Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case linear, mlp
    }

    public let kind: Kind
    public let inputs: Int
    /// Hidden units (mlp only; 0 for linear).
    public let hidden: Int
    public var mean: [Float]
    public var scale: [Float]
    /// From input to logit, each y = x·Wᵀ + b with W [outputs, inputs]; ReLU between
    /// consecutive layers, none after the last (one output: the logit).
    private(set) var layers: [Linear]

    /// Widths from input to logit: linear [D, 1]; mlp [D, hidden, 1]. A new kind of head
    /// of this shape is one line here.
    static func widths(kind: Kind, inputs: Int, hidden: Int) -> [Int] {
        switch kind {
        case .linear: [inputs, 1]
        case .mlp: [inputs, hidden, 1]
        }
    }

    public static func parameterCount(kind: Kind, inputs: Int, hidden: Int) -> Int {
        let widths = widths(kind: kind, inputs: inputs, hidden: hidden)
        return zip(widths, widths.dropFirst()).reduce(0) { $0 + $1.1 * $1.0 + $1.1 }
    }

    /// A new head with small seeded random weights: a linear head starts at zero; an mlp's
    /// hidden layers get He-uniform weights (±√(6 / inputs)), its output layer ±0.1; biases 0.
    public init(kind: Kind, inputs: Int, hidden: Int = 32, generator: inout SplitMix64) {
        let hidden = kind == .linear ? 0 : hidden
        let widths = TriggerHead.widths(kind: kind, inputs: inputs, hidden: hidden)
        var layers: [Linear] = []
        for (fanIn, fanOut) in zip(widths, widths.dropFirst()) {
            let isOutput = layers.count == widths.count - 2
            let spread: Float = kind == .linear ? 0 : isOutput ? 0.1 : (6 / Float(fanIn)).squareRoot()
            let weights =
                spread == 0
                ? [Float](repeating: 0, count: fanOut * fanIn)
                : (0..<(fanOut * fanIn)).map { _ in Float.random(in: -spread...spread, using: &generator) }
            layers.append(Linear(weight: Matrix(rows: fanOut, columns: fanIn, values: weights), bias: [Float](repeating: 0, count: fanOut)))
        }
        (self.kind, self.inputs, self.hidden, self.layers) = (kind, inputs, hidden, layers)
        (mean, scale) = ([Float](repeating: 0, count: inputs), [Float](repeating: 1, count: inputs))
    }

    /// A head from stored values; the counts must agree.
    public init(kind: Kind, inputs: Int, hidden: Int, mean: [Float], scale: [Float], parameters: [Float]) {
        precondition(
            mean.count == inputs && scale.count == inputs
                && parameters.count == TriggerHead.parameterCount(kind: kind, inputs: inputs, hidden: hidden))
        (self.kind, self.inputs, self.hidden, self.mean, self.scale) = (kind, inputs, hidden, mean, scale)
        layers = TriggerHead.layers(kind: kind, inputs: inputs, hidden: hidden, parameters: parameters)
    }

    /// One head whose logit is the mean of `members`' logits: an ensemble of heads fitted
    /// from different seeds, which averages away much of what one fit's seed decides. The
    /// members must share kind, inputs, width and standardisation (heads fitted on the same
    /// rows do). Linear heads average their weights; mlp heads stack their hidden units
    /// (W₁ [M·hidden, D]) and average through the output layer (w₂ / M, mean b₂), so the
    /// result is an ordinary mlp of M·hidden units that any reader of the model file runs.
    public static func averaging(_ members: [TriggerHead]) -> TriggerHead {
        precondition(!members.isEmpty, "an average of no heads")
        let first = members[0]
        precondition(
            members.allSatisfy {
                $0.kind == first.kind && $0.inputs == first.inputs && $0.hidden == first.hidden && $0.mean == first.mean
                    && $0.scale == first.scale
            }, "averaged heads must share kind, width and standardisation")
        guard members.count > 1 else { return first }
        let m = Float(members.count)
        var parameters: [Float]
        switch first.kind {
        case .linear:
            parameters = [Float](repeating: 0, count: first.parameters.count)
            for member in members {
                for (i, v) in member.parameters.enumerated() { parameters[i] += v / m }
            }
        case .mlp:
            let (hiddenLayers, output) = (members.map { $0.layers[0] }, members.map { $0.layers[1] })
            parameters = hiddenLayers.flatMap(\.weight.values) + hiddenLayers.flatMap(\.bias)
            parameters += output.flatMap { $0.weight.values.map { $0 / m } }
            parameters.append(output.map { $0.bias[0] }.reduce(0, +) / m)
        }
        return TriggerHead(
            kind: first.kind, inputs: first.inputs, hidden: first.hidden * members.count, mean: first.mean, scale: first.scale,
            parameters: parameters)
    }

    /// Every weight and bias, layer by layer, each weight (row-major [outputs, inputs]) then
    /// its bias: linear [w (D), b]; mlp [W₁ (hidden·D), b₁ (hidden), w₂ (hidden), b₂].
    public var parameters: [Float] {
        get { layers.flatMap { $0.weight.values + $0.bias } }
        set {
            precondition(newValue.count == TriggerHead.parameterCount(kind: kind, inputs: inputs, hidden: hidden))
            layers = TriggerHead.layers(kind: kind, inputs: inputs, hidden: hidden, parameters: newValue)
        }
    }

    /// Visits every weight and bias array in place, in the order of `parameters` (the
    /// optimiser's step, without copying the layers out and back).
    mutating func updateParameters(_ body: (inout [Float]) -> Void) {
        for l in layers.indices {
            body(&layers[l].weight.values)
            body(&layers[l].bias)
        }
    }

    private static func layers(kind: Kind, inputs: Int, hidden: Int, parameters: [Float]) -> [Linear] {
        let widths = widths(kind: kind, inputs: inputs, hidden: hidden)
        var start = 0
        func take(_ count: Int) -> [Float] {
            defer { start += count }
            return Array(parameters[start..<(start + count)])
        }
        return zip(widths, widths.dropFirst()).map { fanIn, fanOut in
            Linear(weight: Matrix(rows: fanOut, columns: fanIn, values: take(fanOut * fanIn)), bias: take(fanOut))
        }
    }

    /// Sets the standardisation to the per-feature mean and standard deviation of `features`
    /// (of the listed rows only, when given).
    public mutating func standardise(on features: Matrix, rows: [Int]? = nil) {
        var sum = [Double](repeating: 0, count: inputs)
        var squares = sum
        let rows = rows ?? Array(0..<features.rows)
        features.values.withUnsafeBufferPointer { values in
            for r in rows {
                for c in 0..<inputs {
                    let v = Double(values[r * inputs + c])
                    sum[c] += v
                    squares[c] += v * v
                }
            }
        }
        let n = Double(rows.count)
        for c in 0..<inputs {
            let average = sum[c] / n
            mean[c] = Float(average)
            scale[c] = Float(max((squares[c] / n - average * average).squareRoot(), 1e-6))
        }
    }

    /// σ(logit) for each row of `features` [N, D].
    public func scores(_ features: Matrix) -> [Float] {
        logits(features).map(TriggerHead.sigmoid)
    }

    /// The logit for each row of `features` [N, D].
    public func logits(_ features: Matrix) -> [Float] {
        forward(standardised(features)).logits
    }

    public static func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

    /// Weighted mean binary cross-entropy over rows plus (l2 / 2)·|weights|² (biases
    /// excluded), and its gradient with respect to `parameters` (in its order).
    /// `labels` are 0 or 1; `weights` are per-row importances.
    public func lossAndGradient(_ features: Matrix, labels: [Float], weights: [Float], l2: Float) -> (loss: Double, gradient: [Float]) {
        let z = standardised(features)
        let pass = forward(z)
        let totalWeight = weights.reduce(0, +)
        var loss = 0.0
        // dL/dlogit for each row.
        var delta = [Float](repeating: 0, count: z.rows)
        for i in 0..<z.rows {
            let logit = pass.logits[i]
            // log(1 + e^-|x|) + max(x, 0) - x·y, stable for large |x|.
            loss += Double(weights[i] * (log1p(exp(-abs(logit))) + max(logit, 0) - logit * labels[i]))
            delta[i] = weights[i] * (TriggerHead.sigmoid(logit) - labels[i]) / totalWeight
        }
        loss /= Double(totalWeight)
        // Back through the layers: `output` is dL/d(the layer's output) [N, outputs].
        var output = Matrix(rows: z.rows, columns: 1, values: delta)
        var gradients = [Linear?](repeating: nil, count: layers.count)
        for l in layers.indices.reversed() {
            let (layer, input) = (layers[l], pass.inputs[l])
            var weight = BLAS.multiply(output.transposed, input)  // [outputs, inputs]
            for i in weight.values.indices { weight.values[i] += l2 * layer.weight.values[i] }
            var bias = [Float](repeating: 0, count: output.columns)
            for o in 0..<output.columns {
                var sum: Float = 0
                for r in 0..<output.rows { sum += output[r, o] }
                bias[o] = sum
            }
            gradients[l] = Linear(weight: weight, bias: bias)
            guard l > 0 else { break }
            // Through the ReLU that made this layer's input.
            output = BLAS.multiply(output, layer.weight)  // [N, inputs]
            for i in output.values.indices where input.values[i] <= 0 { output.values[i] = 0 }
        }
        let gradient = gradients.flatMap { $0!.weight.values + $0!.bias }
        return (loss + penalty(l2: l2), gradient)
    }

    /// (l2 / 2)·|weights|², biases excluded.
    public func penalty(l2: Float) -> Double {
        Double(l2 / 2) * layers.reduce(0) { sum, layer in layer.weight.values.reduce(sum) { $0 + Double($1 * $1) } }
    }

    private func standardised(_ features: Matrix) -> Matrix {
        precondition(features.columns == inputs, "head expects \(inputs) features, got \(features.columns)")
        var z = features
        z.values.withUnsafeMutableBufferPointer { values in
            for r in 0..<features.rows {
                for c in 0..<inputs { values[r * inputs + c] = (values[r * inputs + c] - mean[c]) / scale[c] }
            }
        }
        return z
    }

    /// One pass through the layers: each layer's input (after the ReLU before it) and the logits.
    private struct Activations {
        let inputs: [Matrix]
        let logits: [Float]
    }

    private func forward(_ z: Matrix) -> Activations {
        var x = z
        var inputs: [Matrix] = []
        for (l, layer) in layers.enumerated() {
            inputs.append(x)
            x = layer(x)
            if l < layers.count - 1 { for i in x.values.indices { x.values[i] = max(0, x.values[i]) } }
        }
        return Activations(inputs: inputs, logits: x.values)
    }
}
