/// Fits a head to labelled features by minibatch Adam on the weighted cross-entropy with L2
/// weight decay (TriggerHead.lossAndGradient). Seeded: the same data and seed give the same head.
public struct HeadFitting: Sendable {
    public var epochs = 30
    public var batchSize = 256
    public var learningRate: Float = 2e-3
    public var l2: Float = 1e-3
    /// Rows visited per fit at most: with many rows (hours of negative audio, whose hops
    /// 0.1 s apart are near copies of their neighbours) fewer epochs are run, at least
    /// `minimumEpochs`, so training time stops growing with the hours of negatives.
    public var maximumRowVisits = 1_500_000
    public var minimumEpochs = 4

    public init() {}

    /// Trains `head` from its current parameters; returns the fitted head and the loss over
    /// all rows after each epoch.
    public func fit(
        _ head: TriggerHead, features: Matrix, labels: [Float], weights: [Float],
        generator: inout SplitMix64
    ) -> (head: TriggerHead, losses: [Double]) {
        fit(head, features: features, rows: Array(0..<features.rows), labels: labels, weights: weights, generator: &generator)
    }

    /// Trains on the listed rows of `features` only (`labels` and `weights` are per listed
    /// row), gathering one minibatch at a time instead of copying the rows out.
    public func fit(
        _ head: TriggerHead, features: Matrix, rows: [Int], labels: [Float], weights: [Float],
        generator: inout SplitMix64
    ) -> (head: TriggerHead, losses: [Double]) {
        precondition(rows.count == labels.count && labels.count == weights.count && !rows.isEmpty)
        var head = head
        var optimiser = Adam(count: head.parameters.count, learningRate: learningRate)
        var order = Array(rows.indices)
        var losses: [Double] = []
        for _ in 0..<epochs(rows: rows.count) {
            order.shuffle(using: &generator)
            for start in stride(from: 0, to: order.count, by: batchSize) {
                let batch = order[start..<min(start + batchSize, order.count)]
                let (_, gradient) = head.lossAndGradient(
                    features.gather(batch.map { rows[$0] }), labels: batch.map { labels[$0] },
                    weights: batch.map { weights[$0] }, l2: l2)
                optimiser.update(&head, gradient: gradient)
            }
            losses.append(loss(head, features: features, rows: rows, labels: labels, weights: weights))
        }
        return (head, losses)
    }

    /// Epochs run over `rows` rows: `epochs`, fewer when that would visit more than
    /// `maximumRowVisits` rows, never fewer than `minimumEpochs`.
    public func epochs(rows: Int) -> Int {
        max(min(epochs, maximumRowVisits / max(rows, 1)), min(minimumEpochs, epochs))
    }

    /// The weighted loss over the listed rows, computed in blocks.
    private func loss(_ head: TriggerHead, features: Matrix, rows: [Int], labels: [Float], weights: [Float]) -> Double {
        var (total, weight) = (0.0, 0.0)
        for start in stride(from: 0, to: rows.count, by: 4_096) {
            let block = start..<min(start + 4_096, rows.count)
            let blockWeight = Double(weights[block].reduce(0, +))
            // Each block's loss is a weighted mean without the penalty; recombine, then add it once.
            let (value, _) = head.lossAndGradient(
                features.gather(Array(rows[block])), labels: Array(labels[block]), weights: Array(weights[block]), l2: 0)
            total += value * blockWeight
            weight += blockWeight
        }
        return total / weight + head.penalty(l2: l2)
    }
}
