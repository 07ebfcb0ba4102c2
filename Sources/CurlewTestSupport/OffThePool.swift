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

/// A server the test support starts: whether it still runs, and how to stop it.
protocol LoopbackServer: Sendable {
    var isRunning: Bool { get }
    func stop()
}

/// One server for the whole test process, started on first use (off the pool: see
/// ``offThePool(_:)``), started again if it has died, and stopped at exit.
final class SharedServer<Server: LoopbackServer>: Sendable {
    private let instance = Locked<Server?>(nil)
    private let start: @Sendable () throws -> Server

    init(start: @escaping @Sendable () throws -> Server) { self.start = start }

    /// The running server, started if there is none: every caller gets the same one.
    func get() async throws -> Server {
        if let running = instance.withLock({ $0 }), running.isRunning { return running }
        return try await offThePool { [self] in
            try instance.withLock { instance in
                if let instance, instance.isRunning { return instance }
                instance?.stop()  // a part of it may still run (nghttpd's two listeners)
                let started = try start()
                instance = started
                return started
            }
        }
    }
}
