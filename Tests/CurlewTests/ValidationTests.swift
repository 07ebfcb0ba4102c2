@testable import Curlew
import CurlewTestSupport
import HTTPTypes
import LibCurl
import Testing

/// Bad input never traps and never changes what is sent: configurations are refused at
/// `HTTPClient(configuration:)` naming the field, requests before anything is sent; and the
/// client that refused a request serves the next.
@Suite("HTTPClient: validation of configurations, timeouts and request targets")
struct ValidationTests {
    let nginx: Nginx

    init() async throws { nginx = try await Nginx.shared() }

    typealias Change = @Sendable (inout HTTPClientConfiguration) -> Void

    static let badConfigurations: [(field: String, change: Change)] = [
        ("redirects", { $0.redirects = .follow(max: -1) }),
        ("connectTimeout", { $0.connectTimeout = .nan }),
        ("connectTimeout", { $0.connectTimeout = -1 }),
        ("idleTimeout", { $0.idleTimeout = .nan }),
        ("idleTimeout", { $0.idleTimeout = 0 }),
        ("requestTimeout", { $0.requestTimeout = -.infinity }),
        ("requestTimeout", { $0.requestTimeout = .nan }),
        ("maxBodySize", { $0.maxBodySize = -1 }),
        ("maxConnectionsPerHost", { $0.maxConnectionsPerHost = -1 }),
        ("maxConnections", { $0.maxConnections = -5 }),
        ("maxIdleConnections", { $0.maxIdleConnections = -1 }),
        ("maxConcurrentStreams", { $0.maxConcurrentStreams = 0 }),
        ("maxConcurrentStreams", { $0.maxConcurrentStreams = Int(Int32.max) + 1 }),
        ("loopCount", { $0.loopCount = 0 }),
        ("loopCount", { $0.loopCount = 100_000 }),
        ("responseBufferHighWater", { $0.responseBufferHighWater = 0; $0.responseBufferLowWater = -1 }),
        ("responseBufferLowWater", { $0.responseBufferLowWater = -1 }),
        ("responseBufferLowWater", { $0.responseBufferLowWater = $0.responseBufferHighWater }),
        ("receiveBufferSize", { $0.receiveBufferSize = 0 }),
        ("receiveBufferSize", { $0.receiveBufferSize = 1 << 30 }),
        ("userAgent", { $0.userAgent = "curlew\r\nX-Injected: yes" }),
        ("userAgent", { $0.userAgent = "curlew\u{0}" }),
        ("unixSocketPath", { $0.unixSocketPath = "/tmp/a\u{0}b" }),
        ("tls.caFile", { $0.tls.caFile = "/etc/ssl\ncerts" }),
        ("tls.clientCertificateFile", { $0.tls.clientCertificateFile = "a\u{0}" }),
        ("tls.clientKeyFile", { $0.tls.clientKeyFile = "a\rb" }),
        ("tls.pinnedPublicKey", { $0.tls.pinnedPublicKey = "sha256//a\nb" }),
        ("proxy", { $0.proxy = .url("http://[bad", excluding: nil) }),
        ("proxy", { $0.proxy = .url("ftp://127.0.0.1:21", excluding: nil) }),
        ("proxy", { $0.proxy = .url("127.0.0.1:3128", excluding: nil) }),
        ("proxy", { $0.proxy = .url("http://127.0.0.1:3128\r\nX: y", excluding: nil) }),
        ("proxy", { $0.proxy = .url("http://127.0.0.1:3128", excluding: "a\nb") }),
    ]

    @Test("each out-of-range field is refused with .invalidConfiguration naming it", arguments: badConfigurations.indices)
    func badConfiguration(_ index: Int) throws {
        let (field, change) = Self.badConfigurations[index]
        var configuration = HTTPClientConfiguration()
        change(&configuration)
        #expect {
            _ = try HTTPClient(configuration: configuration)
        } throws: { error in
            guard let error = error as? HTTPClientError else { return false }
            return error.kind == .invalidConfiguration && error.message.contains(field)
        }
    }

    @Test("limits with a clear meaning are accepted: infinite timeouts, the largest per-request timeout")
    func clampedLimits() async throws {
        let client = try makeClient(nginx) {
            $0.connectTimeout = .infinity
            $0.requestTimeout = .infinity
            $0.idleTimeout = .infinity
            $0.maxConnectionsPerHost = 0
        }
        #expect(try await client.get(nginx.httpURL("/small"), timeout: .seconds(Int64.max)).text() == "hello")
        // The shortest timeout rounds up to libcurl's 1 ms: the request ends either way, never traps.
        let shortest = await httpError { _ = try await client.get(nginx.httpURL("/small"), timeout: .nanoseconds(1)).text() }
        #expect(shortest == nil || shortest?.kind == .timeout, "\(String(describing: shortest))")
        for bad in [Duration.zero, .seconds(-1), .nanoseconds(-1)] {
            let error = await httpError { _ = try await client.get(nginx.httpURL("/small"), timeout: bad) }
            #expect(error?.kind == .invalidRequest, "\(bad)")
        }
        let redirects = await httpError {
            _ = try await client.execute(try HTTPClient.request(.get, nginx.httpURL("/small")), redirects: .follow(max: -1))
        }
        #expect(redirects?.kind == .invalidRequest)
        #expect(try await client.get(nginx.httpURL("/small")).text() == "hello")
        await client.shutdown()
        // A grace period out of range neither traps nor hangs.
        let other = try makeClient(nginx)
        await other.shutdown(gracePeriod: .seconds(Int64.max))
        let third = try makeClient(nginx)
        await third.shutdown(gracePeriod: .seconds(-5))
    }

    @Test("the user agent is sent as configured, on one line")
    func userAgentSent() async throws {
        let faults = try await FaultServer.shared()
        let client = try makeClient(nginx) { $0.userAgent = "curlew-test/1.0 (validation)" }
        let headers = try await client.get(faults.url("/headers")).text().split(separator: "\n")
        #expect(headers.contains("User-Agent: curlew-test/1.0 (validation)"))
        await client.shutdown()
    }

    static let badAuthorities = [
        "127.0.0.1:8080?", "127.0.0.1#frag", "evil.example@127.0.0.1@other", "127.0.0.1:80:90", "127.0.0.1:", "127.0.0.1:0",
        "127.0.0.1:65536", "127.0.0.1:8o", "host name", "[::1", "[zz::1]", "a/b", "a\\b", "%41host", "",
        "user@", "h[ost]", "[::1]x", "127.0.0.1;x=y", "a,b",
    ]

    @Test("an authority that would change the request target is refused", arguments: badAuthorities)
    func badAuthority(_ authority: String) async throws {
        let client = try makeClient(nginx)
        let request = HTTPRequest(method: .get, scheme: "http", authority: authority, path: "/small")
        let error = await httpError { _ = try await client.execute(request) }
        #expect(error?.kind == .invalidRequest, "\(authority.debugDescription)")
        #expect(try await client.get(nginx.httpURL("/small")).text() == "hello")
        await client.shutdown()
    }

    @Test("good authorities are taken as they are")
    func goodAuthorities() throws {
        for (authority, host) in [("127.0.0.1", "127.0.0.1"), ("user:pa%20ss@localhost:8080", "localhost:8080"),
                                  ("[::1]:443", "[::1]:443"), ("[fe80::1%25eth0]", "[fe80::1%25eth0]"), ("xn--bcher-kva.example", "xn--bcher-kva.example"),
                                  ("bücher.example", "bücher.example")] {
            #expect(try Authority.host(of: authority) == host)
        }
    }

    @Test("a request head larger than libcurl can send is refused, and the client goes on")
    func hugeHeader() async throws {
        let client = try makeClient(nginx)
        var fields = HTTPFields()
        fields[HTTPField.Name("X-Huge")!] = String(repeating: "a", count: 1 << 20)
        let error = await httpError { _ = try await client.get(nginx.httpURL("/small"), headers: fields) }
        #expect(error?.kind == .invalidRequest)
        #expect(try await client.get(nginx.httpURL("/small")).text() == "hello")
        await client.shutdown()
    }
}
