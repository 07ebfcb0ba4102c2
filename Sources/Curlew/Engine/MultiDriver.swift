internal import CCurlew
internal import LibCurl
internal import HTTPTypes
internal import Logging
#if canImport(Glibc)
internal import Glibc
#endif

/// Serves one `CurlMulti` from a libev loop, through the socket interface: the socket function
/// keeps one `ev_io` per socket, the timer function one re-armed `ev_timer`, and both kinds of
/// event call `socketAction` and then drain `infoRead`. Confined to its loop's thread: every
/// method runs there (the loop calls them, from libev callbacks or the command queue).
final class MultiDriver {
    private let loop: EventLoop
    private var multi: CurlMulti
    private let share: CurlShare
    private let configuration: HTTPClientConfiguration
    /// libcurl's timer.
    private let timer: UnsafeMutablePointer<ev_timer>
    /// The shutdown grace timer.
    private let graceTimer: UnsafeMutablePointer<ev_timer>
    private var byEasy: [ObjectIdentifier: LoopTransfer] = [:]
    private var byTransfer: [ObjectIdentifier: LoopTransfer] = [:]
    /// Easy handles kept for reuse, each with the shape it is still set up for (`nil`: it must
    /// be reset first).
    private var pool: [(easy: CurlEasy, shape: EasyShape?, callbacks: EasyCallbacks)] = []
    private let poolLimit = 256
    private var accepting = true
    private var shutdownDone: [@Sendable () -> Void] = []
    private var tornDown = false
    /// Watchers assigned to a socket of the multi now.
    private(set) var watcherCount = 0
    /// Continuations produced by libcurl's callbacks, resumed when each libev callback of ours
    /// ends (see ``Resumptions``).
    private let resumptions: Resumptions

    init(loop: EventLoop, share: CurlShare, configuration: HTTPClientConfiguration) throws {
        self.loop = loop
        self.share = share
        self.configuration = configuration
        resumptions = Resumptions(loop: loop)
        multi = try CurlMulti()
        timer = .allocate(capacity: 1)
        timer.initialize(to: ev_timer())
        graceTimer = .allocate(capacity: 1)
        graceTimer.initialize(to: ev_timer())
        ccurlew_ev_timer_init(timer, curlewTimerFired, 0, 0)
        ccurlew_ev_timer_init(graceTimer, curlewGraceFired, 0, 0)
        // Unretained: the driver outlives both timers, which are stopped in `tearDown`.
        ccurlew_ev_set_data(timer, Unmanaged.passUnretained(self).toOpaque())
        ccurlew_ev_set_data(graceTimer, Unmanaged.passUnretained(self).toOpaque())
        try configureMulti(multi)
    }

    deinit {
        timer.deallocate()
        graceTimer.deallocate()
    }

    private func configureMulti(_ multi: CurlMulti) throws {
        try multi.setopt(.maxHostConnections, configuration.maxConnectionsPerHost)
        try multi.setopt(.maxTotalConnections, configuration.maxConnections)
        try multi.setopt(.maxConcurrentStreams, configuration.maxConcurrentStreams)
        try multi.setopt(.maxConnects, configuration.maxIdleConnections)
        try multi.setopt(.socketFunction) { [unowned self] what, socket, _, socketData in
            self.socketChanged(what, socket: socket, watcher: socketData as? SocketWatcher)
        }
        try multi.setopt(.timerFunction) { [unowned self] timeoutMS in
            self.timerChanged(timeoutMS)
        }
    }

    // MARK: - libcurl's socket and timer functions

    private func socketChanged(_ what: CurlPoll, socket: Int32, watcher: SocketWatcher?) {
        if what == .remove {
            // The multi drops the assignment; the watcher is kept for the next socket (libcurl
            // removes a connection's socket each time it goes back to its cache, and adds it
            // again for the next request on it).
            if let watcher {
                watcher.stop()
                watcherCount -= 1
                if spareWatchers.count < 64 { spareWatchers.append(watcher) }
            }
            return
        }
        var events: Int32 = 0
        if what == .in || what == .inOut { events |= Int32(EV_READ) }
        if what == .out || what == .inOut { events |= Int32(EV_WRITE) }
        let active: SocketWatcher
        if let watcher {
            active = watcher
        } else {
            active = spareWatchers.popLast() ?? SocketWatcher(loop: loop.evLoop, driver: self)
            watcherCount += 1
            // assign can only fail for a socket libcurl does not know, and it just told us of this one.
            try? multi.assign(socket, active)
        }
        active.watch(socket, events: events)
    }

    /// Stopped watchers kept for reuse.
    private var spareWatchers: [SocketWatcher] = []

    private func timerChanged(_ timeoutMS: Int) {
        ev_timer_stop(loop.evLoop, timer)
        guard timeoutMS >= 0 else { return }
        // Never socketAction from here (7.88.1 answers CURLM_RECURSIVE_API_CALL): arm the timer.
        ccurlew_ev_timer_set(timer, Double(timeoutMS) / 1000, 0)
        ev_timer_start(loop.evLoop, timer)
    }

    // MARK: - Events

    fileprivate func socketReady(_ socket: Int32, revents: Int32) {
        var mask: CurlSelect = []
        if revents & Int32(EV_READ) != 0 { mask.insert(.in) }
        if revents & Int32(EV_WRITE) != 0 { mask.insert(.out) }
        if revents & Int32(EV_ERROR) != 0 { mask.insert(.err) }
        act(socket, mask)
    }

    fileprivate func timerFired() {
        act(CurlMulti.socketTimeout, [])
    }

    /// An event from libev: let libcurl act on it, then hand over what it produced and run the
    /// work that wakes (tasks on this loop's executor start their next request here).
    private func act(_ socket: Int32, _ mask: CurlSelect) {
        socketAction(socket, mask)
        resumptions.run()
        processCommands()
    }

    private func socketAction(_ socket: Int32, _ mask: CurlSelect) {
        do {
            _ = try multi.socketAction(socket, events: mask)
        } catch {
            multiFailed(error)
            return
        }
        drainCompletions()
    }

    /// `socket_action` failed: the multi is unusable. Fail every transfer and start a new one.
    private func multiFailed(_ error: any Error) {
        let failure = HTTPClientError(.other, "the transfer engine failed", detail: "\(error)")
        for transfer in Array(byEasy.values) { complete(transfer, error: failure) }
        try? multi.close()
        watcherCount = 0  // closing the multi dropped (and stopped) every assigned watcher
        ev_timer_stop(loop.evLoop, timer)
        do {
            let fresh = try CurlMulti()
            try configureMulti(fresh)
            multi = fresh
        } catch {
            // Without a multi nothing can run: refuse new work until shutdown.
            accepting = false
        }
    }

    private func drainCompletions() {
        while true {
            guard let result = try? multi.infoRead(), !(result.succeeded.isEmpty && result.failed.isEmpty) else { return }
            for easy in result.succeeded {
                if let transfer = byEasy[ObjectIdentifier(easy)] { complete(transfer, error: nil) }
            }
            for (easy, code, message) in result.failed {
                if let transfer = byEasy[ObjectIdentifier(easy)] {
                    complete(transfer, error: transfer.failure ?? HTTPClientError(curl: code, detail: message))
                }
            }
        }
    }

    // MARK: - Commands

    /// Runs queued jobs and commands, a few rounds at most (the jobs queue commands, and the
    /// commands' results wake jobs), so that sockets are served between rounds.
    func processCommands() {
        for _ in 0..<8 {
            loop.takeWork(&takenJobs, &takenCommands)
            if takenJobs.isEmpty && takenCommands.isEmpty { return }
            for job in takenJobs { loop.run(job) }
            takenJobs.removeAll(keepingCapacity: true)
            if !takenCommands.isEmpty {
                handle(takenCommands)
                takenCommands.removeAll(keepingCapacity: true)
            }
            resumptions.run()
        }
    }

    /// The buffers `processCommands` swaps with the loop's queue.
    private var takenJobs: [UnownedJob] = []
    private var takenCommands: [LoopCommand] = []

    private func handle(_ commands: [LoopCommand]) {
        var kick = false
        for command in commands {
            switch command {
            case .start(let transfer):
                start(transfer)
                kick = true
            case .cancel(let transfer): cancel(transfer)
            case .resumeReceive(let transfer):
                resume(transfer, receive: true)
                kick = true
            case .resumeSend(let transfer):
                resume(transfer, receive: false)
                kick = true
            case .shutdown(let grace, let done): beginShutdown(grace: grace, done: done)
            case .inspect(let report):
                report(LoopStatistics(transfers: byEasy.count, watchedSockets: watcherCount, pooledHandles: pool.count))
            }
        }
        // Drive new and resumed transfers now rather than on the next timer event: libcurl
        // reports only changes of its earliest timeout, and an unpaused upload with an idle
        // socket was seen to wait for its deadline otherwise.
        if kick && !tornDown {
            socketAction(CurlMulti.socketTimeout, [])
        } else {
            drainCompletions()
        }
    }

    private func start(_ transfer: Transfer) {
        guard accepting else {
            transfer.finish(.shutdown, metrics: nil, resumptions)
            return
        }
        guard transfer.start() == .start else {
            transfer.finish(transfer.cancelReason, metrics: nil, resumptions)
            return
        }
        launch(transfer)
    }

    /// Puts a started transfer on an easy handle in the multi, or in line behind an h2c primer.
    private func launch(_ transfer: Transfer) {
        var h2cRole: H2CRole?
        if transfer.request.usesH2CPriorKnowledge {
            let origin = transfer.request.originKey
            switch h2cOrigins[origin] {
            case nil:
                h2cOrigins[origin] = .priming(waiting: [])
                h2cRole = .primer
            case .priming(var waiting):
                waiting.append(transfer)
                h2cOrigins[origin] = .priming(waiting: waiting)
                return
            case .ready:
                guard h2cInFlight[origin, default: 0] < h2cCap(origin) else {
                    h2cLine[origin, default: []].append(transfer)
                    return
                }
                h2cRole = .follower
            }
        }
        let easy: CurlEasy
        var previousShape: EasyShape?
        var callbacks = EasyCallbacks()
        do {
            if let pooled = pool.popLast() {
                easy = pooled.easy
                previousShape = pooled.shape
                callbacks = pooled.callbacks
            } else {
                easy = try CurlEasy()
            }
        } catch {
            transfer.finish(HTTPClientError(.other, "cannot make an easy handle", detail: "\(error)"), metrics: nil, resumptions)
            return
        }
        let loopTransfer = LoopTransfer(transfer: transfer, easy: easy, resumptions: resumptions, callbacks: callbacks)
        loopTransfer.h2cRole = h2cRole
        do {
            loopTransfer.shape = try EasyConfigurator.configure(
                easy, for: loopTransfer, share: share, previous: previousShape, callbacks: callbacks)
            byEasy[ObjectIdentifier(easy)] = loopTransfer
            byTransfer[ObjectIdentifier(transfer)] = loopTransfer
            try multi.add(easy)
            if h2cRole != nil { h2cInFlight[transfer.request.originKey, default: 0] += 1 }
        } catch {
            byEasy[ObjectIdentifier(easy)] = nil
            byTransfer[ObjectIdentifier(transfer)] = nil
            recycle(loopTransfer, shape: nil)
            let failure = (error as? HTTPClientError) ?? HTTPClientError(.invalidRequest, "the request could not be set up", detail: "\(error)")
            finishH2C(loopTransfer, succeeded: false)
            transfer.finish(failure, metrics: nil, resumptions)
        }
    }

    // MARK: - h2c with prior knowledge (curl #10634)

    /// libcurl 7.88.1 fails every prior-knowledge request after the first on an h2c connection
    /// ("HTTP2 framing layer"). So one request per origin opens the connection with prior
    /// knowledge (the primer) while the others wait; once it succeeded they go as
    /// `CURL_HTTP_VERSION_2_0`, which multiplexes onto that connection. When that connection is
    /// gone, a follower fails before any head arrives (nginx's h2c port refuses the HTTP/1.1
    /// upgrade offer, so nothing was processed) and is relaunched once as a new primer.
    ///
    /// For the same reason libcurl must never need a second connection to an h2c origin: it
    /// would open it as `CURL_HTTP_VERSION_2_0`, an upgrade offer such a port refuses. It does
    /// so when the connection has no free stream, so the transfers of an h2c origin in the
    /// multi are capped at `min(maxConcurrentStreams, 100)` (RFC 9113 asks servers for at
    /// least 100; nginx's default is 128) and the rest wait in line. A follower that fails
    /// before its head while others run shows the server allows fewer: the cap drops to them.
    enum H2CState {
        case priming(waiting: [Transfer])
        case ready
    }

    enum H2CRole {
        case primer
        case follower
    }

    private var h2cOrigins: [String: H2CState] = [:]
    /// h2c transfers of each origin in the multi now.
    private var h2cInFlight: [String: Int] = [:]
    /// h2c transfers waiting for one of their origin's to end, oldest first.
    private var h2cLine: [String: [Transfer]] = [:]
    /// Lowered caps, for origins that showed they allow fewer streams than the default.
    private var h2cCaps: [String: Int] = [:]

    private func h2cCap(_ origin: String) -> Int {
        h2cCaps[origin] ?? max(1, min(configuration.maxConcurrentStreams, 100))
    }

    /// An h2c transfer left the multi: let the next in line go while there is room.
    private func h2cTransferEnded(_ loopTransfer: LoopTransfer) {
        guard loopTransfer.h2cRole != nil else { return }
        let origin = loopTransfer.request.originKey
        h2cInFlight[origin, default: 1] -= 1
        while h2cInFlight[origin, default: 0] < h2cCap(origin), var line = h2cLine[origin], !line.isEmpty {
            let next = line.removeFirst()
            h2cLine[origin] = line.isEmpty ? nil : line
            if next.cancelRequested {
                next.finish(next.cancelReason, metrics: nil, resumptions)
            } else if accepting {
                launch(next)
            } else {
                next.finish(.shutdown, metrics: nil, resumptions)
            }
        }
    }
    private var h2cRelaunched: Set<ObjectIdentifier> = []

    /// A primer ended: mark the origin and let the waiting transfers go.
    private func finishH2C(_ loopTransfer: LoopTransfer, succeeded: Bool) {
        guard loopTransfer.h2cRole == .primer else { return }
        let origin = loopTransfer.request.originKey
        guard case .priming(let waiting) = h2cOrigins[origin] else { return }
        h2cOrigins[origin] = succeeded ? .ready : nil
        for transfer in waiting {
            if transfer.cancelRequested {
                transfer.finish(transfer.cancelReason, metrics: nil, resumptions)
            } else if accepting {
                launch(transfer)
            } else {
                transfer.finish(.shutdown, metrics: nil, resumptions)
            }
        }
    }

    /// Whether a failed follower should be relaunched as a primer; forgets the stale connection.
    private func relaunchH2CFollower(_ loopTransfer: LoopTransfer, error: HTTPClientError) -> Bool {
        guard loopTransfer.h2cRole == .follower, !loopTransfer.headSent,
              let code = error.curlCode?.rawValue, [1, 8, 16, 52, 56].contains(code),
              accepting, !loopTransfer.transfer.cancelRequested,
              h2cRelaunched.insert(ObjectIdentifier(loopTransfer.transfer)).inserted
        else { return false }
        let origin = loopTransfer.request.originKey
        if case .ready = h2cOrigins[origin] { h2cOrigins[origin] = nil }
        // Others still running on the connection: the server allows no more streams than they.
        let running = h2cInFlight[origin, default: 0]
        if running > 0 { h2cCaps[origin] = min(h2cCap(origin), running) }
        return true
    }

    /// Drops a transfer waiting behind a primer (cancelled or shut down).
    private func removeWaiting(_ transfer: Transfer) -> Bool {
        for (origin, state) in h2cOrigins {
            guard case .priming(var waiting) = state, let index = waiting.firstIndex(where: { $0 === transfer }) else { continue }
            waiting.remove(at: index)
            h2cOrigins[origin] = .priming(waiting: waiting)
            return true
        }
        for (origin, var line) in h2cLine {
            guard let index = line.firstIndex(where: { $0 === transfer }) else { continue }
            line.remove(at: index)
            h2cLine[origin] = line.isEmpty ? nil : line
            return true
        }
        return false
    }

    private func cancel(_ transfer: Transfer) {
        if removeWaiting(transfer) {
            transfer.finish(transfer.cancelReason, metrics: nil, resumptions)
            return
        }
        guard let loopTransfer = byTransfer[ObjectIdentifier(transfer)] else { return }
        complete(loopTransfer, error: transfer.cancelReason)
    }

    private func resume(_ transfer: Transfer, receive: Bool) {
        guard let loopTransfer = byTransfer[ObjectIdentifier(transfer)] else { return }
        if receive {
            transfer.receiveResumed()
            loopTransfer.receivePaused = false
        } else {
            loopTransfer.sendPaused = false
        }
        var still: CurlPause = []
        if loopTransfer.receivePaused { still.insert(.receive) }
        if loopTransfer.sendPaused { still.insert(.send) }
        do {
            try loopTransfer.easy.pause(still)
        } catch {
            complete(loopTransfer, error: HTTPClientError(.other, "cannot resume the transfer", detail: "\(error)"))
        }
    }

    // MARK: - Completion

    /// Ends a transfer: out of the multi, metrics read, the caller resumed, the easy recycled.
    private func complete(_ loopTransfer: LoopTransfer, error: HTTPClientError?) {
        let easy = loopTransfer.easy
        guard byEasy.removeValue(forKey: ObjectIdentifier(easy)) != nil else { return }
        byTransfer[ObjectIdentifier(loopTransfer.transfer)] = nil
        try? multi.remove(easy)
        let info = try? easy.transferInfo()
        var failure = error
        if failure == nil {
            failure = verifyComplete(loopTransfer, info)
            if failure == nil, !loopTransfer.headSent, let head = loopTransfer.lastHead {
                loopTransfer.deliver(head)
            }
        }
        let metrics = info.map { HTTPClientMetrics($0, tlsResumed: loopTransfer.tlsResumed) }
        // Only a handle whose request succeeded keeps its setup: 7.88.1 was seen to keep
        // state from failed transfers (a receive buffer it then refuses to resize).
        recycle(loopTransfer, shape: failure == nil ? loopTransfer.shape : nil)
        h2cTransferEnded(loopTransfer)
        if let failure, relaunchH2CFollower(loopTransfer, error: failure) {
            loopTransfer.transfer.logger.debug("h2c connection gone: reopening it", metadata: ["url": "\(loopTransfer.request.url)"])
            launch(loopTransfer.transfer)
            return
        }
        if loopTransfer.h2cRole != nil {
            h2cRelaunched.remove(ObjectIdentifier(loopTransfer.transfer))
            finishH2C(loopTransfer, succeeded: failure == nil)
        }
        loopTransfer.transfer.finish(failure, metrics: metrics, resumptions)
        if !accepting && byEasy.isEmpty { tearDown() }
    }

    /// libcurl 7.88.1 can report a short HTTP/2 body (RST, GOAWAY) as complete: compare what
    /// arrived with the announced length.
    private func verifyComplete(_ loopTransfer: LoopTransfer, _ info: CurlTransferInfo?) -> HTTPClientError? {
        guard loopTransfer.request.method != .head, let info, info.contentLengthDownload >= 0,
              info.responseCode != 204, info.responseCode != 304
        else { return nil }
        let expected = info.contentLengthDownload, received = info.sizeDownload
        guard received < expected else { return nil }
        return HTTPClientError(.truncatedBody, "the body ended after \(received) of \(expected) bytes")
    }

    /// Puts a finished transfer's handle back in the pool, still set up for `shape` (or reset,
    /// when `nil`), its callbacks let go of the transfer.
    private func recycle(_ loopTransfer: LoopTransfer, shape: EasyShape?) {
        let easy = loopTransfer.easy
        loopTransfer.callbacks.transfer = nil
        guard accepting, pool.count < poolLimit else {
            try? easy.close()
            return
        }
        if shape == nil {
            guard (try? easy.reset()) != nil else {
                try? easy.close()
                return
            }
        }
        pool.append((easy, shape, loopTransfer.callbacks))
    }

    // MARK: - Shutdown

    private func beginShutdown(grace: Double, done: @escaping @Sendable () -> Void) {
        shutdownDone.append(done)
        guard !tornDown else { return }
        accepting = false
        if byEasy.isEmpty {
            tearDown()
        } else if ccurlew_ev_is_active(graceTimer) == 0 {
            ccurlew_ev_timer_set(graceTimer, max(0, grace), 0)
            ev_timer_start(loop.evLoop, graceTimer)
        }
    }

    fileprivate func graceExpired() {
        tearDown()
        resumptions.run()
    }

    /// The documented order: stop intake, fail what runs, free easies, clean the multi while
    /// its callbacks' data lives, stop watchers, end the loop.
    private func tearDown() {
        guard !tornDown else { return }
        tornDown = true
        accepting = false
        for transfer in Array(byEasy.values) { complete(transfer, error: .shutdown) }
        for case .priming(let waiting) in h2cOrigins.values {
            for transfer in waiting { transfer.finish(.shutdown, metrics: nil, resumptions) }
        }
        h2cOrigins.removeAll()
        for transfer in h2cLine.values.joined() { transfer.finish(.shutdown, metrics: nil, resumptions) }
        h2cLine.removeAll()
        for (easy, _, _) in pool { try? easy.close() }
        pool.removeAll()
        try? multi.close()
        spareWatchers.removeAll()  // while their loop exists
        ev_timer_stop(loop.evLoop, timer)
        ev_timer_stop(loop.evLoop, graceTimer)
        loop.breakLoop()
    }

    /// Commands that arrived after the loop ended (loop thread, after `ev_run`).
    func discard(_ commands: [LoopCommand]) {
        for command in commands {
            switch command {
            case .start(let transfer): transfer.finish(.shutdown, metrics: nil, resumptions)
            case .shutdown(_, let done): shutdownDone.append(done)
            case .inspect(let report): report(LoopStatistics())
            case .cancel, .resumeReceive, .resumeSend: break
            }
        }
    }

    /// The loop has ended: tell the waiting shutdowns.
    func finishShutdown() {
        resumptions.run()
        for done in shutdownDone { done() }
        shutdownDone.removeAll()
    }
}

/// One socket's `ev_io`, assigned to the socket in the multi (which keeps it alive until the
/// socket is removed, after which the driver may keep it for another socket). Loop-confined.
final class SocketWatcher {
    private let io: UnsafeMutablePointer<ev_io>
    private let loop: OpaquePointer

    init(loop: OpaquePointer, driver: MultiDriver) {
        self.loop = loop
        io = .allocate(capacity: 1)
        io.initialize(to: ev_io())
        ccurlew_ev_io_init(io, curlewSocketReady, -1, 0)
        // Unretained: the driver outlives every watcher (the multi is closed, and the spares
        // dropped, in its tearDown).
        ccurlew_ev_set_data(io, Unmanaged.passUnretained(driver).toOpaque())
    }

    deinit {
        stop()
        io.deallocate()
    }

    /// Watches `socket` for `events`; the fd number may have been reused, so it is set anew.
    func watch(_ socket: Int32, events: Int32) {
        ev_io_stop(loop, io)
        guard events != 0 else { return }
        ccurlew_ev_io_set(io, socket, events)
        ev_io_start(loop, io)
    }

    func stop() { ev_io_stop(loop, io) }
}

private let curlewSocketReady: @convention(c) (OpaquePointer?, UnsafeMutablePointer<ev_io>?, Int32) -> Void = { _, io, revents in
    guard let io, let data = ccurlew_ev_data(io) else { return }
    Unmanaged<MultiDriver>.fromOpaque(data).takeUnretainedValue().socketReady(io.pointee.fd, revents: revents)
}

private let curlewTimerFired: @convention(c) (OpaquePointer?, UnsafeMutablePointer<ev_timer>?, Int32) -> Void = { _, timer, _ in
    guard let timer, let data = ccurlew_ev_data(timer) else { return }
    Unmanaged<MultiDriver>.fromOpaque(data).takeUnretainedValue().timerFired()
}

private let curlewGraceFired: @convention(c) (OpaquePointer?, UnsafeMutablePointer<ev_timer>?, Int32) -> Void = { _, timer, _ in
    guard let timer, let data = ccurlew_ev_data(timer) else { return }
    Unmanaged<MultiDriver>.fromOpaque(data).takeUnretainedValue().graceExpired()
}

/// Whether a transfer's TLS session was resumed, asked of GnuTLS.
enum TLSResumption {
    static func isResumed(_ easy: CurlEasy) -> Bool? {
        guard let session = try? easy.tlsSession(), session.backend == 2, let internals = session.internals else { return nil }
        let answer = ccurlew_gnutls_session_is_resumed(internals)
        return answer < 0 ? nil : answer == 1
    }
}
