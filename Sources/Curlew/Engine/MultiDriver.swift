internal import HTTPTypes
internal import LibCurl
internal import Logging

/// Runs one loop's HTTP transfers on a ``MultiPump`` (a `CurlMulti` on the socket interface)
/// and its WebSockets on a ``WebSocketHost``: starts, cancels and resumes transfers, completes
/// them, and shuts down. Confined to its loop's thread: the loop hands it commands, libev its
/// events, and each entry point checks the thread in debug builds.
final class MultiDriver: LoopDriver {
    private let ev: EvLoop
    private let thread: LoopThread
    private var pump: MultiPump!
    private var multi: CurlMulti { pump.multi }
    private let share: CurlShare
    private let configuration: HTTPClientConfiguration
    /// Continuations produced by libcurl's callbacks, resumed when each entry point ends.
    private let resumptions: Resumptions
    private let pool: EasyPool
    /// The curl #10634 workaround, below libcurl 8.0 only.
    private var h2c: H2CPriming<Transfer>?
    private var graceTimer: EvTimer?
    private var byEasy: [ObjectIdentifier: LoopTransfer] = [:]
    private var byTransfer: [ObjectIdentifier: LoopTransfer] = [:]
    private var accepting = true
    private var shutdownDone: [@Sendable () -> Void] = []
    private var tornDown = false
    /// Open connections (sockets) and their gauges, when metrics are on: the counter outlives
    /// the multi, whose connections close through it.
    private let socketCounter: CurlSocketCounter?
    private let connectionMeters: OpenConnectionMeters?
    /// The loop's WebSockets, on a multi of their own.
    private var webSockets: WebSocketHost!
    /// HTTP/1.1 transfers past the per-origin connection limit, first come, first served.
    private let queue: OriginQueue

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
        socketCounter = configuration.metricsEnabled ? CurlSocketCounter() : nil
        connectionMeters = configuration.metricsEnabled ? OpenConnectionMeters(loop: context.loop.name) : nil
        queue = OriginQueue(limit: configuration.maxConnectionsPerHost, ev: context.ev)
        graceTimer = EvTimer(loop: ev) { [unowned self] in self.graceExpired() }
        let configuration = configuration
        pump = try MultiPump(ev: ev, thread: thread) { multi in
            try multi.setopt(.maxHostConnections, configuration.maxConnectionsPerHost)
            try multi.setopt(.maxTotalConnections, configuration.maxConnections)
            try multi.setopt(.maxConcurrentStreams, configuration.maxConcurrentStreams)
            try multi.setopt(.maxConnects, configuration.maxIdleConnections)
        }
        pump.onDone = { [unowned self] easy, code, message in self.transferDone(easy, code, message) }
        pump.onFailure = { [unowned self] error in self.multiFailed(error) }
        webSockets = try WebSocketHost(ev: ev, thread: thread) { [unowned self] in self.webSocketEnded() }
        queue.onExpired = { [unowned self] transfer in
            transfer.finish(HTTPClientError(.timeout, "the request's deadline passed while it waited for a connection to its origin"),
                            metrics: nil, resumptions)
            resumptions.run()
        }
    }

    // MARK: - Events

    /// `socket_action` failed: the multi is unusable. Every transfer fails; the pump then makes
    /// a new multi (and if it cannot, new work is refused until shutdown).
    private func multiFailed(_ error: any Error) {
        let failure = HTTPClientError(.other, "the transfer engine failed", detail: "\(error)")
        for transfer in Array(byEasy.values) { complete(transfer, error: failure) }
    }

    private func transferDone(_ easy: CurlEasy, _ code: CurlCode?, _ message: String) {
        guard let transfer = byEasy[ObjectIdentifier(easy)] else { return }
        if let code {
            complete(transfer, error: transfer.failure ?? HTTPClientError(curl: code, detail: message))
        } else {
            complete(transfer, error: nil)
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
                webSockets.run(command, share: share, accepting: accepting)
            case .shutdown(let grace, let done): beginShutdown(grace: grace, done: done)
            case .inspect(let report):
                report(LoopStatistics(transfers: byEasy.count, watchedSockets: pump.watchedSockets, pooledHandles: pool.count,
                                      h2cPrimers: h2c?.primers ?? 0, webSockets: webSockets.count,
                                      waitingForConnection: queue.count))
            }
        }
        // Drive new and resumed transfers now rather than on the next timer event: libcurl
        // reports only changes of its earliest timeout, and an unpaused upload with an idle
        // socket was seen to wait for its deadline otherwise.
        if kick && !tornDown {
            pump.kick()
        } else {
            pump.drainCompletions()
        }
        resumptions.run()
    }

    private func start(_ transfer: Transfer) {
        guard accepting, pump.isUsable else { return transfer.finish(.shutdown, metrics: nil, resumptions) }
        guard transfer.start() == .start else { return transfer.finish(transfer.cancelReason, metrics: nil, resumptions) }
        launch(transfer)
    }

    /// Puts a started transfer on an easy handle in the multi, or in line behind an h2c primer
    /// or (HTTP/1.1) behind the transfers that hold its origin's connections. `waitedMS`: how
    /// long an admitted transfer waited in that line.
    private func launch(_ transfer: Transfer, admitted: Bool = false, waitedMS: Int = 0) {
        if transfer.request.queuesForConnection && !admitted {
            guard queue.admit(transfer) else { return }
        }
        var role: H2CRole?
        if transfer.request.usesH2CPriorKnowledge, h2c != nil {
            guard let admitted = h2c?.admit(transfer, origin: transfer.request.originKey) else { return }
            role = admitted
        }
        let entry: EasyPool.Entry
        do {
            entry = try pool.take(fresh: transfer.request.cookieJar != nil)
        } catch {
            return failLaunch(transfer, error)
        }
        let loopTransfer = LoopTransfer(transfer: transfer, easy: entry.easy, resumptions: resumptions, callbacks: entry.callbacks)
        do {
            loopTransfer.shape = try EasyConfigurator.configure(
                entry.easy, for: loopTransfer, h2cRole: role, share: share, previous: entry.shape, callbacks: entry.callbacks,
                sockets: socketCounter)
            if waitedMS > 0, let deadline = transfer.request.deadlineMS {
                try entry.easy.setopt(.timeoutMS, max(1, deadline - waitedMS))
            }
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
        releaseConnectionSlot(of: transfer)
    }

    /// A transfer held to its origin's connection limit ended: the next in line goes.
    private func releaseConnectionSlot(of transfer: Transfer) {
        guard transfer.request.queuesForConnection, let next = queue.ended(transfer) else { return }
        launch(next.transfer, admitted: true, waitedMS: next.waitedMS)
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
        if queue.remove(transfer) { return transfer.finish(transfer.cancelReason, metrics: nil, resumptions) }
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
        var failure = error.map(loopTransfer.refined)
        if failure == nil {
            failure = loopTransfer.truncation(info)
            if failure == nil, !loopTransfer.headSent, let head = loopTransfer.lastHead { loopTransfer.deliver(head) }
        }
        let metrics = info.map { HTTPClientMetrics($0, tlsResumed: loopTransfer.tlsResumed) }
        if failure == nil { loopTransfer.finalProgress(info) }
        if let jar = transfer.request.cookieJar {
            jar.merge(sent: loopTransfer.cookiesSent, received: (try? easy.getinfo(.cookieList)) ?? [])
        }
        // A handle with cookies in its engine is never reused: they would go with its next request.
        pool.recycle(easy, shape: failure == nil ? loopTransfer.shape.take() : nil, callbacks: loopTransfer.callbacks,
                     keep: accepting && transfer.request.cookieJar == nil)
        if h2c != nil {
            let outcome = H2CPriming<Transfer>.Outcome(failure, headSent: loopTransfer.headSent,
                                                       mayRunAgain: accepting && !transfer.cancelRequested)
            if h2cEnded(transfer, outcome: outcome) { return }
        }
        transfer.finish(failure, metrics: metrics, resumptions)
        releaseConnectionSlot(of: transfer)
        if let connectionMeters, let socketCounter {
            connectionMeters.update(open: socketCounter.open, active: pump.watchedSockets)
        }
        if !accepting && byEasy.isEmpty && queue.count == 0 && webSockets.count == 0 { tearDown() }
    }

    /// A WebSocket ended: shutdown may be able to finish.
    private func webSocketEnded() {
        if !accepting && byEasy.isEmpty && webSockets.count == 0 { tearDown() }
    }

    // MARK: - Shutdown

    private func beginShutdown(grace: Double, done: @escaping @Sendable () -> Void) {
        shutdownDone.append(done)
        guard !tornDown else { return }
        accepting = false
        webSockets.beginShutdown()
        // No grace (or none left: a shutdown cut short) ends everything now.
        if (byEasy.isEmpty && webSockets.count == 0) || grace <= 0 {
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
        // The line first, so that ending the transfers before it launches none of it.
        for transfer in queue.removeAll() { transfer.finish(.shutdown, metrics: nil, resumptions) }
        for transfer in Array(byEasy.values) { complete(transfer, error: .shutdown) }
        webSockets.endAll(.shutdown)
        for transfer in h2c?.removeAllWaiting() ?? [] { transfer.finish(.shutdown, metrics: nil, resumptions) }
        pool.closeAll()
        webSockets.close()
        pump.close()
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

    func roundEnded() {
        thread.assertCurrent("MultiDriver")
        resumptions.run()
    }

    func ended() {
        thread.assertCurrent("MultiDriver")
        resumptions.run()
        for done in shutdownDone { done() }
        shutdownDone.removeAll()
    }
}
