#if canImport(Glibc)
public import Glibc  // public: the inlinable withLock calls pthread_mutex_lock in its callers
#endif

/// A value guarded by a `pthread_mutex_t`: the one lock type Curlew uses.
///
/// Why not `Synchronization.Mutex`: on Linux it is built on raw futex calls that
/// ThreadSanitizer cannot see, so every access it guards is reported as a race and
/// `swift test --sanitize=thread` says nothing useful. ThreadSanitizer intercepts pthread
/// mutexes, so with this lock its reports are real.
///
/// A `Locked` is a reference: copies share one value and one mutex, which live together in
/// one allocation (a `ManagedBuffer`: the value is its header, the mutex its one element, at an
/// address that never moves). Requests make one each, so one allocation rather than two counts.
public struct Locked<Value: Sendable>: @unchecked Sendable {
    // @unchecked Sendable: the value is read and written only inside `withLock`, between
    // `pthread_mutex_lock` and `pthread_mutex_unlock` on the storage's mutex, which is
    // initialized before the storage is shared and destroyed only in its `deinit`, when no
    // other reference exists.

    @usableFromInline
    final class Storage: ManagedBuffer<Value, pthread_mutex_t> {
        deinit {
            withUnsafeMutablePointerToElements { mutex in
                pthread_mutex_destroy(mutex)
                mutex.deinitialize(count: 1)
            }
        }
    }

    // @usableFromInline so that `withLock` is inlined and specialized in its callers: across
    // the module boundary, an opaque generic call per lock was measurable on the request path.
    @usableFromInline let storage: Storage

    /// A lock guarding `value`.
    public init(_ value: Value) {
        // `create` returns the subclass it was called on, typed as its superclass.
        storage = unsafeDowncast(Storage.create(minimumCapacity: 1) { _ in value }, to: Storage.self)
        storage.withUnsafeMutablePointerToElements { mutex in
            mutex.initialize(to: pthread_mutex_t())
            _ = pthread_mutex_init(mutex, nil)
        }
    }

    /// Runs `body` with the value, holding the lock. Never call back into the same lock from it.
    @inlinable
    public func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        // Locked and unlocked inside the closure, where the pointers are valid.
        try storage.withUnsafeMutablePointers { (value, mutex) throws(Failure) -> Result in
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            return try body(&value.pointee)
        }
    }
}
