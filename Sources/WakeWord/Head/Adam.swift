import Foundation

/// Adam (Kingma & Ba 2015, Algorithm 1) over a head's parameters, moments in their flat order:
///   m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  θ ← θ − α·m̂ / (√v̂ + ε)
/// with m̂ = m / (1−β₁ᵗ), v̂ = v / (1−β₂ᵗ).
struct Adam {
    var learningRate: Float
    let beta1: Float = 0.9
    let beta2: Float = 0.999
    let epsilon: Float = 1e-8
    private var m: [Float]
    private var v: [Float]
    private var step = 0

    init(count: Int, learningRate: Float) {
        self.learningRate = learningRate
        m = [Float](repeating: 0, count: count)
        v = [Float](repeating: 0, count: count)
    }

    /// One step on `head`'s parameters, in place; `gradient` is in `TriggerHead.parameters` order.
    mutating func update(_ head: inout TriggerHead, gradient: [Float]) {
        precondition(gradient.count == m.count, "gradient of \(gradient.count) for \(m.count) parameters")
        step += 1
        var offset = 0
        head.updateParameters { parameters in
            update(&parameters, gradient: gradient, from: offset)
            offset += parameters.count
        }
    }

    /// The step on one weight or bias array, whose moments and gradient start at `offset`.
    private mutating func update(_ parameters: inout [Float], gradient: [Float], from offset: Int) {
        let correction1 = 1 - pow(beta1, Float(step))
        let correction2 = 1 - pow(beta2, Float(step))
        for i in parameters.indices {
            let j = offset + i
            m[j] = beta1 * m[j] + (1 - beta1) * gradient[j]
            v[j] = beta2 * v[j] + (1 - beta2) * gradient[j] * gradient[j]
            parameters[i] -= learningRate * (m[j] / correction1) / ((v[j] / correction2).squareRoot() + epsilon)
        }
    }
}
