internal import LibCurl

/// What a task asks of a WebSocket's loop.
enum WebSocketCommand: Sendable {
    /// Upgrade `request` (a `ws`/`wss` URL); `offered` are the subprotocols asked for.
    case open(WebSocketChannel, TransferRequest, offered: [String], UnsafeContinuation<WebSocketHandshake, any Error>)
    case send(WebSocketChannel, OutboundFrame, UnsafeContinuation<Void, any Error>)
    /// Starts the close handshake; the continuation resumes when it ends.
    case close(WebSocketChannel, WebSocketClose, UnsafeContinuation<Void, any Error>?)
    /// The reader drained the buffer: read from the network again.
    case resumeReceive(WebSocketChannel)
}

/// The WebSockets of one loop: each upgraded on a multi of their own (a ``MultiPump`` with no
/// connection limits: a WebSocket holds its connection for its life, and another transfer's
/// pool housekeeping must not close it), then served by its own ``LoopWebSocket``. One receive
/// buffer serves them all (the loop runs one at a time), so an idle socket costs no buffer of
/// its own. Loop-confined; owned by the ``MultiDriver``.
final class WebSocketHost {
    let ev: EvLoop
    /// 64 KiB for `curl_ws_recv`, shared by every socket of the loop.
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
    private var pump: MultiPump!
    private var byChannel: [ObjectIdentifier: LoopWebSocket] = [:]
    private var byEasy: [ObjectIdentifier: LoopWebSocket] = [:]
    /// Tells the driver a socket ended (shutdown may finish).
    private let onEnded: () -> Void

    init(ev: EvLoop, thread: LoopThread, onEnded: @escaping () -> Void) throws {
        self.ev = ev
        self.onEnded = onEnded
        pump = try MultiPump(ev: ev, thread: thread) { _ in }  // libcurl's defaults: no limits
        pump.onDone = { [unowned self] easy, code, message in
            self.byEasy[ObjectIdentifier(easy)]?.connectFinished(code, detail: message)
        }
        pump.onFailure = { [unowned self] error in
            self.endAll(HTTPClientError(.other, "the WebSocket engine failed", detail: "\(error)"))
        }
    }

    deinit { scratch.deallocate() }

    var count: Int { byChannel.count }

    /// Runs one command.
    func run(_ command: WebSocketCommand, share: CurlShare, accepting: Bool) {
        switch command {
        case .open(let channel, let request, let offered, let handshake):
            guard accepting, pump.isUsable else {
                return channel.resume(handshake, with: .failure(HTTPClientError.shutdown))
            }
            if case .failed(let error)? = channel.end {
                return channel.resume(handshake, with: .failure(error))  // cancelled before it began
            }
            if open(channel, request, offered: offered, handshake: handshake, share: share) { pump.kick() }
        case .send(let channel, let frame, let done):
            guard let socket = byChannel[ObjectIdentifier(channel)] else {
                return channel.resume(done, with: .failure(HTTPClientError(.webSocketClosed, "the WebSocket is closed")))
            }
            socket.send(frame, done: done)
        case .close(let channel, let close, let done):
            guard let socket = byChannel[ObjectIdentifier(channel)] else {
                done.map { channel.resume($0, with: .success(())) }
                return
            }
            socket.close(close, done: done)
        case .resumeReceive(let channel):
            byChannel[ObjectIdentifier(channel)]?.resumeReceive()
        }
    }

    private func open(
        _ channel: WebSocketChannel, _ request: TransferRequest, offered: [String],
        handshake: UnsafeContinuation<WebSocketHandshake, any Error>, share: CurlShare
    ) -> Bool {
        let easy: CurlEasy
        do {
            easy = try CurlEasy()
        } catch {
            channel.resume(handshake, with: .failure(HTTPClientError(.other, "cannot make an easy handle", detail: "\(error)")))
            return false
        }
        let socket = LoopWebSocket(channel: channel, easy: easy, options: request.configuration.webSocket, offered: offered,
                                   host: self, handshake: handshake)
        do {
            try EasyConfigurator.configureWebSocket(easy, for: request, share: share) { [unowned socket] line in
                socket.headerLine(line)
            }
            try pump.multi.add(easy)
        } catch {
            try? easy.close()
            channel.resume(handshake, with: .failure((error as? HTTPClientError) ?? HTTPClientError(.invalidRequest, "the WebSocket could not be set up", detail: "\(error)")))
            return false
        }
        byChannel[ObjectIdentifier(channel)] = socket
        byEasy[ObjectIdentifier(easy)] = socket
        return true
    }

    /// A socket ended: forget it and close its handle, which leaves the multi and closes the
    /// connection (its close frame, if any, went before).
    func ended(_ socket: LoopWebSocket) {
        byChannel[ObjectIdentifier(socket.channel)] = nil
        byEasy[ObjectIdentifier(socket.easy)] = nil
        try? socket.easy.close()
        onEnded()
    }

    /// Shutdown begins: open sockets get a close (1001, going away); upgrades in progress fail.
    func beginShutdown() {
        for socket in Array(byChannel.values) {
            if socket.isConnecting {
                socket.terminate(.failed(.shutdown))
            } else {
                socket.close(WebSocketClose(code: .goingAway, reason: "the client is shutting down"), done: nil)
            }
        }
    }

    /// A command that reached a loop already shut down: its waiter learns so.
    static func discard(_ command: WebSocketCommand) {
        switch command {
        case .open(let channel, _, _, let handshake): channel.resume(handshake, with: .failure(HTTPClientError.shutdown))
        case .send(let channel, _, let done): channel.resume(done, with: .failure(HTTPClientError.shutdown))
        case .close(let channel, _, let done): done.map { channel.resume($0, with: .success(())) }
        case .resumeReceive: break
        }
    }

    /// Ends every socket now with `error` (the grace period is over, or the multi failed).
    func endAll(_ error: HTTPClientError) {
        for socket in Array(byChannel.values) { socket.terminate(.failed(error)) }
    }

    /// Closes the multi, after ``endAll(_:)``, while the loop exists.
    func close() { pump.close() }
}
