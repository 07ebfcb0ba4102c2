public import HTTPTypes
internal import LibCurl

extension HTTPClient {
    /// Opens a WebSocket to `url` (`ws://` or `wss://`) with the client's TLS, proxy and
    /// connect-timeout settings, and returns once the server accepted the upgrade.
    ///
    /// - Parameters:
    ///   - url: A `ws` or `wss` URL.
    ///   - headers: Extra fields for the upgrade request (a token, an origin, cookies).
    ///   - subprotocols: Offered in `Sec-WebSocket-Protocol`, in order of preference; the
    ///     server's choice is ``WebSocket/subprotocol``.
    ///   - timeout: The limit for the upgrade; the configuration's `requestTimeout` by default.
    ///     It does not limit the open socket.
    /// - Throws: ``HTTPClientError``: ``HTTPClientError/Kind/unsupported`` on a libcurl built
    ///   without WebSocket (7.x), ``HTTPClientError/Kind/invalidRequest`` for a bad URL, field
    ///   or subprotocol (nothing is sent), ``HTTPClientError/Kind/webSocketRefused`` when the
    ///   server answers with another status or a subprotocol not offered, and the kinds of any
    ///   request for connection and TLS failures.
    public func webSocket(
        _ url: String, headers: HTTPFields = [:], subprotocols: [String] = [], timeout: Duration? = nil
    ) async throws -> WebSocket {
        guard CurlVersion.current.supportsWebSocket else {
            throw HTTPClientError(.unsupported, "WebSocket is not built into the linked libcurl \(CurlVersion.current.version): it needs libcurl 8 with ws and wss")
        }
        guard let engine else { throw startupError ?? .shutdown }
        guard !isShutDown else { throw HTTPClientError.shutdown }
        let request = try TransferRequest.webSocket(url, headers: headers, subprotocols: subprotocols, timeout: timeout,
                                                    defaults: requestDefaults)
        let loop = engine.loop(for: request.originKey)
        let channel = WebSocketChannel(highWater: configuration.webSocket.receiveBufferHighWater)
        defer { channel.synchronize() }  // see WebSocketChannel.resume(_:with:)
        let handshake = try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<WebSocketHandshake, any Error>) in
                if !loop.send(.webSocket(.open(channel, request, offered: subprotocols, continuation))) {
                    continuation.resume(throwing: HTTPClientError.shutdown)
                }
            }
        } onCancel: {
            // Marked first, so an upgrade the loop has not begun yet is never begun.
            channel.finish(.failed(HTTPClientError(.cancelled, "the task opening the WebSocket was cancelled")))
            loop.send(.webSocket(.close(channel, WebSocketClose(code: .goingAway, reason: "cancelled"), nil)))
        }
        return WebSocket(handshake: handshake, channel: channel, loop: loop)
    }

    /// Opens a WebSocket (see ``webSocket(_:headers:subprotocols:timeout:)``), runs `body` with
    /// it, and closes it (1000) when `body` returns or throws.
    public func withWebSocket<Value: Sendable>(
        _ url: String, headers: HTTPFields = [:], subprotocols: [String] = [], timeout: Duration? = nil,
        _ body: (WebSocket) async throws -> Value
    ) async throws -> Value {
        let socket = try await webSocket(url, headers: headers, subprotocols: subprotocols, timeout: timeout)
        do {
            let result = try await body(socket)
            try await socket.close()
            return result
        } catch {
            try? await socket.close()
            throw error
        }
    }
}
