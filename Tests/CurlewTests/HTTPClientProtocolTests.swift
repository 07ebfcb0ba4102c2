@testable import Curlew
import CurlewTestSupport
import Foundation
import HTTPTypes
import LibCurl
import Testing

@Suite("HTTPClient: redirects, decompression, HTTP/2, caches, loops", .serialized)
struct HTTPClientProtocolTests {
    let nginx: Nginx
    let httpbin: Httpbin

    init() async throws {
        nginx = try await Nginx.shared()
        httpbin = try await Httpbin.shared()
    }

    @Test("redirects are followed up to the limit, skipped heads and all")
    func redirects() async throws {
        let client = try makeClient(nginx)
        let followed = try await client.get(httpbin.url("/redirect/3"))
        #expect(followed.status == .ok)
        _ = try await followed.body.collect(upTo: 1 << 20)
        #expect(followed.body.metrics?.redirectCount == 3)

        let tooMany = await httpError { _ = try await client.execute(try HTTPClient.request(.get, httpbin.url("/redirect/5")), redirects: .follow(max: 2)) }
        #expect(tooMany?.kind == .tooManyRedirects)

        let notFollowed = try await client.execute(try HTTPClient.request(.get, httpbin.url("/redirect/1")), redirects: .disallow)
        #expect(notFollowed.status.code == 302)
        #expect(notFollowed.headerFields[.location] != nil)
        await client.shutdown()
    }

    @Test("the client's User-Agent goes with every request unless the request names its own; a body goes without Expect: 100-continue")
    func userAgentAndExpect() async throws {
        let faults = try await FaultServer.shared()
        let client = try makeClient(nginx) { $0.userAgent = "curlew-test/1" }
        let plain = try await client.get(faults.url("/headers")).text()
        #expect(plain.split(separator: "\n").contains("User-Agent: curlew-test/1"), "\(plain)")
        var fields = HTTPFields()
        fields[.userAgent] = "mine/2"
        let own = try await client.get(faults.url("/headers"), headers: fields).text()
        #expect(own.split(separator: "\n").contains("User-Agent: mine/2") && !own.contains("curlew-test/1"), "\(own)")
        // Above 1 MiB libcurl would ask for 100-continue and wait for it; the client sends at once.
        let posted = try await client.post(faults.url("/headers"), body: [UInt8](repeating: 97, count: 2 << 20)).text()
        #expect(posted.split(separator: "\n").contains("Content-Length: 2097152"), "\(posted)")
        #expect(!posted.lowercased().contains("100-continue"), "\(posted)")
        await client.shutdown()
    }

    @Test("a redirect to a scheme other than http or https is refused")
    func redirectScheme() async throws {
        let client = try makeClient(nginx)
        let error = await httpError {
            _ = try await client.get(httpbin.url("/redirect-to?url=ftp%3A%2F%2F127.0.0.1%2Ffile")).body.collect(upTo: 1 << 20)
        }
        // The first request was sent, so not .invalidRequest: the scheme is one Curlew does not follow.
        #expect(error?.kind == .unsupported)
        #expect(error?.curlCode == .unsupportedProtocol)
        await client.shutdown()
    }

    @Test("credentials and cookies are not sent to another origin on redirect")
    func redirectCredentials() async throws {
        let client = try makeClient(nginx)
        var fields = HTTPFields()
        fields[.authorization] = "Bearer secret-token"
        fields[.cookie] = "session=secret-cookie"
        // 127.0.0.1 → localhost is another origin.
        let target = "http://localhost:\(httpbin.port)/headers"
        let url = httpbin.url("/redirect-to?url=\(target.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")")
        let response = try await client.get(url, headers: fields)
        let text = try await response.text()
        #expect(text.contains("\"Host\": \"localhost"))
        #expect(!text.contains("secret-token"))
        #expect(!text.contains("secret-cookie"))
        // The same origin keeps them.
        let same = try await client.get(httpbin.url("/redirect-to?url=%2Fheaders"), headers: fields)
        #expect(try await same.text().contains("secret-token"))
        await client.shutdown()
    }

    @Test("gzip, deflate and brotli bodies are decoded; the decoded size is limited")
    func decompression() async throws {
        let client = try makeClient(nginx)
        for path in ["/gzip", "/deflate", "/brotli"] {
            let response = try await client.get(httpbin.url(path))
            let text = try await response.text()
            #expect(text.contains("\"\(path.dropFirst())ed\": true") || text.contains("\"\(path.dropFirst())\": true") || text.contains("true"), "\(path): \(text.prefix(80))")
            #expect(text.hasPrefix("{"), "\(path) decoded")
        }
        await client.shutdown()
        let limited = try makeClient(nginx) { $0.maxBodySize = 100 }
        let error = await httpError { _ = try await limited.get(httpbin.url("/gzip")).body.collect(upTo: 1 << 20) }
        #expect(error?.kind == .bodyTooLarge)
        await limited.shutdown()
    }

    @Test("h2c with prior knowledge holds up under load and across reconnects")
    func h2cUnderLoad() async throws {
        let client = try makeClient(nginx) { $0.httpVersion = .http2PriorKnowledge }
        for round in 0..<3 {
            let texts = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<200 { group.addTask { try await client.get(nginx.h2cURL("/small")).text() } }
                var all: [String] = []
                for try await text in group { all.append(text) }
                return all
            }
            #expect(texts.count == 200 && texts.allSatisfy { $0 == "hello" }, "round \(round)")
        }
        await client.shutdown()
    }

    @Test("h2c takes the plain path from libcurl 8.0, the curl #10634 workaround below it")
    func h2cPath() async throws {
        let nginx = try Nginx()  // its own, so its access log holds only this test's requests
        defer { nginx.stop() }
        let client = try makeClient(nginx) { $0.httpVersion = .http2PriorKnowledge }
        // Once a connection is open, bursts multiplex onto it (before, a burst may open several).
        #expect(try await client.get(nginx.h2cURL("/small")).text() == "hello")
        for _ in 0..<3 {
            let texts = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<50 { group.addTask { try await client.get(nginx.h2cURL("/small")).text() } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(texts.count == 50 && texts.allSatisfy { $0 == "hello" })
        }
        let primers = await client.statistics().h2cPrimers
        if CurlVersion.current.versionNumber >= 0x08_00_00 {
            #expect(primers == 0, "libcurl \(CurlVersion.current.version) has the fix: no request primes a connection")
        } else {
            #expect(primers >= 1, "libcurl \(CurlVersion.current.version) needs the workaround")
        }
        // Every request went as HTTP/2 on few connections (multiplexed), whichever path ran.
        let lines = nginx.accessLog().filter { $0.contains("/small") }
        #expect(lines.count == 151)
        #expect(lines.allSatisfy { $0.contains("HTTP/2.0") }, "\(lines.prefix(3))")
        let connections = Set(lines.compactMap { $0.split(separator: " ").last })
        #expect(connections.count <= 2, "\(connections.count) connections for 151 requests")
        await client.shutdown()
    }

    @Test("h2c with more requests in flight than the server allows streams per connection: none fails")
    func h2cBeyondStreamLimit() async throws {
        // The test nginx allows 1000 concurrent streams per connection (nginx's default is 128),
        // and its h2c port takes no HTTP/1.1 upgrade: a second connection must be opened with
        // prior knowledge too, or requests must wait for a free stream.
        let client = try makeClient(nginx) { $0.httpVersion = .http2PriorKnowledge }
        for round in 0..<2 {
            let results = await withTaskGroup(of: Result<String, HTTPClientError>.self) { group in
                for _ in 0..<1500 {
                    group.addTask {
                        do {
                            return .success(try await client.get(nginx.h2cURL("/small")).text())
                        } catch {
                            return .failure(error as? HTTPClientError ?? HTTPClientError(.other, "\(error)"))
                        }
                    }
                }
                var all: [Result<String, HTTPClientError>] = []
                for await result in group { all.append(result) }
                return all
            }
            let failures = results.compactMap { if case .failure(let error) = $0 { error } else { nil } }
            #expect(failures.isEmpty, "round \(round): \(failures.count) failed, first: \(failures.first.map { "\($0)" } ?? "")")
            #expect(results.count == 1500)
        }
        #expect(await client.statistics().transfers == 0)
        await client.shutdown()
    }

    @Test("HTTP/2 multiplexes many streams on few connections")
    func http2Multiplexing() async throws {
        let client = try makeClient(nginx)
        let reused = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    let response = try await client.get(nginx.httpsURL("/small"))
                    _ = try await response.body.collect(upTo: 100)
                    return response.body.metrics?.connectionReused ?? false
                }
            }
            var all: [Bool] = []
            for try await value in group { all.append(value) }
            return all
        }
        #expect(reused.filter { !$0 }.count <= 2, "new connections: \(reused.filter { !$0 }.count)")
        await client.shutdown()
    }

    @Test("keep-alive reuses HTTP/1.1 connections, within the per-host limit")
    func keepAliveAndLimits() async throws {
        let client = try makeClient(nginx) { $0.maxConnectionsPerHost = 2 }
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<40 {
                group.addTask {
                    let response = try await client.get(nginx.httpURL("/small"))
                    _ = try await response.body.collect(upTo: 100)
                    return response.body.metrics?.connectionReused ?? false
                }
            }
            var all: [Bool] = []
            for try await value in group { all.append(value) }
            return all
        }
        #expect(results.filter { !$0 }.count <= 2, "at most two connections were opened")
        await client.shutdown()
    }

    @Test("the total connection limit holds across hosts")
    func totalConnectionLimit() async throws {
        let client = try makeClient(nginx) {
            $0.maxConnections = 1
            $0.maxConnectionsPerHost = 0
        }
        // Two spellings of one server are two hosts to libcurl; with one connection in all,
        // every request after the first reuses it or waits for it.
        let urls = [nginx.httpURL("/small"), "http://localhost:\(nginx.httpPort)/small"]
        var newConnections = 0
        for index in 0..<10 {
            let response = try await client.get(urls[index % 2])
            _ = try await response.body.collect(upTo: 100)
            if response.body.metrics?.connectionReused == false { newConnections += 1 }
        }
        // Alternating hosts with one slot: each switch closes the old connection first.
        #expect(newConnections == 10)
        let concurrent = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { try await client.get(nginx.httpURL("/small")).text() } }
            var all: [String] = []
            for try await text in group { all.append(text) }
            return all
        }
        #expect(concurrent.count == 20 && concurrent.allSatisfy { $0 == "hello" }, "requests beyond the limit wait, none fails")
        await client.shutdown()
    }

    @Test("HTTPClient.shared serves requests without set-up")
    func sharedClient() async throws {
        let text = try await HTTPClient.shared.get(nginx.httpURL("/small")).text()
        #expect(text == "hello")
    }

    @Test("the DNS cache serves later requests on new connections")
    func dnsCache() async throws {
        let client = try makeClient(nginx) { $0.maxConnectionsPerHost = 0 }
        let share = try #require(client.engine?.share)
        // A name that resolves nowhere (`.test` is reserved) is placed in the client's DNS cache
        // by one handle's CURLOPT_RESOLVE entry: the client's requests, which carry no such
        // entry, reach nginx only if they look names up in that cache.
        let name = "curlew-client-dns.test"
        let primer = try CurlEasy()
        try primer.setShare(share)
        try primer.setopt(.resolve, ["\(name):\(nginx.httpPort):127.0.0.1"])
        try primer.setopt(.url, "http://\(name):\(nginx.httpPort)/small")
        try primer.setopt(.proxy, "")
        try primer.setopt(.noBody, true)
        try primer.perform()
        try primer.close()
        for _ in 0..<3 {
            var fields = HTTPFields()
            fields[.connection] = "close"
            let response = try await client.get("http://\(name):\(nginx.httpPort)/small", headers: fields)
            #expect(response.status == .ok)
            #expect(try await response.body.collect(upTo: 100) == Array("hello".utf8))
            let metrics = try #require(response.body.metrics)
            #expect(!metrics.connectionReused)
        }
        await client.shutdown()
    }

    @Test("the TLS session cache resumes sessions on new connections (TLS 1.2), seen by both ends")
    func tlsSessionCache() async throws {
        let client = try makeClient(nginx)
        var answers: [String] = []
        var resumed: [Bool?] = []
        for _ in 0..<3 {
            var fields = HTTPFields()
            fields[.connection] = "close"
            let response = try await client.get(nginx.tls12URL("/session"), headers: fields)
            answers.append(try await response.text())
            resumed.append(response.body.metrics?.tlsSessionResumed)
        }
        #expect(answers == [".", "r", "r"])
        #expect(resumed == [false, true, true])
        await client.shutdown()
    }

    @Test("two loops share one CurlShare under load across four origins")
    func twoLoops() async throws {
        let client = try makeClient(nginx) { $0.loopCount = 2 }
        let urls = [nginx.httpURL("/small"), nginx.httpsURL("/small"), nginx.tls12URL("/small"), "http://localhost:\(nginx.httpPort)/small"]
        let texts = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<800 { group.addTask { try await client.get(urls[index % urls.count]).text() } }
            var all: [String] = []
            for try await text in group { all.append(text) }
            return all
        }
        #expect(texts.count == 800 && texts.allSatisfy { $0 == "hello" })
        await client.shutdown()
    }
}
