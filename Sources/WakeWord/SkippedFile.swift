/// An input file left out of training or evaluation, and why (a one-line message naming it).
public struct SkippedFile: Codable, Sendable, Equatable {
    public let file: String
    public let reason: String

    public init(file: String, reason: String) {
        (self.file, self.reason) = (file, reason)
    }
}
