import Curlew
import CurlewTestSupport
import HTTPTypes
import LibCurl
import Testing

@Suite("HTTPClient: errors, timeouts, invalid input", .serialized)
struct HTTPClientFailureTests {
    let nginx: Nginx
    let faults: FaultServer

    init() async throws {
        nginx = try await Nginx.shared()
        faults = try await FaultServer.shared()
    }

    @Test("a refused connection is .connectionRefused with libcurl's code and detail")
    func refused() async throws {
        let client = try makeClient(nginx)
        let port = try unusedLoopbackPort()
        let error = await httpError { _ = try await client.get("http://127.0.0.1:\(port)/") }
        #expect(error?.kind == .connectionRefused)
        #expect(error?.curlCode == .couldntConnect)
        #expect(error?.detail.contains("\(port)") == true)
        await client.shutdown()
    }

    @Test("an unresolvable host is .dnsFailure")
    func dns() async throws {
        let client = try makeClient(nginx)
        let error = await httpError { _ = try await client.get("http://no-such-host.invalid/") }
        #expect(error?.kind == .dnsFailure)
        await client.shutdown()
    }

    @Test("a body shorter than its Content-Length is .truncatedBody, never a success")
    func truncated() async throws {
        let client = try makeClient(nginx)
        let response = try await client.get(faults.url("/truncated"))
        let error = await httpError { _ = try await response.body.collect(upTo: 1 << 20) }
        #expect(error?.kind == .truncatedBody)
        await client.shutdown()
    }

    @Test("a reset mid-body, a bad chunk and garbage fail with the kinds a caller can act on")
    func brokenPeers() async throws {
        let client = try makeClient(nginx)
        let reset = await httpError { _ = try await client.get(faults.url("/reset-mid-body")).body.collect(upTo: 1 << 20) }
        #expect(reset?.kind == .networkError)
        #expect(reset?.curlCode == .recvError)
        // The same libcurl code as the reset, but the peer broke the protocol.
        let chunk = await httpError { _ = try await client.get(faults.url("/bad-chunk")).body.collect(upTo: 1 << 20) }
        #expect(chunk?.kind == .protocolError)
        #expect(chunk?.curlCode == .recvError)
        #expect(chunk?.detail.isEmpty == false)
        // Not HTTP: libcurl reads it as HTTP/0.9 and refuses it; the request was sent.
        let garbage = await httpError { _ = try await client.get(faults.url("/garbage")).body.collect(upTo: 1 << 20) }
        #expect(garbage?.kind == .protocolError)
        #expect(garbage?.curlCode == .unsupportedProtocol)
        #expect(garbage?.detail.isEmpty == false)
        #expect(try await client.get(faults.url("/ok")).text() == "ok")
        await client.shutdown()
    }

    @Test("a server that never answers hits the request deadline as .timeout")
    func deadline() async throws {
        let client = try makeClient(nginx)
        let error = await httpError { _ = try await client.get(faults.url("/hang"), timeout: .milliseconds(300)) }
        #expect(error?.kind == .timeout)
        await client.shutdown()
    }

    @Test("the deadline covers the body, not just the head")
    func deadlineCoversBody() async throws {
        let client = try makeClient(nginx)
        let response = try await client.get(nginx.httpURL("/slow"), timeout: .milliseconds(700))
        #expect(response.status == .ok)
        let error = await httpError { _ = try await response.body.collect(upTo: 2 << 20) }
        #expect(error?.kind == .timeout)
        await client.shutdown()
    }

    @Test("a reused easy handle keeps no per-request setting: a deadline, a body, a method")
    func reusedHandlesForget() async throws {
        // One loop and one request at a time: every request after the first reuses one handle.
        let client = try makeClient(nginx)
        _ = try await client.get(nginx.httpURL("/small"), timeout: .milliseconds(500)).text()
        // The same shape without a deadline: a 1.5 s body must not hit the earlier 500 ms.
        let slow = try await client.get(faults.url("/slow-body?bytes=15&delay_ms=100")).text()
        #expect(slow.utf8.count == 15)
        // A POST with a body, then GETs of the same shape: nothing of the POST goes with them.
        let httpbin = try await Httpbin.shared()
        let posted = try await client.post(httpbin.url("/anything"), body: Array("twelve bytes".utf8)).text()
        #expect(posted.contains("\"method\": \"POST\"") && posted.contains("twelve bytes"))
        for _ in 0..<2 {
            let echoed = try await client.get(httpbin.url("/anything")).text()
            #expect(echoed.contains("\"method\": \"GET\"") && echoed.contains("\"data\": \"\""), "\(echoed)")
        }
        // A failed request: the handle is reset, and the next request is whole.
        #expect(await httpError { _ = try await client.get(faults.url("/hang"), timeout: .milliseconds(200)) }?.kind == .timeout)
        #expect(try await client.get(nginx.httpURL("/small")).text() == "hello")
        await client.shutdown()
    }

    @Test("the idle timeout ends a transfer that stops receiving")
    func idleTimeout() async throws {
        let client = try makeClient(nginx) { $0.idleTimeout = 1 }
        let error = await httpError { _ = try await client.get(faults.url("/hang")) }
        #expect(error?.kind == .timeout)
        await client.shutdown()
    }

    @Test("the connect timeout covers the TLS handshake")
    func connectTimeout() async throws {
        // The fault server accepts the TCP connection and never answers the TLS ClientHello.
        let client = try makeClient(nginx) { $0.connectTimeout = 0.3 }
        let error = await httpError { _ = try await client.get("https://127.0.0.1:\(faults.port)/hang") }
        #expect(error?.kind == .timeout)
        #expect(error?.curlCode == .operationTimedOut)
        await client.shutdown()
    }

    @Test("invalid input throws .invalidRequest before anything is sent")
    func invalidInput() async throws {
        let client = try makeClient(nginx)
        for url in ["ftp://127.0.0.1/x", "http://", "not a url", "http://127.0.0.1/a b", "http://127.0.0.1/\r\nX: y"] {
            let error = await httpError { _ = try await client.get(url) }
            #expect(error?.kind == .invalidRequest, "\(url.debugDescription)")
        }
        var request = HTTPRequest(method: .get, scheme: "http", authority: "127.0.0.1:\(nginx.httpPort)", path: "/small\r\nInjected: 1")
        var error = await httpError { _ = try await client.execute(request) }
        #expect(error?.kind == .invalidRequest)
        request = HTTPRequest(method: .get, scheme: "gopher", authority: "127.0.0.1", path: "/")
        error = await httpError { _ = try await client.execute(request) }
        #expect(error?.kind == .invalidRequest)
        request = HTTPRequest(method: .get, scheme: "wss", authority: "127.0.0.1", path: "/")
        error = await httpError { _ = try await client.execute(request) }
        #expect(error?.kind == .unsupported)
        // Nothing reached nginx from any of these.
        #expect(!nginx.accessLog().contains { $0.contains("Injected") })
        await client.shutdown()
    }

    @Test("a request after shutdown fails with .shutdown; shutdown is idempotent")
    func afterShutdown() async throws {
        let client = try makeClient(nginx)
        await client.shutdown()
        await client.shutdown()
        let error = await httpError { _ = try await client.get(nginx.httpURL("/small")) }
        #expect(error?.kind == .shutdown)
    }
}
