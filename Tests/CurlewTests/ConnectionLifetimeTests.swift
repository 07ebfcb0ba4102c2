import Curlew
import CurlewTestSupport
import Testing

/// Connection lifetime knobs and where a response came from, against real servers.
@Suite(.timeLimit(.minutes(2)))
struct ConnectionLifetimeTests {
    func client(_ configure: (inout HTTPClientConfiguration) -> Void = { _ in }) throws -> HTTPClient {
        var configuration = HTTPClientConfiguration()
        configuration.proxy = .none
        configure(&configuration)
        return try HTTPClient(configuration: configuration)
    }

    /// Whether the request to `url` went over a reused connection.
    func reused(_ client: HTTPClient, _ url: String) async throws -> Bool {
        let response = try await client.get(url)
        _ = try await response.body.collect(upTo: 1 << 16)
        return try #require(response.body.metrics).connectionReused
    }

    @Test("the response names its final URL and the redirects followed")
    func finalURL() async throws {
        let httpbin = try await Httpbin.shared()
        let client = try client()
        let redirected = try await client.get(httpbin.url("/redirect/2"))
        #expect(redirected.url == httpbin.url("/get"))
        #expect(redirected.redirectCount == 2)
        let direct = try await client.get(httpbin.url("/get?x=1"))
        #expect(direct.url == httpbin.url("/get?x=1"))
        #expect(direct.redirectCount == 0)
        await client.shutdown()
    }

    @Test("maxIdleAge: a connection idle longer is not reused; without it, it is")
    func idleAge() async throws {
        let fault = try FaultServer()
        let aging = try client { $0.maxIdleAge = 1 }
        #expect(try await !reused(aging, fault.url("/ok")))
        try await Task.sleep(for: .milliseconds(2200))
        #expect(try await !reused(aging, fault.url("/ok")))
        await aging.shutdown()
        let keeping = try client()
        _ = try await reused(keeping, fault.url("/ok"))
        try await Task.sleep(for: .milliseconds(2200))
        #expect(try await reused(keeping, fault.url("/ok")))
        await keeping.shutdown()
        fault.stop()
    }

    @Test("maxConnectionLifetime: a connection in steady use is replaced once it is older than the lifetime")
    func lifetime() async throws {
        let fault = try FaultServer()
        // Requests 50 ms apart keep the connection busy (never idle for long), so a new
        // connection can only come from the lifetime. The test waits on what it observes
        // (a reuse, then a replacement) rather than on a clock: under a sanitizer's slowdown
        // a fixed schedule may reach the lifetime before the second request.
        let client = try client { $0.maxConnectionLifetime = 2 }
        #expect(try await !reused(client, fault.url("/ok")))
        var sawReuse = false
        var sawReplacement = false
        let deadline = ContinuousClock.now + .seconds(60)
        while !sawReplacement, ContinuousClock.now < deadline {
            if try await reused(client, fault.url("/ok")) {
                sawReuse = true
            } else if sawReuse {
                sawReplacement = true
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(sawReuse)
        #expect(sawReplacement)
        await client.shutdown()
        fault.stop()
    }

    @Test("lifetime knobs out of range are refused")
    func validation() {
        for configure: (inout HTTPClientConfiguration) -> Void in [{ $0.maxIdleAge = 0 }, { $0.maxConnectionLifetime = -1 }, { $0.maxIdleAge = .nan }] {
            var configuration = HTTPClientConfiguration()
            configure(&configuration)
            #expect(throws: HTTPClientError.self) { _ = try HTTPClient(configuration: configuration) }
        }
    }
}
