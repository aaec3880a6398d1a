import ArgumentParser

/// One `--threshold` value: a score for every model ("0.9") or for the model of one name
/// ("alexa=0.9").
struct ThresholdArgument: ExpressibleByArgument, Equatable {
    /// The model's name, or nil for every model without a threshold of its own.
    let name: String?
    /// In [0, 1] once validated.
    let score: Float

    init(name: String?, score: Float) {
        (self.name, self.score) = (name, score)
    }

    init?(argument: String) {
        if let score = Float(argument) {
            self.init(name: nil, score: score)
        } else if let equals = argument.lastIndex(of: "="), equals != argument.startIndex,
            let score = Float(argument[argument.index(after: equals)...])
        {
            self.init(name: String(argument[..<equals]), score: score)
        } else {
            return nil
        }
    }
}
