internal import CCurlew
internal import CurlewLocks
#if canImport(Glibc)
internal import Glibc
#endif

/// Data a ``CurlShare`` can share between easy handles: `CURL_LOCK_DATA_*`.
public enum CurlShareData: Int32, Sendable, CaseIterable {
    /// `CURL_LOCK_DATA_COOKIE`: the cookie store. Not safe across threads in 7.88.1: share it only
    /// between handles used on one thread.
    case cookie = 2
    /// `CURL_LOCK_DATA_DNS`: the DNS cache.
    case dns = 3
    /// `CURL_LOCK_DATA_SSL_SESSION`: the TLS session-ID cache (8 entries in 7.88.1).
    case sslSession = 4
    /// `CURL_LOCK_DATA_CONNECT`: the connection pool. Not safe across threads in 7.88.1.
    case connect = 5
    /// `CURL_LOCK_DATA_PSL`: the public suffix list (libcurl 7.61.0 and later).
    case psl = 6
    /// `CURL_LOCK_DATA_HSTS`: the HSTS cache (libcurl 7.88.0 and later).
    case hsts = 7

    /// The first libcurl version that can share this data.
    var minimumVersion: Int {
        switch self {
        case .cookie, .dns: 0x070A03
        case .sslSession: 0x070A03
        case .connect: 0x073900
        case .psl: 0x073D00
        case .hsts: 0x075800
        }
    }
}

/// A libcurl share handle: caches that several easy handles use together. PycURL's `CurlShare`.
///
/// The corresponding C type is `CURLSH`, made with `curl_share_init` and freed with
/// `curl_share_cleanup` by ``close()`` or when the last reference goes. Attach easy handles with
/// ``CurlEasy/setShare(_:)``; an attached handle keeps its share alive.
///
/// ## Thread safety
/// A share is safe to use from many threads at once, and handles attached to it may run on
/// different threads: it installs lock callbacks (`CURLSHOPT_LOCKFUNC`/`UNLOCKFUNC`) backed by
/// one `pthread_mutex_t` per `curl_lock_data`, at a stable address. ``close()`` is the exception,
/// and enforces these rules:
/// - While an attached handle is inside ``CurlEasy/perform()`` on any thread, or sits in a
///   ``CurlMulti`` (added, whether its transfer is running, done or not started: libcurl points
///   it at the share's caches at add and a running transfer holds their entries), ``close()``
///   throws ``CurlShareError`` with `.inUse` and leaves the share and every handle as they were.
///   Each handle records this under the share's lock, so a ``CurlEasy/perform()`` that starts
///   while ``close()`` runs either is refused by it or runs without the share.
/// - Otherwise, with `detachOnClose`, it clears `CURLOPT_SHARE` on every attached handle from the
///   calling thread, which is not thread-safe with respect to those handles: no other thread may
///   be calling their other methods while it runs.
/// Not every kind of data is safe to share across threads (see ``CurlShareData``).
public final class CurlShare: @unchecked Sendable {
    // @unchecked Sendable: `locks` is written only in init and deinit, and libcurl's calls into
    // it are the mutexes themselves; every other stored state lives in `state`, a `Locked`. The C
    // pointers of the attached easy handles inside it are used only by `close()`, under that
    // lock, to clear their `CURLOPT_SHARE`: it refuses while any attached handle is performing
    // or in a multi (counted under the same lock by the handle's own thread), and a pointer is
    // live while the lock is held, because every way a handle's C pointer ends (its `close()`,
    // its `deinit`, a change of share) first calls `forget`, which waits for this lock. It never
    // touches the handle's Swift state; its remaining rule (no other call on those handles
    // meanwhile) is documented above, as in PycURL.

    /// Whether ``close()`` detaches attached handles (`true`) or refuses while any is attached.
    public let detachOnClose: Bool

    /// One mutex per `curl_lock_data` value, never moved: libcurl's lock and unlock callbacks
    /// receive this address as their user pointer.
    private let locks: UnsafeMutablePointer<pthread_mutex_t>
    private static let lockCount = 16

    // @unchecked Sendable: reached only through `state`'s lock; the raw pointers inside are
    // never handed out of a `withLock` body.
    private struct State: @unchecked Sendable {
        var handle: UnsafeMutableRawPointer?
        /// The C pointer of each attached easy handle, by the handle's identity. Pointers, not
        /// weak references: a weak reference gives the handle a side table for life, and every
        /// retain and release of it then takes the runtime's slow path (measured on the
        /// request path of Curlew, whose loops retain their handles several times a request).
        var attached: [ObjectIdentifier: UnsafeMutableRawPointer] = [:]
        var shared: Set<CurlShareData> = []
        /// `perform()` calls in flight, and multi memberships, of handles using this share:
        /// while above zero `close()` refuses.
        var inUse = 0
    }

    private let state: Locked<State>

    /// Makes a share handle with `curl_share_init` and installs its lock callbacks.
    ///
    /// - Parameter detachOnClose: PycURL's `detach_on_close`: whether ``close()`` detaches
    ///   attached handles (the default) or throws while any is attached.
    /// - Throws: ``CurlError`` when libcurl cannot initialise, ``CurlShareError`` when it
    ///   cannot make the handle.
    public init(detachOnClose: Bool = true) throws {
        try CurlGlobal.initialize()
        guard let handle = curl_share_init() else {
            throw CurlShareError(.noMemory, detail: "curl_share_init returned NULL")
        }
        self.detachOnClose = detachOnClose
        locks = .allocate(capacity: Self.lockCount)
        for index in 0..<Self.lockCount { pthread_mutex_init(locks + index, nil) }
        state = Locked(State(handle: handle))
        _ = ccurlew_share_setopt_lock_callback(handle, curlewShareLock)
        _ = ccurlew_share_setopt_unlock_callback(handle, curlewShareUnlock)
        _ = ccurlew_share_setopt_pointer(handle, CURLSHOPT_USERDATA, locks)
    }

    deinit {
        // Attached handles keep their share alive, so none is attached here.
        state.withLock { state in
            if let handle = state.handle { _ = curl_share_cleanup(handle) }
            state.handle = nil
        }
        for index in 0..<Self.lockCount { pthread_mutex_destroy(locks + index) }
        locks.deallocate()
    }

    /// Whether ``close()`` has run.
    public var isClosed: Bool { state.withLock { $0.handle == nil } }

    /// How many live easy handles are attached.
    public var attachedCount: Int {
        state.withLock { $0.attached.count }
    }

    /// The data currently shared.
    public var sharedData: Set<CurlShareData> { state.withLock { $0.shared } }

    /// Starts sharing `data`. PycURL's `setopt(SH_SHARE, LOCK_DATA_…)`.
    ///
    /// The corresponding C function is `curl_share_setopt(CURLSHOPT_SHARE)`.
    /// - Throws: ``CurlShareError``: `.invalid` when closed, `.notBuiltIn` when the linked
    ///   libcurl cannot share it, `.inUse` while handles are attached.
    public func share(_ data: CurlShareData) throws {
        try setSharing(data, on: true)
    }

    /// Stops sharing `data`. PycURL's `setopt(SH_UNSHARE, LOCK_DATA_…)`.
    ///
    /// The corresponding C function is `curl_share_setopt(CURLSHOPT_UNSHARE)`.
    /// - Throws: ``CurlShareError``, as for ``share(_:)``.
    public func unshare(_ data: CurlShareData) throws {
        try setSharing(data, on: false)
    }

    private func setSharing(_ data: CurlShareData, on: Bool) throws(CurlShareError) {
        guard CurlVersion.current.versionNumber >= data.minimumVersion else {
            throw CurlShareError(.notBuiltIn, detail: "libcurl \(CurlVersion.current.version) cannot share \(data)")
        }
        try state.withLock { (state) throws(CurlShareError) in
            guard let handle = state.handle else {
                throw CurlShareError(.invalid, detail: "the CurlShare is closed")
            }
            let option = on ? CURLSHOPT_SHARE : CURLSHOPT_UNSHARE
            let code = CurlShareCode(ccurlew_share_setopt_lock_data(handle, option, curl_lock_data(UInt32(data.rawValue))))
            guard code == .ok else {
                throw CurlShareError(code, detail: "cannot \(on ? "share" : "unshare") \(data)")
            }
            if on { state.shared.insert(data) } else { state.shared.remove(data) }
        }
    }

    /// Records `easy` as attached, after `setShare` has set `CURLOPT_SHARE` under the lock (so a
    /// concurrent ``close()`` either sees the handle or refuses it).
    func attach(_ easy: CurlEasy, _ setShare: (UnsafeMutableRawPointer) throws -> Void) throws {
        try state.withLock { state in
            guard let handle = state.handle else {
                throw CurlShareError(.invalid, detail: "the CurlShare is closed")
            }
            guard let easyHandle = easy.handle else {
                throw CurlShareError(.invalid, detail: "the CurlEasy is closed")
            }
            try setShare(handle)
            state.attached[ObjectIdentifier(easy)] = easyHandle
        }
    }

    /// Counts a use that `close()` must wait for (a `perform()` or a multi membership of an
    /// attached handle); `false`, and nothing counted, when the share is closed (`close()` has
    /// then cleared the handle's `CURLOPT_SHARE` under this same lock).
    func beginUse() -> Bool {
        state.withLock { state in
            guard state.handle != nil else { return false }
            state.inUse += 1
            return true
        }
    }

    /// Ends a use counted by ``beginUse()``.
    func endUse() {
        state.withLock { $0.inUse -= 1 }
    }

    /// Drops `easy`'s record (it detached, closed, or is going away).
    func forget(_ easy: CurlEasy) {
        state.withLock { state in
            _ = state.attached.removeValue(forKey: ObjectIdentifier(easy))
        }
    }

    /// Frees the share handle; idempotent, and also run when the last reference goes. PycURL's
    /// `CurlShare.close()`.
    ///
    /// The corresponding C function is `curl_share_cleanup`. With `detachOnClose` every live
    /// attached handle is detached first (its `CURLOPT_SHARE` cleared, the handle left open);
    /// without it, the call throws while any is attached and the share stays open. Either way it
    /// throws, changing nothing, while an attached handle is inside ``CurlEasy/perform()`` (on
    /// any thread) or in a ``CurlMulti``: see the type's thread-safety rules.
    /// - Throws: ``CurlShareError`` with `.inUse` as above, or libcurl's code when cleanup fails.
    public func close() throws {
        try state.withLock { (state) throws(CurlShareError) in
            guard let handle = state.handle else { return }
            // Detaching a handle mid-transfer, or one a multi has pointed at the share's caches,
            // would leave libcurl using freed caches.
            guard state.inUse == 0 else {
                throw CurlShareError(.inUse, detail: "\(state.inUse) perform() call(s) or CurlMulti membership(s) of attached CurlEasy handles are using the share")
            }
            if !state.attached.isEmpty {
                guard detachOnClose else {
                    throw CurlShareError(.inUse, detail: "\(state.attached.count) CurlEasy handle(s) still attached and detachOnClose is false")
                }
                // Only the C handle is touched: the easy's `share` then reads as closed, so its
                // Swift state stays its own thread's.
                for easyHandle in state.attached.values { _ = ccurlew_easy_setopt_share(easyHandle, nil) }
            }
            state.attached.removeAll()
            let code = CurlShareCode(curl_share_cleanup(handle))
            guard code == .ok else { throw CurlShareError(code, detail: "curl_share_cleanup failed") }
            state.handle = nil
            state.shared.removeAll()
        }
    }
}

/// Runs `body` with a new share and closes it after, also when `body` throws: PycURL's
/// `with CurlShare(detach_on_close=…) as s:`.
public func withCurlShare<R>(detachOnClose: Bool = true, _ body: (CurlShare) throws -> R) throws -> R {
    let share = try CurlShare(detachOnClose: detachOnClose)
    let result: R
    do {
        result = try body(share)
    } catch {
        try? share.close()
        throw error
    }
    try share.close()
    return result
}

// The lock callbacks receive the mutex array as their user pointer (CURLSHOPT_USERDATA).

private let curlewShareLock: curl_lock_function = { _, data, _, userptr in
    guard let userptr, Int(data.rawValue) < 16 else { return }
    pthread_mutex_lock(userptr.assumingMemoryBound(to: pthread_mutex_t.self) + Int(data.rawValue))
}

private let curlewShareUnlock: curl_unlock_function = { _, data, userptr in
    guard let userptr, Int(data.rawValue) < 16 else { return }
    pthread_mutex_unlock(userptr.assumingMemoryBound(to: pthread_mutex_t.self) + Int(data.rawValue))
}
