#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A stream socket: the only place POSIX socket calls are made. Reads and accepts wait at
/// most a given time, so their callers can notice a stop request; writes never raise SIGPIPE.
public final class Socket: @unchecked Sendable {
    /// What one `read` found.
    public enum ReadResult: Equatable {
        case bytes([UInt8])
        /// The peer closed its end.
        case closed
        /// Nothing arrived within the timeout.
        case timeout
    }

    private let descriptor: Int32
    /// For messages: the listening address or the peer.
    public let name: String

    private init(descriptor: Int32, name: String) {
        (self.descriptor, self.name) = (descriptor, name)
    }

    deinit { close(descriptor) }

    /// A socket listening on `address`. A stale unix socket file is replaced.
    public static func listen(on address: ServeAddress, backlog: Int32 = 64) throws -> Socket {
        func fail(_ what: String, _ code: Int32 = errno) -> WakeWordError {
            .network(address: address.description, reason: "\(what): \(String(cString: strerror(code)))")
        }
        switch address {
        case .tcp(let host, let port):
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            hints.ai_flags = AI_PASSIVE
            var list: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(host, String(port), &hints, &list)
            guard status == 0, let first = list else {
                throw WakeWordError.network(
                    address: address.description, reason: "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
            }
            defer { freeaddrinfo(list) }
            let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw fail("cannot create a socket") }
            let sock = Socket(descriptor: fd, name: address.description)
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            guard bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
                let code = errno
                throw fail("cannot listen", code).adding(code == EADDRINUSE ? "; stop what listens there or pick another port" : "")
            }
            guard Glibc.listen(fd, backlog) == 0 else { throw fail("cannot listen") }
            return sock
        case .unix(let path):
            var status = stat()
            if lstat(path, &status) == 0 {
                guard status.st_mode & S_IFMT == S_IFSOCK else {
                    throw WakeWordError.network(
                        address: address.description, reason: "\(path) exists and is not a socket; remove it or pick another path")
                }
                unlink(path)
            }
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw fail("cannot create a socket") }
            let sock = Socket(descriptor: fd, name: address.description)
            var socketAddress = sockaddr_un()
            socketAddress.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &socketAddress.sun_path) { buffer in
                for (i, byte) in path.utf8.enumerated() { buffer[i] = byte }
            }
            let bound = withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard bound == 0 else {
                let code = errno
                throw fail("cannot listen", code).adding(
                    code == EACCES || code == ENOENT ? "; check that the folder exists and is writable" : "")
            }
            guard Glibc.listen(fd, backlog) == 0 else { throw fail("cannot listen") }
            return sock
        }
    }

    /// The TCP port this socket is bound to (the one picked for port 0), or nil for a unix socket.
    public var port: Int? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) == 0 }
        }
        guard ok else { return nil }
        switch Int32(storage.ss_family) {
        case AF_INET: return withUnsafeBytes(of: storage) { Int(UInt16(bigEndian: $0.load(fromByteOffset: 2, as: UInt16.self))) }
        case AF_INET6: return withUnsafeBytes(of: storage) { Int(UInt16(bigEndian: $0.load(fromByteOffset: 2, as: UInt16.self))) }
        default: return nil
        }
    }

    /// The next connection, or nil when none arrived within `milliseconds`.
    public func accept(waiting milliseconds: Int32) throws -> Socket? {
        guard wait(milliseconds) else { return nil }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(descriptor, $0, &length) }
        }
        guard fd >= 0 else {
            // The peer may have gone between poll and accept; out of descriptors is worth a message.
            if errno == EAGAIN || errno == ECONNABORTED || errno == EINTR { return nil }
            throw WakeWordError.network(address: name, reason: "accept failed: \(String(cString: strerror(errno)))")
        }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        // A client that stops reading must not hold a server thread forever.
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return Socket(descriptor: fd, name: Socket.peerName(storage))
    }

    /// Up to `maxBytes`, waiting at most `milliseconds` for the first.
    public func read(maxBytes: Int, waiting milliseconds: Int32) throws -> ReadResult {
        guard wait(milliseconds) else { return .timeout }
        var bytes = [UInt8](repeating: 0, count: maxBytes)
        let count = bytes.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, maxBytes, 0) }
        if count < 0 {
            if errno == EINTR || errno == EAGAIN { return .timeout }
            if errno == ECONNRESET { return .closed }
            throw WakeWordError.network(address: name, reason: "read failed: \(String(cString: strerror(errno)))")
        }
        if count == 0 { return .closed }
        bytes.removeSubrange(count...)
        return .bytes(bytes)
    }

    /// Sends all of `bytes`; fails when the peer is gone or has not read for 10 s.
    public func write(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                let reason = errno == EAGAIN || errno == EWOULDBLOCK ? "the client has not read for 10 s" : String(cString: strerror(errno))
                throw WakeWordError.network(address: name, reason: "write failed: \(reason)")
            }
            sent += count
        }
    }

    /// Wakes a thread blocked reading this socket: its next read finds it closed.
    public func shutDown() {
        shutdown(descriptor, Int32(SHUT_RDWR))
    }

    private func wait(_ milliseconds: Int32) -> Bool {
        var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&request, 1, milliseconds) > 0
    }

    private static func peerName(_ storage: sockaddr_storage) -> String {
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        var copy = storage
        let status = withUnsafePointer(to: &copy) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo(
                    $0, socklen_t(MemoryLayout<sockaddr_storage>.size), &host, socklen_t(host.count), &service,
                    socklen_t(service.count), NI_NUMERICHOST | NI_NUMERICSERV)
            }
        }
        guard status == 0, Int32(storage.ss_family) != AF_UNIX else { return "unix socket peer" }
        func text(_ chars: [CChar]) -> String { String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        return Int32(storage.ss_family) == AF_INET6 ? "[\(text(host))]:\(text(service))" : "\(text(host)):\(text(service))"
    }
}

extension WakeWordError {
    /// The same network error with advice appended to its reason.
    fileprivate func adding(_ advice: String) -> WakeWordError {
        guard case .network(let address, let reason) = self, !advice.isEmpty else { return self }
        return .network(address: address, reason: reason + advice)
    }
}
