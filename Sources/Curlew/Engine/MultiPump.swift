internal import LibCurl

/// One `CurlMulti` served from a libev loop through the socket interface: the socket function
/// keeps one ``EvIO`` per socket (``SocketWatchers``), the timer function one re-armed
/// ``EvTimer``, and both kinds of event call `socketAction` and then drain `infoRead`, handing
/// each finished transfer to ``onDone``. When `socketAction` fails the multi is unusable:
/// ``onFailure`` runs (its handles are still in it, so the owner can remove them), and a fresh
/// multi, set up the same way, takes its place. Loop-confined.
///
/// A loop has two: the HTTP transfers' (``MultiDriver``), with the connection limits, and the
/// WebSockets' (``WebSocketHost``), whose connections are never reused and must not count
/// against those limits, nor be pruned by another transfer's connection reuse.
final class MultiPump {
    private let ev: EvLoop
    private let thread: LoopThread
    private let setUp: (CurlMulti) throws -> Void
    private(set) var multi: CurlMulti
    private var sockets: SocketWatchers?
    private var timer: EvTimer?
    /// A transfer ended: its handle, and libcurl's code and message when it failed.
    var onDone: (CurlEasy, CurlCode?, String) -> Void = { _, _, _ in }
    /// `socketAction` failed; the multi is replaced once this returns.
    var onFailure: (any Error) -> Void = { _ in }
    /// Whether a fresh multi could be made after a failure (no new work otherwise).
    private(set) var isUsable = true

    /// A pump for a new multi; `setUp` sets its options, now and on every replacement.
    init(ev: EvLoop, thread: LoopThread, setUp: @escaping (CurlMulti) throws -> Void) throws {
        self.ev = ev
        self.thread = thread
        self.setUp = setUp
        multi = try CurlMulti()
        timer = EvTimer(loop: ev) { [unowned self] in self.event(CurlMulti.socketTimeout, []) }
        try configure(multi)
    }

    private func configure(_ multi: CurlMulti) throws {
        try setUp(multi)
        let sockets = SocketWatchers(loop: ev, multi: multi) { [unowned self] socket, events in self.socketReady(socket, events) }
        self.sockets = sockets
        try multi.setopt(.socketFunction) { what, socket, _, socketData in
            sockets.changed(what, socket: socket, watcher: socketData as? EvIO)
        }
        try multi.setopt(.timerFunction) { [unowned self] timeoutMS in
            self.timerChanged(timeoutMS)
        }
    }

    /// Sockets watched for the multi now.
    var watchedSockets: Int { sockets?.count ?? 0 }

    // MARK: - libcurl's timer function (its socket function is `sockets`)

    private func timerChanged(_ timeoutMS: Int) {
        // Never socketAction from here (7.88.1 answers CURLM_RECURSIVE_API_CALL): arm the timer.
        guard timeoutMS >= 0 else {
            timer?.stop()
            return
        }
        timer?.arm(after: Double(timeoutMS) / 1000)
    }

    // MARK: - Events

    private func socketReady(_ socket: Int32, _ events: EvEvents) {
        var mask: CurlSelect = []
        if events.contains(.read) { mask.insert(.in) }
        if events.contains(.write) { mask.insert(.out) }
        if events.contains(.error) { mask.insert(.err) }
        event(socket, mask)
    }

    /// An event from libev: let libcurl act on it, then hand over what it finished. (The
    /// continuations its callbacks produced are resumed when the round ends: ``LoopDriver/roundEnded()``.)
    private func event(_ socket: Int32, _ mask: CurlSelect) {
        thread.assertCurrent("MultiPump")
        socketAction(socket, mask)
    }

    /// Drives new and resumed transfers now rather than on the next timer event: libcurl
    /// reports only changes of its earliest timeout, and an unpaused upload with an idle
    /// socket was seen to wait for its deadline otherwise.
    func kick() { socketAction(CurlMulti.socketTimeout, []) }

    private func socketAction(_ socket: Int32, _ mask: CurlSelect) {
        do {
            _ = try multi.socketAction(socket, events: mask)
        } catch {
            return failed(error)
        }
        drainCompletions()
    }

    func drainCompletions() {
        try? multi.forEachFinished { easy, code, message in onDone(easy, code == .ok ? nil : code, message) }
    }

    private func failed(_ error: any Error) {
        onFailure(error)
        try? multi.close()
        sockets?.multiClosed()
        timer?.stop()
        do {
            let fresh = try CurlMulti()
            try configure(fresh)
            multi = fresh
        } catch {
            isUsable = false
        }
    }

    /// Closes the multi (while its callbacks' data lives) and drops the watchers (while their
    /// loop exists).
    func close() {
        try? multi.close()
        sockets?.multiClosed()
        sockets = nil
        timer = nil
    }
}
