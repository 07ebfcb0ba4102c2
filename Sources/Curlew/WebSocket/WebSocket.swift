public import HTTPTypes
internal import LibCurl

/// An open WebSocket (RFC 6455), driven by its client's loop thread like every transfer: no
/// thread of its own. Send from any task; read the messages from one, as an `AsyncSequence`.
///
/// ```swift
/// let socket = try await client.webSocket("wss://example.org/chat", subprotocols: ["chat.v2"])
/// try await socket.send(.text("hello"))
/// for try await message in socket.messages {
///     if case .text(let text) = message { print(text) }
/// }
/// print(socket.closeFrame?.code ?? .abnormal)
/// ```
///
/// Fragmented messages arrive whole (up to ``WebSocketOptions/maxMessageSize``); libcurl
/// answers pings; a close from the peer is answered and ends the messages. Reading pauses
/// while ``WebSocketOptions/receiveBufferHighWater`` bytes wait unread, so a slow reader holds
/// the peer back instead of growing memory. Call ``close(_:reason:)`` when done, or use
/// ``HTTPClient/withWebSocket(_:headers:subprotocols:timeout:_:)``; a socket dropped unclosed
/// is closed with 1001 (going away), and ``HTTPClient/shutdown(gracePeriod:)`` closes every
/// socket the same way.
public final class WebSocket: Sendable {
    /// The subprotocol the server chose among those offered, if any.
    public let subprotocol: String?
    /// The server's 101 response.
    public let response: HTTPResponse
    let channel: WebSocketChannel
    let loop: EventLoop

    init(handshake: WebSocketHandshake, channel: WebSocketChannel, loop: EventLoop) {
        subprotocol = handshake.subprotocol
        response = handshake.head
        self.channel = channel
        self.loop = loop
    }

    deinit {
        // Unclosed: close it on the loop (nothing waits for the handshake).
        if channel.end == nil {
            loop.send(.webSocket(.close(channel, WebSocketClose(code: .goingAway), nil)))
        }
    }

    /// Sends a whole message; returns once libcurl took all of it (so a peer that does not read
    /// holds the sender back).
    /// - Throws: ``HTTPClientError``: ``HTTPClientError/Kind/webSocketClosed`` once the socket
    ///   is closing or closed, ``HTTPClientError/Kind/networkError`` when the connection fails.
    ///   Cancelling the task closes the socket (1001): a message not yet taken then fails with
    ///   ``HTTPClientError/Kind/webSocketClosed``.
    public func send(_ message: WebSocketMessage) async throws {
        switch message {
        case .text(let text): try await send(OutboundFrame(bytes: Array(text.utf8), flags: .text))
        case .binary(let bytes): try await send(OutboundFrame(bytes: bytes, flags: .binary))
        }
    }

    /// Sends a ping with up to 125 bytes of payload (libcurl reads the pong).
    /// - Throws: ``HTTPClientError/Kind/invalidRequest`` past 125 bytes, or as ``send(_:)``.
    public func ping(_ payload: [UInt8] = []) async throws {
        guard payload.count <= 125 else { throw HTTPClientError.invalidRequest("a ping carries at most 125 bytes, not \(payload.count)") }
        try await send(OutboundFrame(bytes: payload, flags: .ping))
    }

    private func send(_ frame: OutboundFrame) async throws {
        guard channel.end == nil else { throw HTTPClientError(.webSocketClosed, "the WebSocket is closed") }
        defer { channel.synchronize() }  // see WebSocketChannel.resume(_:with:)
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                if !loop.send(.webSocket(.send(channel, frame, continuation))) {
                    continuation.resume(throwing: HTTPClientError.shutdown)
                }
            }
        } onCancel: {
            loop.send(.webSocket(.close(channel, WebSocketClose(code: .goingAway, reason: "cancelled"), nil)))
        }
    }

    /// Closes the socket with `code` and `reason` and waits for the peer's close (at most
    /// ``WebSocketOptions/closeTimeout``); returns at once if it is closed already.
    /// Messages that arrive meanwhile can still be read.
    /// - Throws: ``HTTPClientError/Kind/invalidRequest`` for a code an endpoint may not send
    ///   (1005, 1006, 1015, below 1000…) or a reason over 123 bytes.
    public func close(_ code: WebSocketCloseCode = .normal, reason: String = "") async throws {
        guard code.isSendable else { throw HTTPClientError.invalidRequest("the close code \(code) may not be sent") }
        guard reason.utf8.count <= 123 else {
            throw HTTPClientError.invalidRequest("a close reason carries at most 123 bytes, not \(reason.utf8.count)")
        }
        guard channel.end == nil else { return }
        let close = WebSocketClose(code: code, reason: reason)
        defer { channel.synchronize() }  // see WebSocketChannel.resume(_:with:)
        try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
            if !loop.send(.webSocket(.close(channel, close, continuation))) { continuation.resume() }
        }
    }

    /// The peer's close frame once the socket closed cleanly; `nil` while open, or when the
    /// connection ended without one.
    public var closeFrame: WebSocketClose? {
        if case .closed(let close)? = channel.end { return close }
        return nil
    }

    /// The messages received, in order. One iterator reads them; another gets
    /// ``HTTPClientError/Kind/concurrentBodyRead``.
    public var messages: Messages { Messages(socket: self) }

    /// The messages of a ``WebSocket``; the sequence ends after the peer's close frame.
    public struct Messages: AsyncSequence, Sendable {
        public typealias Element = WebSocketMessage
        public typealias Failure = any Error
        let socket: WebSocket

        public struct AsyncIterator: AsyncIteratorProtocol {
            let socket: WebSocket
            let claimed: Bool

            /// The next message, or `nil` once the socket closed cleanly.
            /// - Throws: ``HTTPClientError``: ``HTTPClientError/Kind/networkError`` when the
            ///   connection ended without a close frame, ``HTTPClientError/Kind/bodyTooLarge``
            ///   for a message over the limit (the socket closes with 1009),
            ///   ``HTTPClientError/Kind/protocolError`` for text that is not UTF-8 (1007),
            ///   ``HTTPClientError/Kind/cancelled`` when the task is cancelled (the socket
            ///   closes with 1001).
            public mutating func next() async throws -> WebSocketMessage? {
                guard claimed else {
                    throw HTTPClientError(.concurrentBodyRead, "the WebSocket's messages are read by another iterator")
                }
                let socket = self.socket
                return try await socket.channel.next(resume: {
                    socket.loop.send(.webSocket(.resumeReceive(socket.channel)))
                }, onCancel: {
                    socket.loop.send(.webSocket(.close(socket.channel, WebSocketClose(code: .goingAway, reason: "cancelled"), nil)))
                })
            }
        }

        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(socket: socket, claimed: socket.channel.claimIterator())
        }
    }
}
