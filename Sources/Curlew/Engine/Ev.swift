internal import CCurlew

// libev for the engine: the one file that calls it. A loop, and the four watcher kinds the
// engine uses, each a class that owns its C watcher (allocated once, at a stable address) and
// calls a closure. A watcher's C `data` is its own object, unretained: the object stops the
// watcher in its `deinit`, so libev never calls back into a freed one. Every method but
// ``EvAsync/send()`` runs on the loop's thread.

/// Events of an ``EvIO``.
struct EvEvents: OptionSet {
    let rawValue: Int32
    static let read = EvEvents(rawValue: Int32(EV_READ))
    static let write = EvEvents(rawValue: Int32(EV_WRITE))
    static let error = EvEvents(rawValue: Int32(EV_ERROR))
}

/// An `ev_loop`: epoll where available, signals left alone (`EVFLAG_NOSIGMASK`).
final class EvLoop {
    let raw: OpaquePointer
    private var destroyed = false

    init() throws(HTTPClientError) {
        guard let raw = ev_loop_new(ccurlew_ev_backend_epoll() | ccurlew_ev_flag_nosigmask()) ?? ev_loop_new(ccurlew_ev_flag_nosigmask()) else {
            throw HTTPClientError(.other, "libev could not create a loop")
        }
        self.raw = raw
    }

    /// `ev_run` until ``breakAll()``.
    func run() { ev_run(raw, 0) }

    /// `ev_break(EVBREAK_ALL)`: `run()` returns once the current callback has.
    func breakAll() { ev_break(raw, Int32(EVBREAK_ALL)) }

    /// `ev_loop_destroy`, once every watcher is stopped. Not a `deinit`: the loop's owner
    /// outlives its thread, and the loop must go with the thread.
    func destroy() {
        guard !destroyed else { return }
        destroyed = true
        ev_loop_destroy(raw)
    }
}

/// An `ev_io`: one socket's readiness.
final class EvIO {
    private let watcher: UnsafeMutablePointer<ev_io>
    private let loop: EvLoop
    fileprivate let onEvent: (Int32, EvEvents) -> Void

    /// `onEvent(fd, events)` runs for each readiness.
    init(loop: EvLoop, _ onEvent: @escaping (Int32, EvEvents) -> Void) {
        self.loop = loop
        self.onEvent = onEvent
        watcher = .allocate(capacity: 1)
        watcher.initialize(to: ev_io())
        ccurlew_ev_io_init(watcher, evIOFired, -1, 0)
        // Unretained: `deinit` stops the watcher before this object goes.
        ccurlew_ev_set_data(watcher, Unmanaged.passUnretained(self).toOpaque())
    }

    deinit {
        stop()
        watcher.deallocate()
    }

    /// Watches `fd` for `events` (none: stopped). The fd number may have been reused, so it is
    /// set anew each time.
    func watch(_ fd: Int32, _ events: EvEvents) {
        ev_io_stop(loop.raw, watcher)
        guard !events.isEmpty else { return }
        ccurlew_ev_io_set(watcher, fd, events.rawValue)
        ev_io_start(loop.raw, watcher)
    }

    func stop() { ev_io_stop(loop.raw, watcher) }
}

/// A non-repeating `ev_timer`.
final class EvTimer {
    private let watcher: UnsafeMutablePointer<ev_timer>
    private let loop: EvLoop
    fileprivate let onFire: () -> Void

    init(loop: EvLoop, _ onFire: @escaping () -> Void) {
        self.loop = loop
        self.onFire = onFire
        watcher = .allocate(capacity: 1)
        watcher.initialize(to: ev_timer())
        ccurlew_ev_timer_init(watcher, evTimerFired, 0, 0)
        // Unretained: `deinit` stops the watcher before this object goes.
        ccurlew_ev_set_data(watcher, Unmanaged.passUnretained(self).toOpaque())
    }

    deinit {
        stop()
        watcher.deallocate()
    }

    /// Fires once, `seconds` from now (a fraction of a second counts: no integer division).
    func arm(after seconds: Double) {
        ev_timer_stop(loop.raw, watcher)
        ccurlew_ev_timer_set(watcher, max(0, seconds), 0)
        ev_timer_start(loop.raw, watcher)
    }

    func stop() { ev_timer_stop(loop.raw, watcher) }

    var isActive: Bool { ccurlew_ev_is_active(watcher) != 0 }
}

/// An `ev_prepare`: runs before each poll, after every callback of the last round.
final class EvPrepare {
    private let watcher: UnsafeMutablePointer<ev_prepare>
    private let loop: EvLoop
    fileprivate let onPrepare: () -> Void

    init(loop: EvLoop, _ onPrepare: @escaping () -> Void) {
        self.loop = loop
        self.onPrepare = onPrepare
        watcher = .allocate(capacity: 1)
        watcher.initialize(to: ev_prepare())
        ccurlew_ev_prepare_init(watcher, evPrepareFired)
        // Unretained: `deinit` stops the watcher before this object goes.
        ccurlew_ev_set_data(watcher, Unmanaged.passUnretained(self).toOpaque())
    }

    deinit {
        stop()
        watcher.deallocate()
    }

    func start() { ev_prepare_start(loop.raw, watcher) }
    func stop() { ev_prepare_stop(loop.raw, watcher) }
}

/// An `ev_async`: wakes the loop from any thread. Its callback does nothing: the loop's
/// ``EvPrepare`` takes the work after the wake-up.
final class EvAsync: @unchecked Sendable {
    // @unchecked Sendable: other threads call only `send`, which calls `ev_async_send`, documented
    // by libev as safe from any thread; `start` and `stop` run on the loop thread. The caller of
    // `send` guarantees the loop is not yet destroyed (EventLoop sends under its queue lock, which
    // the thread takes to close the queue before it destroys the loop).
    private let watcher: UnsafeMutablePointer<ev_async>
    private let loop: EvLoop

    init(loop: EvLoop) {
        self.loop = loop
        watcher = .allocate(capacity: 1)
        watcher.initialize(to: ev_async())
        ccurlew_ev_async_init(watcher, evAsyncFired)
    }

    deinit { watcher.deallocate() }

    func start() { ev_async_start(loop.raw, watcher) }
    func stop() { ev_async_stop(loop.raw, watcher) }

    /// Wakes the loop; wake-ups coalesce until it runs.
    func send() { ev_async_send(loop.raw, watcher) }
}

private let evIOFired: @convention(c) (OpaquePointer?, UnsafeMutablePointer<ev_io>?, Int32) -> Void = { _, watcher, revents in
    guard let watcher, let data = ccurlew_ev_data(watcher) else { return }
    Unmanaged<EvIO>.fromOpaque(data).takeUnretainedValue().onEvent(watcher.pointee.fd, EvEvents(rawValue: revents))
}

private let evTimerFired: @convention(c) (OpaquePointer?, UnsafeMutablePointer<ev_timer>?, Int32) -> Void = { _, watcher, _ in
    guard let watcher, let data = ccurlew_ev_data(watcher) else { return }
    Unmanaged<EvTimer>.fromOpaque(data).takeUnretainedValue().onFire()
}

private let evPrepareFired: @convention(c) (OpaquePointer?, UnsafeMutablePointer<ev_prepare>?, Int32) -> Void = { _, watcher, _ in
    guard let watcher, let data = ccurlew_ev_data(watcher) else { return }
    Unmanaged<EvPrepare>.fromOpaque(data).takeUnretainedValue().onPrepare()
}

private let evAsyncFired: @convention(c) (OpaquePointer?, UnsafeMutablePointer<ev_async>?, Int32) -> Void = { _, _, _ in }
