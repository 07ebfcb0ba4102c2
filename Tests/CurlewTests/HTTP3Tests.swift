import Curlew
import CurlewTestSupport
import HTTPTypes
import LibCurl
import Testing

/// HTTP/3 against a real server on loopback: hypercorn with aioquic (`h3_server.py`). On a
/// libcurl without HTTP/3 (7.88.1), each test checks the `.unsupported` error instead.
@Suite(.timeLimit(.minutes(3)))
struct HTTP3Tests {
    func client(_ server: HTTP3Server, _ version: HTTPClientConfiguration.HTTPVersionPolicy = .http3Only,
                _ configure: (inout HTTPClientConfiguration) -> Void = { _ in }) throws -> HTTPClient {
        var configuration = HTTPClientConfiguration()
        configuration.proxy = .none
        configuration.httpVersion = version
        configuration.tls.caFile = server.certificates.caCertificate
        configure(&configuration)
        return try HTTPClient(configuration: configuration)
    }

    /// On a libcurl without HTTP/3: a request throws `.unsupported` before anything is sent,
    /// and the test ends there (false).
    func http3BuiltIn(_ client: HTTPClient, _ url: String) async -> Bool {
        if CurlVersion.current.supportsHTTP3 { return true }
        let error = await httpError { _ = try await client.get(url) }
        #expect(error?.kind == .unsupported)
        #expect(error?.message.contains(CurlVersion.current.version) == true)
        await client.shutdown()
        return false
    }

    @Test("GET over HTTP/3 only: the response says HTTP/3, metrics are read, the connection is reused")
    func get() async throws {
        let server = try await HTTP3Server.shared()
        let client = try client(server)
        guard await http3BuiltIn(client, server.url("/hello")) else { return }
        let response = try await client.get(server.url("/hello"))
        #expect(response.status == .ok)
        #expect(response.version == .http3)
        #expect(response.headerFields[HTTPField.Name("x-http-version")!] == "3")
        #expect(try await response.text() == "hello")
        let metrics = try #require(response.body.metrics)
        #expect(metrics.connect > 0 && metrics.tlsHandshake >= metrics.connect && metrics.firstByte >= metrics.tlsHandshake)
        #expect(!metrics.connectionReused)
        let again = try await client.get(server.url("/version"))
        #expect(try await again.text() == "3")
        #expect(again.body.metrics?.connectionReused == true)
        await client.shutdown()
    }

    @Test("POST of 10 MiB over HTTP/3 comes back whole")
    func post() async throws {
        let server = try await HTTP3Server.shared()
        let client = try client(server)
        guard await http3BuiltIn(client, server.url("/echo")) else { return }
        let body = (0..<(10 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let response = try await client.post(server.url("/echo"), body: body)
        #expect(response.version == .http3)
        #expect(try await response.body.collect(upTo: 11 << 20) == body)
        await client.shutdown()
    }

    @Test("100 concurrent requests over HTTP/3")
    func concurrent() async throws {
        let server = try await HTTP3Server.shared()
        let client = try client(server)
        guard await http3BuiltIn(client, server.url("/hello")) else { return }
        let versions = try await withThrowingTaskGroup(of: HTTPClientResponse.Version?.self) { group in
            for index in 0..<100 {
                group.addTask {
                    let response = try await client.get(server.url("/bytes?n=\(1000 + index)"))
                    let bytes = try await response.body.collect(upTo: 1 << 20)
                    return bytes == (0..<(1000 + index)).map { UInt8($0 % 251) } ? response.version : nil
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(versions.count == 100)
        #expect(versions.allSatisfy { $0 == .http3 })
        await client.shutdown()
    }

    @Test("a streamed HTTP/3 download read slowly arrives whole, through a small buffer")
    func streamingDownload() async throws {
        let server = try await HTTP3Server.shared()
        let client = try client(server) {
            $0.responseBufferHighWater = 128 << 10
            $0.responseBufferLowWater = 32 << 10
        }
        guard await http3BuiltIn(client, server.url("/bytes?n=1")) else { return }
        let size = 8 << 20
        let response = try await client.get(server.url("/bytes?n=\(size)"))
        #expect(response.version == .http3)
        var offset = 0, chunks = 0, mismatch = false
        for try await chunk in response.body {
            for (index, byte) in chunk.enumerated() where byte != UInt8((offset + index) % 251) { mismatch = true }
            offset += chunk.count
            chunks += 1
            if chunks % 16 == 0 { try await Task.sleep(for: .milliseconds(5)) }
        }
        #expect(offset == size)
        #expect(!mismatch)
        await client.shutdown()
    }

    @Test("HTTP/3 with fallback to a server without QUIC goes over HTTP/2; HTTP/3 only fails with connectionRefused")
    func fallback() async throws {
        let server = try await HTTP3Server.shared(quic: false)
        let fallback = try client(server, .http3)
        guard await http3BuiltIn(fallback, server.url("/version")) else { return }
        let response = try await fallback.get(server.url("/version"))
        #expect(response.version == .http2)
        #expect(try await response.text() == "2")
        await fallback.shutdown()

        let only = try client(server, .http3Only)
        let error = await httpError { _ = try await only.get(server.url("/version")) }
        #expect(error?.kind == .connectionRefused)
        await only.shutdown()
    }

    @Test("HTTP/3 only refuses an http URL before anything is sent")
    func cleartextRefused() async throws {
        let server = try await HTTP3Server.shared()
        let client = try client(server)
        guard await http3BuiltIn(client, server.url("/hello")) else { return }
        let error = await httpError { _ = try await client.get("http://127.0.0.1:\(server.port)/hello") }
        #expect(error?.kind == .invalidRequest)
        await client.shutdown()
    }
}
