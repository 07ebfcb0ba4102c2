@testable import Curlew
import CurlewTestSupport
import Foundation
import HTTPTypes
import LibCurl
import Testing

/// HTTPClient's WebSockets against a real server on loopback (`ws_server.py`, on the
/// `websockets` package). On a libcurl without WebSocket (7.88.1), each test checks the clear
/// `.unsupported` error instead.
///
/// Closures given to `withWebSocket` spell out `async throws`: a closure's throwing is inferred
/// from the `try`s written in it, and those inside `#expect` are not seen.
@Suite(.timeLimit(.minutes(3)))
struct WebSocketTests {
    let server: WebSocketServer

    init() async throws {
        server = try await WebSocketServer.shared()
    }

    func client(_ configure: (inout HTTPClientConfiguration) -> Void = { _ in }) throws -> HTTPClient {
        var configuration = HTTPClientConfiguration()
        configuration.proxy = .none
        configuration.tls.caFile = server.certificates.caCertificate
        configure(&configuration)
        return try HTTPClient(configuration: configuration)
    }

    /// On a libcurl without WebSocket: opening throws `.unsupported` naming the version, and
    /// the test ends there (false).
    func webSocketBuiltIn(_ client: HTTPClient) async -> Bool {
        if CurlVersion.current.supportsWebSocket { return true }
        let error = await httpError { _ = try await client.webSocket(server.url("/echo")) }
        #expect(error?.kind == .unsupported)
        #expect(error?.message.contains(CurlVersion.current.version) == true)
        await client.shutdown()
        return false
    }

    /// The next message, failing the test at the end of the stream.
    func next(_ iterator: inout WebSocket.Messages.AsyncIterator) async throws -> WebSocketMessage {
        try #require(try await iterator.next())
    }

    @Test("text and binary echo; a 1 MiB message; the close handshake ends the messages")
    func echo() async throws {
        let client = try client()
        guard await webSocketBuiltIn(client) else { return }
        let socket = try await client.webSocket(server.url("/echo"))
        #expect(socket.response.status.code == 101)
        var messages = socket.messages.makeAsyncIterator()
        try await socket.send(.text("hello, wörld"))
        #expect(try await next(&messages) == .text("hello, wörld"))
        try await socket.send(.binary([0, 1, 2, 255]))
        #expect(try await next(&messages) == .binary([0, 1, 2, 255]))
        let big = (0..<(1 << 20)).map { UInt8($0 % 251) }
        try await socket.send(.binary(big))
        #expect(try await next(&messages) == .binary(big))
        try await socket.send(.text(""))
        #expect(try await next(&messages) == .text(""))
        try await socket.close(.normal, reason: "done")
        #expect(try await messages.next() == nil)
        #expect(socket.closeFrame == WebSocketClose(code: .normal, reason: "done"))
        let late = await httpError { try await socket.send(.text("late")) }
        #expect(late?.kind == .webSocketClosed)
        await client.shutdown()
    }

    @Test("a message the server sends in fragments arrives whole")
    func fragmented() async throws {
        let client = try client()
        guard await webSocketBuiltIn(client) else { return }
        try await client.withWebSocket(server.url("/fragmented?size=300000&fragment=7000")) { (socket: WebSocket) async throws in
            var messages = socket.messages.makeAsyncIterator()
            #expect(try await next(&messages) == .binary((0..<300_000).map { UInt8($0 % 251) }))
        }
        await client.shutdown()
    }

    @Test("a message over maxMessageSize fails the reader with bodyTooLarge and closes the socket")
    func tooBig() async throws {
        let client = try client { $0.webSocket.maxMessageSize = 64 << 10 }
        guard await webSocketBuiltIn(client) else { return }
        let socket = try await client.webSocket(server.url("/fragmented?size=100000&fragment=10000"))
        let error = await httpError { for try await _ in socket.messages {} }
        #expect(error?.kind == .bodyTooLarge)
        let late = await httpError { try await socket.send(.text("late")) }
        #expect(late?.kind == .webSocketClosed)
        await client.shutdown()
    }

    @Test("a text message that is not UTF-8 fails the reader with protocolError and closes the socket")
    func invalidText() async throws {
        let client = try client()
        guard await webSocketBuiltIn(client) else { return }
        let socket = try await client.webSocket(server.url("/bad-utf8"))
        let error = await httpError { for try await _ in socket.messages {} }
        #expect(error?.kind == .protocolError)
        let late = await httpError { try await socket.send(.text("late")) }
        #expect(late?.kind == .webSocketClosed)
        await client.shutdown()
    }

    @Test("a socket dropped without close() is closed by its loop")
    func droppedSocket() async throws {
        let client = try client()
        guard await webSocketBuiltIn(client) else { return }
        do {
            let socket = try await client.webSocket(server.url("/echo"))
            try await socket.send(.text("then dropped"))
        }
        #expect(await client.statistics().webSockets <= 1)
        let deadline = ContinuousClock.now + .seconds(20)
        while await client.statistics().webSockets > 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(await client.statistics().webSockets == 0)
        await client.shutdown()
    }

    @Test("a ping from the server is answered with its payload")
    func serverPing() async throws {
        let client = try client()
        guard await webSocketBuiltIn(client) else { return }
        try await client.withWebSocket(server.url("/ping")) { (socket: WebSocket) async throws in
            var messages = socket.messages.makeAsyncIterator()
            #expect(try await next(&messages) == .text("pong:curlew"))
            // A ping of ours goes too, and the socket carries on.
            try await socket.ping(Array("are you there".utf8))
            try await socket.send(.text("after the ping"))
            #expect(try await next(&messages) == .text("after the ping"))
        }
        await client.shutdown()
    }

    @Test("a close from the server: its code and reason, the messages end, sending is refused")
    func serverClose() async throws {
        let client = try client()
        guard await webSocketBuiltIn(client) else { return }
        let socket = try await client.webSocket(server.url("/close?code=4001&reason=bye%20now"))
        var messages = socket.messages.makeAsyncIterator()
        #expect(try await messages.next() == nil)
        #expect(socket.closeFrame == WebSocketClose(code: WebSocketCloseCode(rawValue: 4001), reason: "bye now"))
        let late = await httpError { try await socket.send(.text("late")) }
        #expect(late?.kind == .webSocketClosed)
        await client.shutdown()
    }

    @Test("a TCP close in the middle of a frame fails the reader with networkError")
    func abrupt() async throws {
        let client = try client()
        guard await webSocketBuiltIn(client) else { return }
        let socket = try await client.webSocket(server.url("/abrupt"))
        let error = await httpError { for try await _ in socket.messages {} }
        #expect(error?.kind == .networkError)
        #expect(socket.closeFrame == nil)
        await client.shutdown()
    }

    @Test("subprotocols: the server's choice is read; a server refusing all offered fails with webSocketRefused")
    func subprotocols() async throws {
        let client = try client()
        guard await webSocketBuiltIn(client) else { return }
        let chosen = try await client.webSocket(server.url("/subprotocol"), subprotocols: ["chat.v1", "chat.v2"])
        #expect(chosen.subprotocol == "chat.v2")
        try await chosen.close()
        let refused = await httpError { _ = try await client.webSocket(server.url("/subprotocol"), subprotocols: ["chat.v1"]) }
        #expect(refused?.kind == .webSocketRefused)
        let missing = await httpError { _ = try await client.webSocket(server.url("/no-such-path")) }
        #expect(missing?.kind == .webSocketRefused)
        #expect(missing?.message.contains("404") == true)
        await client.shutdown()
    }

    @Test("extra request headers arrive; the upgrade's own fields and bad input are refused before anything is sent")
    func headersAndValidation() async throws {
        let client = try client()
        guard await webSocketBuiltIn(client) else { return }
        var headers = HTTPFields()
        headers[HTTPField.Name("X-Curlew-Test")!] = "yes"
        headers[.authorization] = "Bearer token"
        try await client.withWebSocket(server.url("/headers"), headers: headers, subprotocols: ["chat.v2"]) { (socket: WebSocket) async throws in
            var messages = socket.messages.makeAsyncIterator()
            guard case .text(let json) = try await next(&messages) else { Issue.record("not text"); return }
            let fields = try JSONDecoder().decode([String: String].self, from: Data(json.utf8))
            #expect(fields["x-curlew-test"] == "yes")
            #expect(fields["authorization"] == "Bearer token")
            #expect(fields["sec-websocket-protocol"] == "chat.v2")
            #expect(fields["upgrade"]?.lowercased() == "websocket")
        }
        for bad in [server.url("/echo").replacingOccurrences(of: "ws://", with: "http://"), "ws://", "wss://exa mple.org/"] {
            let error = await httpError { _ = try await client.webSocket(bad) }
            #expect(error?.kind == .invalidRequest, "\(bad)")
        }
        var upgrade = HTTPFields()
        upgrade[HTTPField.Name("Sec-WebSocket-Key")!] = "x"
        #expect(await httpError { _ = try await client.webSocket(server.url("/echo"), headers: upgrade) }?.kind == .invalidRequest)
        #expect(await httpError { _ = try await client.webSocket(server.url("/echo"), subprotocols: ["two words"]) }?.kind == .invalidRequest)
        let socket = try await client.webSocket(server.url("/echo"))
        #expect(await httpError { try await socket.close(.noStatus) }?.kind == .invalidRequest)
        #expect(await httpError { try await socket.ping([UInt8](repeating: 0, count: 126)) }?.kind == .invalidRequest)
        try await socket.close()
        await client.shutdown()
    }

    @Test("a slow reader: reading pauses at the buffer's bound and every message still arrives")
    func backpressure() async throws {
        let highWater = 256 << 10
        let client = try client { $0.webSocket.receiveBufferHighWater = highWater }
        guard await webSocketBuiltIn(client) else { return }
        let count = 200, size = 64 << 10  // 12.5 MiB in all, fifty times the bound
        try await client.withWebSocket(server.url("/flood?count=\(count)&size=\(size)")) { (socket: WebSocket) async throws in
            var received = 0
            for try await message in socket.messages {
                if case .text(let text) = message, text == "done" { break }
                guard case .binary(let bytes) = message, bytes.count == size else { Issue.record("unexpected \(message)"); return }
                received += 1
                if received % 20 == 0 { try await Task.sleep(for: .milliseconds(50)) }  // a slow reader
            }
            #expect(received == count)
            #expect(socket.channel.peakBufferedBytes <= highWater + size)
        }
        await client.shutdown()
    }

    @Test("wss with the test CA; an untrusted certificate fails with tlsFailure")
    func secure() async throws {
        let client = try client()
        guard await webSocketBuiltIn(client) else { return }
        try await client.withWebSocket(server.secureURL("/echo")) { (socket: WebSocket) async throws in
            var messages = socket.messages.makeAsyncIterator()
            try await socket.send(.text("over TLS"))
            #expect(try await next(&messages) == .text("over TLS"))
        }
        let untrusting = try self.client { $0.tls.caFile = nil }
        #expect(await httpError { _ = try await untrusting.webSocket(server.secureURL("/echo")) }?.kind == .tlsFailure)
        await untrusting.shutdown()
        await client.shutdown()
    }

    @Test("1,000 sockets open at once on one loop, each echoing")
    func thousandSockets() async throws {
        let client = try client { $0.maxConnectionsPerHost = 0 }
        guard await webSocketBuiltIn(client) else { return }
        let sockets = try await withThrowingTaskGroup(of: WebSocket.self) { group in
            for _ in 0..<1000 { group.addTask { try await client.webSocket(server.url("/echo")) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(await client.statistics().webSockets == 1000)
        let echoed = try await withThrowingTaskGroup(of: Bool.self) { group in
            for (index, socket) in sockets.enumerated() {
                group.addTask {
                    var messages = socket.messages.makeAsyncIterator()
                    try await socket.send(.text("socket \(index)"))
                    return try await messages.next() == .text("socket \(index)")
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(echoed == 1000)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for socket in sockets { group.addTask { try await socket.close() } }
            try await group.waitForAll()
        }
        #expect(await client.statistics().webSockets == 0)
        await client.shutdown()
    }

    @Test("WebSockets do not count against the HTTP connection limits, and HTTP requests beside them go on")
    func beyondConnectionLimits() async throws {
        let client = try client {
            $0.maxConnectionsPerHost = 2
            $0.maxConnections = 2
        }
        guard await webSocketBuiltIn(client) else { return }
        let sockets = try await withThrowingTaskGroup(of: WebSocket.self) { group in
            for _ in 0..<6 { group.addTask { try await client.webSocket(server.url("/echo")) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for (index, socket) in sockets.enumerated() {
            var messages = socket.messages.makeAsyncIterator()
            try await socket.send(.text("socket \(index)"))
            #expect(try await messages.next() == .text("socket \(index)"))
        }
        // An HTTP request to the same host and port, beside six open sockets.
        let http = try await client.get(server.url("/echo").replacingOccurrences(of: "ws://", with: "http://"))
        #expect(http.status.code == 426 || http.status.code == 400 || http.status.code == 404)
        for socket in sockets { try await socket.close() }
        await client.shutdown()
    }

    @Test("shutdown closes open sockets with 1001; a cancelled reader closes its socket")
    func shutdownAndCancellation() async throws {
        let client = try client()
        guard await webSocketBuiltIn(client) else { return }
        let socket = try await client.webSocket(server.url("/echo"))
        let reader = Task { try await socket.messages.first { _ in true } }
        try await Task.sleep(for: .milliseconds(50))
        reader.cancel()
        let cancelled = await httpError { _ = try await reader.value }
        #expect(cancelled?.kind == .cancelled)
        let late = await httpError { try await socket.send(.text("late")) }
        #expect(late?.kind == .webSocketClosed)

        let open = try await client.webSocket(server.url("/echo"))
        await client.shutdown(gracePeriod: .seconds(2))
        var messages = open.messages.makeAsyncIterator()
        #expect(try await messages.next() == nil)
        #expect(open.closeFrame?.code == .goingAway)
        #expect(await httpError { _ = try await client.webSocket(server.url("/echo")) }?.kind == .shutdown)
    }
}
