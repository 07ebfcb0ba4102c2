import CCurlew
import CurlewTestSupport
import LibCurl
import Testing

/// What libcurl does against the real servers beyond nginx: proxies, nghttpd, httpbin, and the
/// fault server. Each test asserts what libcurl 7.88.1 was seen to do.
extension LibCurlSuites {
@Suite("Real servers: proxies, nghttpd, httpbin, faults")
struct ServersTests {
    @Suite("Proxies in front of nginx")
    struct Proxy {
        let nginx: Nginx
        let proxies: Proxies

        init() async throws {
            nginx = try await Nginx.shared()
            proxies = try await Proxies.shared()
        }

        @Test("tinyproxy forwards a plain GET to nginx")
        func httpProxy() throws {
            let received = Received()
            let easy = try makeEasy(nginx.httpURL("/small"), nginx, into: received)
            try easy.setopt(.proxy, "http://127.0.0.1:\(proxies.httpProxyPort)")
            try easy.perform()
            #expect(received.text == "hello")
            #expect(try easy.getinfo(.responseCode) == 200)
            #expect(try easy.getinfo(.primaryPort) == proxies.httpProxyPort, "the connection went to the proxy")
            #expect(try easy.getinfo(.httpConnectCode) == 0, "plain HTTP is forwarded, not tunnelled")
        }

        @Test("tinyproxy tunnels HTTPS with CONNECT to nginx's TLS port, and HTTP/2 runs inside")
        func connectTunnel() throws {
            let received = Received()
            let easy = try makeEasy("https://127.0.0.1:\(nginx.httpsPort)/big", nginx, into: received)
            try easy.setopt(.proxy, "http://127.0.0.1:\(proxies.httpProxyPort)")
            try easy.perform()
            #expect(try easy.getinfo(.httpConnectCode) == 200)
            #expect(try easy.getinfo(.primaryPort) == proxies.httpProxyPort)
            #expect(try easy.getinfo(.httpVersion) == CurlHTTPVersion.http2.rawValue)
            #expect(received.body == Nginx.bigBody())
        }

        @Test("SOCKS5 with user and password reaches nginx, the name resolved by the proxy")
        func socksWithAuth() throws {
            let received = Received()
            let easy = try makeEasy(nginx.httpURL("/small"), nginx, into: received)
            try easy.setopt(.proxy, "socks5h://\(proxies.socksUser):\(proxies.socksPassword)@127.0.0.1:\(proxies.socksPort)")
            try easy.perform()
            #expect(received.text == "hello")
            #expect(try easy.getinfo(.primaryPort) == proxies.socksPort)
        }

        @Test("SOCKS5 rejects a wrong password with CURLE_PROXY and CURLPX_USER_REJECTED")
        func socksWrongPassword() throws {
            let received = Received()
            let easy = try makeEasy(nginx.httpURL("/small"), nginx, into: received)
            try easy.setopt(.proxy, "socks5h://\(proxies.socksUser):wrong@127.0.0.1:\(proxies.socksPort)")
            let error = try #require(throws: CurlError.self) { try easy.perform() }
            #expect(error.code == .proxy)
            #expect(error.detail.contains("rejected"))
            #expect(try easy.getinfo(.proxyError) == Int(CURLPX_USER_REJECTED.rawValue))
            #expect(received.body.isEmpty)
        }

        @Test("SOCKS5 requiring auth refuses a client with no credentials; the open one serves it")
        func socksNoCredentials() throws {
            let refused = try makeEasy(nginx.httpURL("/small"), nginx, into: Received())
            try refused.setopt(.proxy, "socks5://127.0.0.1:\(proxies.socksPort)")
            let error = try #require(throws: CurlError.self) { try refused.perform() }
            #expect(error.code == .proxy)
            #expect(try refused.getinfo(.proxyError) == Int(CURLPX_NO_AUTH.rawValue))

            let received = Received()
            let open = try makeEasy(nginx.httpURL("/small"), nginx, into: received)
            try open.setopt(.proxy, "socks5://127.0.0.1:\(proxies.socksNoAuthPort)")
            try open.perform()
            #expect(received.text == "hello")
        }
    }

    @Suite("nghttpd")
    struct NghttpdServer {
        let nghttpd: Nghttpd
        let nginx: Nginx

        init() async throws {
            nghttpd = try await Nghttpd.shared()
            nginx = try await Nginx.shared()
        }

        @Test("h2c with prior knowledge reports HTTP/2")
        func h2c() throws {
            let received = Received()
            let easy = try makeEasy(nghttpd.h2cURL("/small"), nginx, into: received)
            try easy.setopt(.httpVersion, CurlHTTPVersion.http2PriorKnowledge.rawValue)
            try easy.perform()
            #expect(try easy.getinfo(.httpVersion) == CurlHTTPVersion.http2.rawValue)
            #expect(try easy.getinfo(.responseCode) == 200)
            #expect(received.text == "hello")
            #expect(received.headers.first?.hasPrefix("HTTP/2 200") == true)
        }

        @Test("TLS negotiates HTTP/2 by ALPN and delivers 1 MiB intact")
        func tls() throws {
            let received = Received()
            let easy = try makeEasy(nghttpd.tlsURL("/big"), nginx, into: received)
            try easy.setopt(.caInfo, nghttpd.certificates.caCertificate)
            try easy.perform()
            #expect(try easy.getinfo(.httpVersion) == CurlHTTPVersion.http2.rawValue)
            #expect(received.body == Nginx.bigBody())
        }
    }

    @Suite("httpbin")
    struct HttpbinServer {
        let httpbin: Httpbin
        let nginx: Nginx

        init() async throws {
            httpbin = try await Httpbin.shared()
            nginx = try await Nginx.shared()
        }

        @Test("/status/418 answers 418, a success for perform")
        func teapot() throws {
            let easy = try makeEasy(httpbin.url("/status/418"), nginx, into: Received())
            try easy.perform()
            #expect(try easy.getinfo(.responseCode) == 418)
        }

        @Test("/gzip is decoded when acceptEncoding is empty, and left compressed when unset")
        func gzip() throws {
            let decoded = Received()
            let easy = try makeEasy(httpbin.url("/gzip"), nginx, into: decoded)
            try easy.setopt(.acceptEncoding, "")
            try easy.perform()
            #expect(decoded.headers.contains { $0.lowercased().hasPrefix("content-encoding: gzip") })
            #expect(decoded.text.contains("\"gzipped\": true"))

            // httpbin compresses /gzip whatever the request asks; without the option libcurl
            // hands over the gzip stream itself.
            let raw = Received()
            let plain = try makeEasy(httpbin.url("/gzip"), nginx, into: raw)
            try plain.perform()
            #expect(raw.body.starts(with: [0x1F, 0x8B]))
        }
    }

    /// Serialized: the connection-count test needs no other transfer to the fault server
    /// running at the same time.
    @Suite("Fault server", .serialized)
    struct Faults {
        let faults: FaultServer
        let nginx: Nginx

        init() async throws {
            faults = try await FaultServer.shared()
            nginx = try await Nginx.shared()
        }

        @Test("a body cut short by a clean close fails with CURLE_PARTIAL_FILE (18)")
        func truncated() throws {
            let received = Received()
            let easy = try makeEasy(faults.url("/truncated"), nginx, into: received)
            let error = try #require(throws: CurlError.self) { try easy.perform() }
            #expect(error.code == .partialFile)
            // The count of missing bytes, whatever the wording around it ("remaining", "missing").
            #expect(error.detail.contains("500"), "\(error.detail)")
            #expect(received.body.count == 500)
        }

        @Test("bytes that are not HTTP fail as HTTP/0.9 with CURLE_UNSUPPORTED_PROTOCOL (1)")
        func garbage() throws {
            let received = Received()
            let easy = try makeEasy(faults.url("/garbage"), nginx, into: received)
            let error = try #require(throws: CurlError.self) { try easy.perform() }
            #expect(error.code == .unsupportedProtocol)
            // Curlew's kind table tells this CURLE_UNSUPPORTED_PROTOCOL from a refused scheme by
            // this token, which both supported libcurls write.
            #expect(error.detail.contains("HTTP/0.9"), "\(error.detail)")
            #expect(received.body.isEmpty)
        }

        @Test("a chunk-size line that is not hex fails with CURLE_RECV_ERROR (56)")
        func badChunk() throws {
            let received = Received()
            let easy = try makeEasy(faults.url("/bad-chunk"), nginx, into: received)
            let error = try #require(throws: CurlError.self) { try easy.perform() }
            #expect(error.code == .recvError)
            // Curlew's kind table tells this CURLE_RECV_ERROR from a failed recv() by the word
            // "chunk", which both supported libcurls write (their sentences differ).
            #expect(error.detail.lowercased().contains("chunk"), "\(error.detail)")
            #expect(try easy.getinfo(.responseCode) == 200)
            #expect(received.body.isEmpty)
        }

        @Test("a reset mid-body fails with CURLE_RECV_ERROR (56) after the bytes before it")
        func resetMidBody() throws {
            let received = Received()
            let easy = try makeEasy(faults.url("/reset-mid-body"), nginx, into: received)
            let error = try #require(throws: CurlError.self) { try easy.perform() }
            #expect(error.code == .recvError)
            #expect(error.detail.contains("reset"))
            // Linux hands over the bytes queued before the RST before reporting the reset.
            #expect(received.body.count == 10_000)
        }

        @Test("a server that never answers trips timeoutMS with CURLE_OPERATION_TIMEDOUT (28)")
        func hang() throws {
            let easy = try makeEasy(faults.url("/hang"), nginx, into: Received())
            try easy.setopt(.timeoutMS, 500)
            let error = try #require(throws: CurlError.self) { try easy.perform() }
            #expect(error.code == .operationTimedOut)
            let elapsed = try easy.getinfo(.totalTime)
            #expect(elapsed >= 450_000 && elapsed < 2_500_000, "took \(elapsed) µs")
        }

        @Test("timeoutMS bounds the whole transfer, even while head bytes keep arriving")
        func slowHeadersTimeout() throws {
            let received = Received()
            let easy = try makeEasy(faults.url("/slow-headers"), nginx, into: received)
            try easy.setopt(.timeoutMS, 1000)
            let error = try #require(throws: CurlError.self) { try easy.perform() }
            #expect(error.code == .operationTimedOut)
            // The whole head takes over 3 s (64 bytes, 50 ms apart).
            let elapsed = try easy.getinfo(.totalTime)
            #expect(elapsed >= 900_000 && elapsed < 2_500_000, "took \(elapsed) µs")
            #expect(received.body.isEmpty)
        }

        @Test("a head sent a byte at a time, and a body a byte at a time, arrive whole")
        func slowButValid() throws {
            let head = Received()
            let headEasy = try makeEasy(faults.url("/slow-headers"), nginx, into: head)
            try headEasy.perform()
            #expect(head.text == "hello")
            #expect(head.headers.first == "HTTP/1.1 200 OK\r\n")
            #expect(head.headers.count == 4, "status line, two fields, blank line: \(head.headers)")
            #expect(try headEasy.getinfo(.totalTime) >= 3_000_000, "64 head bytes, 50 ms apart")

            let body = Received()
            let bodyEasy = try makeEasy(faults.url("/slow-body?bytes=20&delay_ms=10"), nginx, into: body)
            try bodyEasy.perform()
            #expect(body.body == (0..<20).map { UInt8($0 % 251) })
        }

        @Test("/ok keeps the connection alive; /connections counts accepted connections")
        func connectionReuse() throws {
            // Its own fault server: other suites use the shared one at the same time.
            let faults = try FaultServer()
            defer { faults.stop() }
            let received = Received()
            let easy = try makeEasy(faults.url("/connections"), nginx, into: received)
            try easy.perform()
            let first = try #require(Int(received.text))
            #expect(try easy.getinfo(.numConnects) == 1)

            // The server's count moves exactly as libcurl's own count of new connections does
            // (normally not at all: the connection is kept alive and reused).
            var opened = 0
            for path in ["/ok", "/connections"] {
                received.body = []
                try easy.setopt(.url, faults.url(path))
                try easy.perform()
                opened += try easy.getinfo(.numConnects)
            }
            #expect(Int(received.text) == first + opened, "the server counted the connections libcurl opened")

            try easy.setopt(.freshConnect, true)
            received.body = []
            try easy.perform()
            #expect(try easy.getinfo(.numConnects) == 1)
            #expect(Int(received.text) == first + opened + 1)
        }
    }
}
}
