#if canImport(Glibc)
public import Glibc  // public: the inlinable withLock calls pthread_mutex_lock in its callers
#endif

/// A value guarded by a `pthread_mutex_t`: the one lock type Curlew uses.
///
/// Why not `Synchronization.Mutex`: on Linux it is built on raw futex calls that
/// ThreadSanitizer cannot see, so every access it guards is reported as a race and
/// `swift test --sanitize=thread` says nothing useful. ThreadSanitizer intercepts pthread
/// mutexes, so with this lock its reports are real.
public final class Locked<Value: Sendable>: @unchecked Sendable {
    // @unchecked Sendable: `value` is read and written only inside `withLock`, between
    // `pthread_mutex_lock` and `pthread_mutex_unlock` on `mutex`, which is heap-allocated so it
    // never moves, and destroyed only in `deinit`, when no other reference exists.
    // @usableFromInline so that `withLock` is inlined and specialized in its callers: across
    // the module boundary, an opaque generic call per lock was measurable on the request path.
    @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>
    @usableFromInline var value: Value

    /// A lock guarding `value`.
    public init(_ value: Value) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        self.value = value
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the value, holding the lock. Never call back into the same lock from it.
    @inlinable
    public func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
