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

/// The WebSockets of one loop: opened on the driver's multi, each then served by its own
/// ``LoopWebSocket``. One receive buffer serves them all (the loop runs one at a time), so an
/// idle socket costs no buffer of its own. Loop-confined; owned by the ``MultiDriver``.
final class WebSocketHost {
    let ev: EvLoop
    /// 64 KiB for `curl_ws_recv`, shared by every socket of the loop.
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
    private var byChannel: [ObjectIdentifier: LoopWebSocket] = [:]
    private var byEasy: [ObjectIdentifier: LoopWebSocket] = [:]
    /// Removes an ended socket's easy handle from the multi (the driver's, which may change).
    private let release: (CurlEasy) -> Void

    init(ev: EvLoop, release: @escaping (CurlEasy) -> Void) {
        self.ev = ev
        self.release = release
    }

    deinit { scratch.deallocate() }

    var count: Int { byChannel.count }

    /// Runs one command; whether libcurl has new work (a handle was added).
    func run(_ command: WebSocketCommand, multi: CurlMulti, share: CurlShare, accepting: Bool) -> Bool {
        switch command {
        case .open(let channel, let request, let offered, let handshake):
            guard accepting else {
                channel.resume(handshake, with: .failure(HTTPClientError.shutdown))
                return false
            }
            if case .failed(let error)? = channel.end {
                channel.resume(handshake, with: .failure(error))  // cancelled before it began
                return false
            }
            return open(channel, request, offered: offered, handshake: handshake, multi: multi, share: share)
        case .send(let channel, let frame, let done):
            guard let socket = byChannel[ObjectIdentifier(channel)] else {
                channel.resume(done, with: .failure(HTTPClientError(.webSocketClosed, "the WebSocket is closed")))
                return false
            }
            socket.send(frame, done: done)
        case .close(let channel, let close, let done):
            guard let socket = byChannel[ObjectIdentifier(channel)] else {
                done.map { channel.resume($0, with: .success(())) }
                return false
            }
            socket.close(close, done: done)
        case .resumeReceive(let channel):
            byChannel[ObjectIdentifier(channel)]?.resumeReceive()
        }
        return false
    }

    private func open(
        _ channel: WebSocketChannel, _ request: TransferRequest, offered: [String],
        handshake: UnsafeContinuation<WebSocketHandshake, any Error>, multi: CurlMulti, share: CurlShare
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
            try multi.add(easy)
        } catch {
            try? easy.close()
            channel.resume(handshake, with: .failure((error as? HTTPClientError) ?? HTTPClientError(.invalidRequest, "the WebSocket could not be set up", detail: "\(error)")))
            return false
        }
        byChannel[ObjectIdentifier(channel)] = socket
        byEasy[ObjectIdentifier(easy)] = socket
        return true
    }

    /// The multi reported `easy` done; whether it was one of these sockets' handles.
    func completed(_ easy: CurlEasy, code: CurlCode?, detail: String) -> Bool {
        guard let socket = byEasy[ObjectIdentifier(easy)] else { return false }
        socket.connectFinished(code, detail: detail)
        return true
    }

    /// A socket ended: forget it and close its handle (and so its connection).
    func ended(_ socket: LoopWebSocket) {
        byChannel[ObjectIdentifier(socket.channel)] = nil
        byEasy[ObjectIdentifier(socket.easy)] = nil
        release(socket.easy)
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
}
