internal import HTTPTypes
internal import LibCurl
internal import Logging

/// Serves one `CurlMulti` from a libev loop, through the socket interface: the socket function
/// keeps one ``EvIO`` per socket, the timer function one re-armed ``EvTimer``, and both kinds
/// of event call `socketAction` and then drain `infoRead`. Confined to its loop's thread: the
/// loop hands it commands, libev its events, and each entry point checks the thread in debug
/// builds.
final class MultiDriver: LoopDriver {
    private let ev: EvLoop
    private let thread: LoopThread
    private var multi: CurlMulti
    private let share: CurlShare
    private let configuration: HTTPClientConfiguration
    /// Continuations produced by libcurl's callbacks, resumed when each entry point ends.
    private let resumptions: Resumptions
    private let pool: EasyPool
    /// The curl #10634 workaround, below libcurl 8.0 only.
    private var h2c: H2CPriming<Transfer>?
    private var timer: EvTimer?
    private var graceTimer: EvTimer?
    private var byEasy: [ObjectIdentifier: LoopTransfer] = [:]
    private var byTransfer: [ObjectIdentifier: LoopTransfer] = [:]
    /// One watcher per socket of the multi.
    private var sockets: SocketWatchers?
    private var accepting = true
    private var shutdownDone: [@Sendable () -> Void] = []
    private var tornDown = false
    /// The loop's WebSockets, whose handles stay in `multi` while they are open.
    private var webSockets: WebSocketHost!

    init(context: LoopContext, share: CurlShare, configuration: HTTPClientConfiguration) throws {
        ev = context.ev
        thread = context.thread
        self.share = share
        self.configuration = configuration
        resumptions = Resumptions(loop: context.loop, thread: context.thread)
        pool = EasyPool(thread: context.thread)
        if CurlVersion.current.versionNumber < 0x08_00_00 {
            h2c = H2CPriming(maxConcurrentStreams: configuration.maxConcurrentStreams)
        }
        multi = try CurlMulti()
        timer = EvTimer(loop: ev) { [unowned self] in self.event(CurlMulti.socketTimeout, []) }
        graceTimer = EvTimer(loop: ev) { [unowned self] in self.graceExpired() }
        webSockets = WebSocketHost(ev: ev) { [unowned self] easy in self.webSocketEnded(easy) }
        try configure(multi)
    }

    private func configure(_ multi: CurlMulti) throws {
        try multi.setopt(.maxHostConnections, configuration.maxConnectionsPerHost)
        try multi.setopt(.maxTotalConnections, configuration.maxConnections)
        try multi.setopt(.maxConcurrentStreams, configuration.maxConcurrentStreams)
        try multi.setopt(.maxConnects, configuration.maxIdleConnections)
        let sockets = SocketWatchers(loop: ev, multi: multi) { [unowned self] socket, events in self.socketReady(socket, events) }
        self.sockets = sockets
        try multi.setopt(.socketFunction) { what, socket, _, socketData in
            sockets.changed(what, socket: socket, watcher: socketData as? EvIO)
        }
        try multi.setopt(.timerFunction) { [unowned self] timeoutMS in
            self.timerChanged(timeoutMS)
        }
    }

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

    /// An event from libev: let libcurl act on it, then hand over what it produced.
    private func event(_ socket: Int32, _ mask: CurlSelect) {
        thread.assertCurrent("MultiDriver")
        socketAction(socket, mask)
        resumptions.run()
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
        webSockets.endAll(failure)
        try? multi.close()
        sockets?.multiClosed()
        timer?.stop()
        do {
            let fresh = try CurlMulti()
            try configure(fresh)
            multi = fresh
        } catch {
            // Without a multi nothing can run: refuse new work until shutdown.
            accepting = false
        }
    }

    private func drainCompletions() {
        while let result = try? multi.infoRead(), !(result.succeeded.isEmpty && result.failed.isEmpty) {
            for easy in result.succeeded {
                if webSockets.completed(easy, code: nil, detail: "") { continue }
                if let transfer = byEasy[ObjectIdentifier(easy)] { complete(transfer, error: nil) }
            }
            for (easy, code, message) in result.failed {
                if webSockets.completed(easy, code: code, detail: message) { continue }
                if let transfer = byEasy[ObjectIdentifier(easy)] {
                    complete(transfer, error: transfer.failure ?? HTTPClientError(curl: code, detail: message))
                }
            }
        }
    }

    // MARK: - Commands

    func run(_ commands: [LoopCommand]) {
        thread.assertCurrent("MultiDriver")
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
            case .webSocket(let command):
                if webSockets.run(command, multi: multi, share: share, accepting: accepting) { kick = true }
            case .shutdown(let grace, let done): beginShutdown(grace: grace, done: done)
            case .inspect(let report):
                report(LoopStatistics(transfers: byEasy.count, watchedSockets: sockets?.count ?? 0, pooledHandles: pool.count,
                                      h2cPrimers: h2c?.primers ?? 0, webSockets: webSockets.count))
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
        resumptions.run()
    }

    private func start(_ transfer: Transfer) {
        guard accepting else { return transfer.finish(.shutdown, metrics: nil, resumptions) }
        guard transfer.start() == .start else { return transfer.finish(transfer.cancelReason, metrics: nil, resumptions) }
        launch(transfer)
    }

    /// Puts a started transfer on an easy handle in the multi, or in line behind an h2c primer.
    private func launch(_ transfer: Transfer) {
        var role: H2CRole?
        if transfer.request.usesH2CPriorKnowledge, h2c != nil {
            guard let admitted = h2c?.admit(transfer, origin: transfer.request.originKey) else { return }
            role = admitted
        }
        let entry: EasyPool.Entry
        do {
            entry = try pool.take()
        } catch {
            return failLaunch(transfer, error)
        }
        let loopTransfer = LoopTransfer(transfer: transfer, easy: entry.easy, resumptions: resumptions, callbacks: entry.callbacks)
        do {
            loopTransfer.shape = try EasyConfigurator.configure(
                entry.easy, for: loopTransfer, h2cRole: role, share: share, previous: entry.shape, callbacks: entry.callbacks)
            byEasy[ObjectIdentifier(entry.easy)] = loopTransfer
            byTransfer[ObjectIdentifier(transfer)] = loopTransfer
            try multi.add(entry.easy)
        } catch {
            byEasy[ObjectIdentifier(entry.easy)] = nil
            byTransfer[ObjectIdentifier(transfer)] = nil
            pool.recycle(entry.easy, shape: nil, callbacks: entry.callbacks, keep: accepting)
            failLaunch(transfer, (error as? HTTPClientError) ?? HTTPClientError(.invalidRequest, "the request could not be set up", detail: "\(error)"))
        }
    }

    private func failLaunch(_ transfer: Transfer, _ error: HTTPClientError) {
        h2cEnded(transfer, outcome: .failed(connectionGone: false))
        transfer.finish(error, metrics: nil, resumptions)
    }

    /// Tells the h2c workaround a transfer ended, and carries out what it answers; whether the
    /// transfer was relaunched.
    @discardableResult
    private func h2cEnded(_ transfer: Transfer, outcome: H2CPriming<Transfer>.Outcome) -> Bool {
        guard let ended = h2c?.ended(transfer, origin: transfer.request.originKey, outcome: outcome) else { return false }
        for released in ended.released { relaunch(released) }
        if ended.relaunch {
            transfer.logger.debug("h2c connection gone: reopening it", metadata: ["url": "\(transfer.request.url)"])
            launch(transfer)
        }
        return ended.relaunch
    }

    /// A transfer that waited goes now, unless it was cancelled or the loop is shutting down.
    private func relaunch(_ transfer: Transfer) {
        if transfer.cancelRequested {
            transfer.finish(transfer.cancelReason, metrics: nil, resumptions)
        } else if accepting {
            launch(transfer)
        } else {
            transfer.finish(.shutdown, metrics: nil, resumptions)
        }
    }

    private func cancel(_ transfer: Transfer) {
        if h2c?.remove(transfer) == true { return transfer.finish(transfer.cancelReason, metrics: nil, resumptions) }
        guard let loopTransfer = byTransfer[ObjectIdentifier(transfer)] else { return }
        complete(loopTransfer, error: transfer.cancelReason)
    }

    private func resume(_ transfer: Transfer, receive: Bool) {
        guard let loopTransfer = byTransfer[ObjectIdentifier(transfer)] else { return }
        let (holdReceive, holdSend) = transfer.resume(receive: receive)
        var still: CurlPause = []
        if holdReceive { still.insert(.receive) }
        if holdSend { still.insert(.send) }
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
        let transfer = loopTransfer.transfer
        byTransfer[ObjectIdentifier(transfer)] = nil
        try? multi.remove(easy)
        let info = try? easy.transferInfo()
        var failure = error
        if failure == nil {
            failure = loopTransfer.truncation(info)
            if failure == nil, !loopTransfer.headSent, let head = loopTransfer.lastHead { loopTransfer.deliver(head) }
        }
        let metrics = info.map { HTTPClientMetrics($0, tlsResumed: loopTransfer.tlsResumed) }
        pool.recycle(easy, shape: failure == nil ? loopTransfer.shape : nil, callbacks: loopTransfer.callbacks, keep: accepting)
        if h2c != nil {
            let outcome = H2CPriming<Transfer>.Outcome(failure, headSent: loopTransfer.headSent,
                                                       mayRunAgain: accepting && !transfer.cancelRequested)
            if h2cEnded(transfer, outcome: outcome) { return }
        }
        transfer.finish(failure, metrics: metrics, resumptions)
        if !accepting && byEasy.isEmpty && webSockets.count == 0 { tearDown() }
    }

    /// A WebSocket ended: its handle leaves the multi (closing its connection).
    private func webSocketEnded(_ easy: CurlEasy) {
        try? easy.close()
        if !accepting && byEasy.isEmpty && webSockets.count == 0 { tearDown() }
    }

    // MARK: - Shutdown

    private func beginShutdown(grace: Double, done: @escaping @Sendable () -> Void) {
        shutdownDone.append(done)
        guard !tornDown else { return }
        accepting = false
        webSockets.beginShutdown()
        if byEasy.isEmpty && webSockets.count == 0 {
            tearDown()
        } else if graceTimer?.isActive == false {
            graceTimer?.arm(after: grace)
        }
    }

    private func graceExpired() {
        thread.assertCurrent("MultiDriver")
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
        webSockets.endAll(.shutdown)
        for transfer in h2c?.removeAllWaiting() ?? [] { transfer.finish(.shutdown, metrics: nil, resumptions) }
        pool.closeAll()
        try? multi.close()
        sockets?.multiClosed()
        sockets = nil  // the watchers go while their loop exists
        timer = nil
        graceTimer = nil
        ev.breakAll()
    }

    func discard(_ commands: [LoopCommand]) {
        thread.assertCurrent("MultiDriver")
        for command in commands {
            switch command {
            case .start(let transfer): transfer.finish(.shutdown, metrics: nil, resumptions)
            case .shutdown(_, let done): shutdownDone.append(done)
            case .inspect(let report): report(LoopStatistics())
            case .webSocket(let command): WebSocketHost.discard(command)
            case .cancel, .resumeReceive, .resumeSend: break
            }
        }
    }

    func ended() {
        thread.assertCurrent("MultiDriver")
        resumptions.run()
        for done in shutdownDone { done() }
        shutdownDone.removeAll()
    }
}
