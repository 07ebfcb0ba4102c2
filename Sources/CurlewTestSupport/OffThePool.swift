internal import CurlewLocks
internal import Foundation

/// Runs `work`, which blocks (it starts a server and waits for its port, or waits for a child
/// process), on a thread of its own, and awaits its result there instead of on one of the
/// threads Swift concurrency runs every task on — one per core, two on the CI machine.
///
/// Blocked in a server start or a child process, those threads run nothing else: under
/// ThreadSanitizer a request body's producer task was seen to wait 21 s for one while its
/// request, driven by the loop thread, timed out at 20 s with nothing to send.
func offThePool<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.name = "curlew-test-blocking"
        thread.start()
    }
}

/// One server for the whole test process, started on first use (off the pool: see
/// ``offThePool(_:)``), started again if it has died, and stopped at exit.
final class SharedServer<Server: Sendable>: Sendable {
    private let instance = Locked<Server?>(nil)
    private let start: @Sendable () throws -> Server
    private let isRunning: @Sendable (Server) -> Bool
    private let stop: @Sendable (Server) -> Void

    init(start: @escaping @Sendable () throws -> Server, isRunning: @escaping @Sendable (Server) -> Bool,
         stop: @escaping @Sendable (Server) -> Void) {
        self.start = start
        self.isRunning = isRunning
        self.stop = stop
    }

    /// The running server, started if there is none: every caller gets the same one.
    func get() async throws -> Server {
        if let running = instance.withLock({ $0 }), isRunning(running) { return running }
        return try await offThePool { [self] in
            try instance.withLock { instance in
                if let instance, isRunning(instance) { return instance }
                if let instance { stop(instance) }  // a part of it may still run (nghttpd's two listeners)
                let started = try start()
                instance = started
                return started
            }
        }
    }
}
