import Foundation

/// Serves a `WyomingService` on a socket: one thread per client, each with its own
/// `WyomingSession`, all sharing the service's encoder. A client that breaks the protocol
/// or goes away is dropped with a one-line log; the server and the other clients go on.
public final class WyomingServer: @unchecked Sendable {
    public let service: WyomingService
    public let address: ServeAddress
    /// Clients served at once; more are turned away at connect.
    public let maximumClients: Int
    private let listener: Socket
    private let log: @Sendable (String) -> Void
    /// Live client sockets by id, so `run` can wake them when it stops.
    private var clients: [Int: Socket] = [:]
    private let lock = NSLock()
    private let finished = DispatchGroup()
    private var nextID = 1

    /// Starts listening on `address` (fails with a message if it cannot); serves when `run` is called.
    public init(service: WyomingService, address: ServeAddress, maximumClients: Int = 32, log: @escaping @Sendable (String) -> Void) throws
    {
        (self.service, self.address, self.maximumClients, self.log) = (service, address, maximumClients, log)
        listener = try Socket.listen(on: address)
    }

    /// The address clients connect to, with the port picked when it was 0.
    public var boundAddress: ServeAddress {
        if case .tcp(let host, _) = address, let port = listener.port { return .tcp(host: host, port: port) }
        return address
    }

    /// Accepts and serves clients until `stop()` returns true (checked a few times a second),
    /// then closes every connection, waits for their threads, and removes a unix socket file.
    public func run(until stop: @escaping @Sendable () -> Bool) {
        while !stop() {
            let client: Socket?
            do {
                client = try listener.accept(waiting: 200)
            } catch {
                log("\(error); retrying in 1 s")
                sleep(1)
                continue
            }
            guard let client else { continue }
            lock.lock()
            let (id, count) = (nextID, clients.count)
            nextID += 1
            if count < maximumClients { clients[id] = client }
            lock.unlock()
            guard count < maximumClients else {
                log("client \(id) \(client.name): turned away: \(maximumClients) clients are already connected")
                continue
            }
            finished.enter()
            let thread = Thread { [self] in
                serve(client, id: id, stop: stop)
                lock.lock()
                clients[id] = nil
                lock.unlock()
                finished.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        lock.lock()
        clients.values.forEach { $0.shutDown() }
        lock.unlock()
        finished.wait()
        if case .unix(let path) = address { unlink(path) }
    }

    /// Reads events from one client and answers them until it leaves, errs or the server stops.
    private func serve(_ client: Socket, id: Int, stop: @Sendable () -> Bool) {
        let session = WyomingSession(service: service)
        var decoder = WyomingDecoder()
        let who = "client \(id) \(client.name)"
        log("\(who): connected")
        let reason: String
        do {
            reading: while true {
                if stop() {
                    reason = "server stopping"
                    break
                }
                switch try client.read(maxBytes: 1 << 16, waiting: 200) {
                case .timeout:
                    continue
                case .closed:
                    reason =
                        decoder.isMidEvent
                        ? "disconnected in the middle of an event (\(decoder.bufferedBytes) bytes of it had arrived)" : "disconnected"
                    break reading
                case .bytes(let bytes):
                    decoder.append(bytes)
                    while let event = try decoder.next() {
                        for answer in try session.handle(event) { try client.write(answer.encoded()) }
                    }
                }
            }
        } catch {
            reason = "closed: \(error)"
        }
        log("\(who): \(reason)")
    }
}
