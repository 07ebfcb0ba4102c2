internal import HTTPTypes
internal import LibCurl

/// What the opener of a WebSocket gets once the upgrade is done.
struct WebSocketHandshake: Sendable {
    /// The 101 response.
    var head: HTTPResponse
    /// The subprotocol the server chose, if any.
    var subprotocol: String?
}

/// One frame to send: a whole message (or a control frame) in one `curl_ws_send` sequence.
struct OutboundFrame: Sendable {
    var bytes: [UInt8]
    var flags: CurlWebSocketFlags
}

/// One WebSocket on its loop: its easy handle (`CONNECT_ONLY` 2) stays in the multi after the
/// upgrade, as libcurl requires for `curl_ws_send`/`curl_ws_recv`, and the socket is watched
/// here with an ``EvIO`` of its own (the multi no longer watches a finished transfer's socket).
/// Reading pauses while the channel's buffer is full; frames to send queue in order and go as
/// the socket takes them. Loop-confined.
final class LoopWebSocket {
    private enum Phase { case connecting, open, ended }

    let channel: WebSocketChannel
    let easy: CurlEasy
    private let options: WebSocketOptions
    private unowned let host: WebSocketHost
    private var phase = Phase.connecting
    private var handshake: UnsafeContinuation<WebSocketHandshake, any Error>?
    private let offered: [String]
    private var parser = HeadParser()
    private var lastHead: HeadParser.Head?
    private var assembler: InboundAssembler
    /// Frames to send, in order; `sent` counts the payload libcurl took. Once a frame's first
    /// `curl_ws_send` was made, libcurl may hold part of it, so it must finish before another.
    private var outbound: [(frame: OutboundFrame, sent: Int, done: UnsafeContinuation<Void, any Error>?)] = []
    /// Whether the frame at `outboundHead` was handed to `curl_ws_send` at least once.
    private var headStarted = false
    private var outboundHead = 0
    private var io: EvIO?
    private var socket: Int32 = -1
    private var receivePaused = false
    private var closeQueued = false
    /// Whether our close frame went out whole.
    private var closeSent = false
    private var peerClose: WebSocketClose??
    private var closeWaiters: [UnsafeContinuation<Void, any Error>] = []
    private var closeTimer: EvTimer?
    /// Set when the stream failed on our side (a message too big, bad text): the reader gets it
    /// once the close frame is out.
    private var failure: HTTPClientError?

    init(channel: WebSocketChannel, easy: CurlEasy, options: WebSocketOptions, offered: [String], host: WebSocketHost,
         handshake: UnsafeContinuation<WebSocketHandshake, any Error>) {
        self.channel = channel
        self.easy = easy
        self.options = options
        self.offered = offered
        self.host = host
        self.handshake = handshake
        assembler = InboundAssembler(maxMessageSize: options.maxMessageSize)
    }

    /// The header callback: the upgrade's response head.
    func headerLine(_ line: UnsafeRawBufferPointer) -> CurlWriteAction {
        if let head = parser.feed(line) { lastHead = head }
        return .proceed
    }

    var isConnecting: Bool { phase == .connecting }

    // MARK: - The upgrade

    /// The multi reported the connect-only transfer done.
    func connectFinished(_ code: CurlCode?, detail: String) {
        guard phase == .connecting else { return }
        if let head = lastHead, head.status != 101 {
            return fail(HTTPClientError(.webSocketRefused, "the server answered the WebSocket upgrade with status \(head.status)",
                                        detail: head.reason))
        }
        if let code {
            return fail(HTTPClientError(curl: code, detail: detail))
        }
        guard let head = lastHead, let socket = try? easy.activeSocket() else {
            return fail(HTTPClientError(.protocolError, "the WebSocket upgrade finished without a connection"))
        }
        let response = head.response
        let chosen = response.headerFields[HTTPField.Name("Sec-WebSocket-Protocol")!]
        if let chosen, !offered.contains(chosen) {
            return fail(HTTPClientError(.webSocketRefused, "the server chose the subprotocol \(chosen.debugDescription), which the client did not offer"))
        }
        phase = .open
        self.socket = socket
        io = EvIO(loop: host.ev) { [unowned self] _, events in self.ready(events) }
        handshake.map { channel.resume($0, with: .success(WebSocketHandshake(head: response, subprotocol: chosen))) }
        handshake = nil
        updateWatch()
        // Frames that came with the 101 are in libcurl's buffer already: read them now.
        readAvailable()
    }

    private func fail(_ error: HTTPClientError) {
        handshake.map { channel.resume($0, with: .failure(error)) }
        handshake = nil
        terminate(.failed(error))
    }

    // MARK: - Events

    private func ready(_ events: EvEvents) {
        if events.contains(.write) || events.contains(.error) { flush() }
        if events.contains(.read) || events.contains(.error) { readAvailable() }
    }

    private func updateWatch() {
        guard phase == .open, let io else { return }
        var events: EvEvents = []
        if !receivePaused { events.insert(.read) }
        if outboundHead < outbound.count { events.insert(.write) }
        io.watch(socket, events)
    }

    /// Receives until libcurl has nothing more (`CURLE_AGAIN`), the buffer fills, or it ends.
    private func readAvailable() {
        let scratch = host.scratch
        while phase == .open && !receivePaused {
            let count: Int, frame: CurlWebSocketFrame
            do {
                (count, frame) = try easy.wsRecv(into: scratch)
            } catch {
                if error.code == .again { break }
                return connectionLost(error)
            }
            // After a failure of ours only the peer's close matters: data frames are dropped.
            if failure != nil && frame.flags.isDisjoint(with: [.close, .ping, .pong]) { continue }
            do {
                guard let event = try assembler.take(UnsafeRawBufferPointer(rebasing: scratch[..<count]), frame: frame) else { continue }
                handle(event)
            } catch {
                return protocolFailure(error)
            }
        }
        updateWatch()
    }

    private func handle(_ event: InboundAssembler.Event) {
        switch event {
        case .message(let message):
            if channel.put(message) { receivePaused = true }
        case .ping(let payload):
            // Answered between frames (see EasyConfigurator.webSocketAnswersPings), or by libcurl.
            if EasyConfigurator.webSocketAnswersPings && !closeQueued { queuePong(payload) }
        case .pong:
            break
        case .close(let close):
            peerClose = .some(close)
            if closeSent {
                terminate(.closed(close))
            } else if !closeQueued {
                // Echo the peer's code (RFC 6455 §5.5.1); a malformed close is a protocol error.
                let reply = close.map { $0.code == .noStatus ? WebSocketClose(code: .normal) : WebSocketClose(code: $0.code) }
                    ?? WebSocketClose(code: .protocolError)
                queueClose(reply)
            }
        }
    }

    private func connectionLost(_ error: CurlWebSocketError) {
        let detail = "\(error)"
        let failure = HTTPClientError(.networkError, "the WebSocket connection ended without a close frame",
                                      detail: detail, curlCode: error.code)
        // A close frame of ours had been answered by the TCP close: the handshake is over.
        terminate(closeSent ? .closed(nil) : .failed(failure))
    }

    private func protocolFailure(_ failure: InboundAssembler.Failure) {
        let error: HTTPClientError
        switch failure {
        case .tooBig(let limit): error = HTTPClientError(.bodyTooLarge, "a WebSocket message exceeds \(limit) bytes")
        case .invalidText: error = HTTPClientError(.protocolError, "a WebSocket text message is not UTF-8")
        case .malformed(let what): error = HTTPClientError(.protocolError, "the peer sent \(what)")
        }
        self.failure = error
        channel.finish(.failed(error))
        // Reading goes on (data dropped) until the peer's close answers ours.
        queueClose(WebSocketClose(code: failure.closeCode))
    }

    // MARK: - Sending

    func send(_ frame: OutboundFrame, done: UnsafeContinuation<Void, any Error>) {
        guard phase == .open, !closeQueued else {
            return channel.resume(done, with: .failure(HTTPClientError(.webSocketClosed, "the WebSocket is closed or closing")))
        }
        outbound.append((frame, 0, done))
        flush()
    }

    /// Starts the close handshake (or joins it); `done` resumes when it ends.
    func close(_ close: WebSocketClose, done: UnsafeContinuation<Void, any Error>?) {
        if phase == .ended { done.map { channel.resume($0, with: .success(())) }; return }
        if let done { closeWaiters.append(done) }
        if phase == .connecting {
            // Only a cancelled opener closes a socket still connecting.
            if case .failed(let error)? = channel.end { return fail(error) }
            return fail(HTTPClientError(.cancelled, "the WebSocket was closed before it opened"))
        }
        if !closeQueued { queueClose(close) }
    }

    /// A pong goes next: after the frame being sent, if one is, before the rest.
    private func queuePong(_ payload: [UInt8]) {
        let position = headStarted ? outboundHead + 1 : outboundHead
        outbound.insert((OutboundFrame(bytes: payload, flags: .pong), 0, nil), at: min(position, outbound.count))
        flush()
    }

    private func queueClose(_ close: WebSocketClose) {
        closeQueued = true
        outbound.append((OutboundFrame(bytes: close.payload, flags: .close), 0, nil))
        let timer = EvTimer(loop: host.ev) { [unowned self] in
            self.terminate(self.failure.map { .failed($0) } ?? .closed(self.peerClose ?? nil))
        }
        timer.arm(after: Double(TimeLimit.milliseconds(options.closeTimeout)) / 1000)  // .infinity clamped
        closeTimer = timer
        flush()
    }

    /// Sends queued frames until the socket takes no more.
    private func flush() {
        sending: while phase == .open, outboundHead < outbound.count {
            let item = outbound[outboundHead]
            headStarted = true
            let result = item.frame.bytes.withUnsafeBytes { bytes in
                Result { () throws(CurlWebSocketError) in
                    try easy.wsSend(UnsafeRawBufferPointer(rebasing: bytes[item.sent...]), flags: item.frame.flags)
                }
            }
            let sent: Int
            switch result {
            case .success(let count): sent = count
            case .failure(let error) where error.code == .again: break sending
            case .failure(let error): return connectionLost(error)
            }
            outbound[outboundHead].sent += sent
            guard outbound[outboundHead].sent == item.frame.bytes.count else {
                if sent == 0 { break sending }  // nothing moved: wait for the socket
                continue
            }
            outboundHead += 1
            headStarted = false
            item.done.map { channel.resume($0, with: .success(())) }
            if item.frame.flags.contains(.close) {
                closeSent = true
                if let peerClose { return terminate(failure.map { .failed($0) } ?? .closed(peerClose)) }
            }
        }
        if outboundHead == outbound.count {
            outbound.removeAll(keepingCapacity: outbound.count <= 16)
            outboundHead = 0
        }
        updateWatch()
    }

    /// Receiving may go on: the reader drained the buffer.
    func resumeReceive() {
        guard phase == .open, receivePaused else { return }
        receivePaused = false
        readAvailable()
    }

    // MARK: - The end

    /// Ends the socket: watchers stopped, waiters resumed, the handle closed (which closes the
    /// connection), the host told.
    func terminate(_ end: WebSocketChannel.End) {
        guard phase != .ended else { return }
        if let handshake {
            if case .failed(let error) = end { channel.resume(handshake, with: .failure(error)) } else { channel.resume(handshake, with: .failure(HTTPClientError.shutdown)) }
            self.handshake = nil
        }
        phase = .ended
        io?.stop()
        io = nil
        closeTimer = nil
        let closed = HTTPClientError(.webSocketClosed, "the WebSocket closed before the message was sent")
        for item in outbound[outboundHead...] { item.done.map { channel.resume($0, with: .failure(closed)) } }
        outbound.removeAll()
        outboundHead = 0
        headStarted = false
        channel.finish(end)
        for waiter in closeWaiters { channel.resume(waiter, with: .success(())) }
        closeWaiters.removeAll()
        host.ended(self)
    }
}
