import Foundation

/// Runs independent jobs on a fixed number of worker threads, keeping results in input order.
enum Parallel {
    /// `transform` applied to every item; `progress` gets the count finished after each one.
    /// Stops early with `interrupted` once `isCancelled` says so.
    static func map<Item: Sendable, Output: Sendable>(
        _ items: [Item], threads: Int, isCancelled: @escaping @Sendable () -> Bool = { false },
        progress: @escaping @Sendable (Int) -> Void = { _ in },
        _ transform: @escaping @Sendable (Item) throws -> Output
    ) throws -> [Output] {
        let state = State<Output>(count: items.count)
        let work: @Sendable () -> Void = {
            while let index = state.claim() {
                if isCancelled() {
                    state.fail(WakeWordError.interrupted)
                    return
                }
                do {
                    let output = try transform(items[index])
                    progress(state.finish(index, output))
                } catch {
                    state.fail(error)
                    return
                }
            }
        }
        // Dispatch's concurrentPerform may run serially on Linux; plain threads do not.
        let workers = (1..<max(1, min(threads, items.count))).map { _ in
            let done = DispatchSemaphore(value: 0)
            let thread = Thread {
                work()
                done.signal()
            }
            thread.stackSize = 8 << 20
            thread.start()
            return done
        }
        work()
        workers.forEach { $0.wait() }
        return try state.results()
    }

    private final class State<Output>: @unchecked Sendable {
        private let lock = NSLock()
        private var outputs: [Output?]
        private var next = 0
        private var finished = 0
        private var error: Error?

        init(count: Int) { outputs = Array(repeating: nil, count: count) }

        func claim() -> Int? {
            lock.withLock {
                guard error == nil, next < outputs.count else { return nil }
                defer { next += 1 }
                return next
            }
        }

        func finish(_ index: Int, _ output: Output) -> Int {
            lock.withLock {
                outputs[index] = output
                finished += 1
                return finished
            }
        }

        func fail(_ error: Error) { lock.withLock { if self.error == nil { self.error = error } } }

        func results() throws -> [Output] {
            try lock.withLock {
                if let error { throw error }
                return outputs.map { $0! }
            }
        }
    }
}
