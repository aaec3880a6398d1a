import Foundation

/// The only trained part: a small classifier from pooled encoder features [D] to the
/// probability that the wake word has just ended. Inputs are standardised with statistics
/// of the training features, z = (x − mean) / scale, then
///   linear: logit = w·z + b
///   mlp:    logit = w₂·ReLU(W₁·z + b₁) + b₂   (W₁ [hidden, D])
/// and the score is σ(logit). Parameters live in one flat array (the optimiser's view).
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
    /// linear: [w (D), b]; mlp: [W₁ (hidden·D, row-major), b₁ (hidden), w₂ (hidden), b₂].
    public var parameters: [Float]

    public static func parameterCount(kind: Kind, inputs: Int, hidden: Int) -> Int {
        kind == .linear ? inputs + 1 : hidden * inputs + 2 * hidden + 1
    }

    /// A new head with small seeded random weights (He initialisation for the hidden layer).
    public init(kind: Kind, inputs: Int, hidden: Int = 32, generator: inout SplitMix64) {
        let hidden = kind == .linear ? 0 : hidden
        var parameters = [Float](repeating: 0, count: TriggerHead.parameterCount(kind: kind, inputs: inputs, hidden: hidden))
        if kind == .mlp {
            let spread = (6 / Float(inputs)).squareRoot()
            for i in 0..<(hidden * inputs) { parameters[i] = Float.random(in: -spread...spread, using: &generator) }
            for i in 0..<hidden { parameters[hidden * inputs + hidden + i] = Float.random(in: -0.1...0.1, using: &generator) }
        }
        self.init(kind: kind, inputs: inputs, hidden: hidden, mean: [Float](repeating: 0, count: inputs),
                  scale: [Float](repeating: 1, count: inputs), parameters: parameters)
    }

    /// A head from stored values; the counts must agree.
    public init(kind: Kind, inputs: Int, hidden: Int, mean: [Float], scale: [Float], parameters: [Float]) {
        precondition(mean.count == inputs && scale.count == inputs
                     && parameters.count == TriggerHead.parameterCount(kind: kind, inputs: inputs, hidden: hidden))
        (self.kind, self.inputs, self.hidden, self.mean, self.scale, self.parameters) = (kind, inputs, hidden, mean, scale, parameters)
    }

    /// Sets the standardisation to the per-feature mean and standard deviation of `features`
    /// (of the listed rows only, when given).
    public mutating func standardise(on features: Matrix, rows: [Int]? = nil) {
        var sum = [Double](repeating: 0, count: inputs), squares = sum
        let rows = rows ?? Array(0..<features.rows)
        features.values.withUnsafeBufferPointer { values in
            for r in rows {
                for c in 0..<inputs { let v = Double(values[r * inputs + c]); sum[c] += v; squares[c] += v * v }
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
    /// excluded), and its gradient with respect to `parameters`.
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
        var gradient = [Float](repeating: 0, count: parameters.count)
        let deltaColumn = Matrix(rows: z.rows, columns: 1, values: delta)
        switch kind {
        case .linear:
            let dw = BLAS.multiply(deltaColumn.transposed, z)          // [1, D]
            for c in 0..<inputs { gradient[c] = dw.values[c] + l2 * parameters[c] }
            gradient[inputs] = delta.reduce(0, +)
        case .mlp:
            let activation = pass.hidden!                              // ReLU outputs [N, H]
            let (w1Count, w2Start) = (hidden * inputs, hidden * inputs + hidden)
            let dw2 = BLAS.multiply(deltaColumn.transposed, activation) // [1, H]
            var dHidden = BLAS.multiply(deltaColumn, Matrix(rows: 1, columns: hidden, values: Array(parameters[w2Start..<(w2Start + hidden)])))
            for i in dHidden.values.indices where activation.values[i] <= 0 { dHidden.values[i] = 0 }
            let dw1 = BLAS.multiply(dHidden.transposed, z)             // [H, D]
            for i in 0..<w1Count { gradient[i] = dw1.values[i] + l2 * parameters[i] }
            for h in 0..<hidden {
                var sum: Float = 0
                for r in 0..<dHidden.rows { sum += dHidden[r, h] }
                gradient[w1Count + h] = sum
                gradient[w2Start + h] = dw2.values[h] + l2 * parameters[w2Start + h]
            }
            gradient[parameters.count - 1] = delta.reduce(0, +)
        }
        return (loss + penalty(l2: l2), gradient)
    }

    /// (l2 / 2)·|weights|², biases excluded.
    public func penalty(l2: Float) -> Double {
        let weights: [ArraySlice<Float>] = kind == .linear
            ? [parameters[0..<inputs]]
            : [parameters[0..<(hidden * inputs)], parameters[(hidden * inputs + hidden)..<(hidden * inputs + 2 * hidden)]]
        return Double(l2 / 2) * weights.reduce(0) { sum, slice in slice.reduce(sum) { $0 + Double($1 * $1) } }
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

    private func forward(_ z: Matrix) -> (logits: [Float], hidden: Matrix?) {
        switch kind {
        case .linear:
            let w = Matrix(rows: 1, columns: inputs, values: Array(parameters[0..<inputs]))
            let logits = BLAS.linear(z, weight: w, bias: [parameters[inputs]])
            return (logits.values, nil)
        case .mlp:
            let w1 = Matrix(rows: hidden, columns: inputs, values: Array(parameters[0..<(hidden * inputs)]))
            let b1 = Array(parameters[(hidden * inputs)..<(hidden * inputs + hidden)])
            var activation = BLAS.linear(z, weight: w1, bias: b1)
            for i in activation.values.indices { activation.values[i] = max(0, activation.values[i]) }
            let w2Start = hidden * inputs + hidden
            let w2 = Matrix(rows: 1, columns: hidden, values: Array(parameters[w2Start..<(w2Start + hidden)]))
            let logits = BLAS.linear(activation, weight: w2, bias: [parameters[parameters.count - 1]])
            return (logits.values, activation)
        }
    }
}
