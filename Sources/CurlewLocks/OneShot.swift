#if canImport(Glibc)
internal import Glibc
#endif

/// A value set once by one thread and waited for by another: a pthread mutex and condition,
/// which ThreadSanitizer can see (as `Locked`). For start-up handshakes, where the waiting
/// thread blocks until the other has said how it went.
public final class OneShot<Value: Sendable>: @unchecked Sendable {
    // @unchecked Sendable: `value` is read and written only between `pthread_mutex_lock` and
    // `pthread_mutex_unlock` on `mutex`; both pthread objects are allocated and initialized
    // before `self` is shared and destroyed only in `deinit`, when no other reference exists.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var value: Value?

    public init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Sets the value (the first one counts) and wakes the waiter.
    public func set(_ newValue: Value) {
        pthread_mutex_lock(mutex)
        if value == nil { value = newValue }
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Blocks until the value is set, and returns it.
    public func wait() -> Value {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while true {
            if let value { return value }
            pthread_cond_wait(condition, mutex)
        }
    }
}
