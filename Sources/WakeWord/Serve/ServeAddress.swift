/// Where `wakeword serve` listens: `tcp://HOST:PORT` (HOST a name, an IPv4 address or
/// `[IPv6]`; PORT 0 picks a free one) or `unix:///path/to/socket`.
public enum ServeAddress: Sendable, Equatable, CustomStringConvertible {
    case tcp(host: String, port: Int)
    case unix(path: String)

    /// Parses a URI; the error says what form is expected.
    public init(uri: String) throws {
        func fail(_ reason: String) -> WakeWordError {
            .invalidInput("--uri \(uri): \(reason); use tcp://HOST:PORT (e.g. tcp://127.0.0.1:10400) or unix:///path/to/socket")
        }
        if uri.hasPrefix("unix://") {
            let path = String(uri.dropFirst("unix://".count))
            guard !path.isEmpty else { throw fail("no socket path") }
            // sockaddr_un holds 108 bytes with the terminating zero.
            guard path.utf8.count < 108 else { throw fail("the socket path is longer than 107 bytes") }
            self = .unix(path: path)
        } else if uri.hasPrefix("tcp://") {
            let rest = String(uri.dropFirst("tcp://".count))
            guard let colon = rest.lastIndex(of: ":") else { throw fail("no port") }
            var host = String(rest[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else { throw fail("no host") }
            guard let port = Int(rest[rest.index(after: colon)...]), (0...65_535).contains(port) else {
                throw fail("the port is not 0...65535")
            }
            self = .tcp(host: host, port: port)
        } else {
            throw fail("unknown scheme")
        }
    }

    public var description: String {
        switch self {
        case .tcp(let host, let port): return host.contains(":") ? "tcp://[\(host)]:\(port)" : "tcp://\(host):\(port)"
        case .unix(let path): return "unix://\(path)"
        }
    }
}
