/// Fits a head to labelled features by minibatch Adam on the weighted cross-entropy with L2
/// weight decay (TriggerHead.lossAndGradient). Seeded: the same data and seed give the same head.
public struct HeadFitting: Sendable {
    public var epochs = 30
    public var batchSize = 256
    public var learningRate: Float = 2e-3
    public var l2: Float = 1e-3

    public init() {}

    /// Trains `head` from its current parameters; returns the fitted head and the loss over
    /// all rows after each epoch.
    public func fit(_ head: TriggerHead, features: Matrix, labels: [Float], weights: [Float],
                    generator: inout SplitMix64) -> (head: TriggerHead, losses: [Double]) {
        precondition(features.rows == labels.count && labels.count == weights.count && features.rows > 0)
        var head = head
        var optimiser = Adam(count: head.parameters.count, learningRate: learningRate)
        var order = Array(0..<features.rows)
        var losses: [Double] = []
        for _ in 0..<epochs {
            order.shuffle(using: &generator)
            for start in stride(from: 0, to: order.count, by: batchSize) {
                let rows = order[start..<min(start + batchSize, order.count)]
                var batch = Matrix(rows: rows.count, columns: features.columns)
                for (i, r) in rows.enumerated() {
                    for c in 0..<features.columns { batch.values[i * features.columns + c] = features.values[r * features.columns + c] }
                }
                let (_, gradient) = head.lossAndGradient(batch, labels: rows.map { labels[$0] }, weights: rows.map { weights[$0] }, l2: l2)
                optimiser.update(&head.parameters, gradient: gradient)
            }
            losses.append(head.lossAndGradient(features, labels: labels, weights: weights, l2: l2).loss)
        }
        return (head, losses)
    }
}
