#if canImport(Glibc)
internal import Glibc
#endif

/// The thread that a loop's confined objects belong to, for the debug-build checks of
/// ``LoopBound`` and the engine's entry points (in the spirit of NIO's `NIOLoopBound`). In
/// release builds the checks compile away.
final class LoopThread: @unchecked Sendable {
    // @unchecked Sendable: `owner` is written once, by `claim()` on the owning thread before any
    // confined object is used, and published to other threads by the start-up handshake (a
    // mutex and condition); after that it is only read.
    private var owner: pthread_t?

    init() {}

    /// Makes the calling thread the owner.
    func claim() { owner = pthread_self() }

    /// Whether the calling thread is the owner.
    var isCurrent: Bool { owner.map { pthread_equal($0, pthread_self()) != 0 } ?? false }

    /// Stops a debug build when called off the owning thread.
    @inline(__always)
    func assertCurrent(_ what: @autoclosure () -> String = "loop-confined state", file: StaticString = #fileID, line: UInt = #line) {
        assert(isCurrent, "\(what()) used off its loop's thread", file: file, line: line)
    }
}

/// A value that only its loop's thread may touch: every access checks, in debug builds, that
/// it happens there.
struct LoopBound<Value> {
    let thread: LoopThread
    private var stored: Value

    init(_ value: Value, on thread: LoopThread) {
        self.thread = thread
        stored = value
    }

    var value: Value {
        get {
            thread.assertCurrent()
            return stored
        }
        _modify {
            thread.assertCurrent()
            yield &stored
        }
    }
}
