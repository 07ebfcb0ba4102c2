@testable import Curlew
import CurlewTestSupport
import Foundation
import HTTPTypes
import Testing

/// One cookie jar per client, with one loop and with several, against httpbin and the fault
/// server (`/headers` shows the Cookie field it received).
@Suite(.timeLimit(.minutes(2)))
struct CookieTests {
    func client(_ jar: HTTPCookieJar?, loops: Int = 1) throws -> HTTPClient {
        var configuration = HTTPClientConfiguration()
        configuration.proxy = .none
        configuration.cookies = jar
        configuration.loopCount = loops
        return try HTTPClient(configuration: configuration)
    }

    /// The cookies httpbin's `/cookies` received.
    func httpbinCookies(_ client: HTTPClient, _ httpbin: Httpbin, options: HTTPClientRequestOptions = HTTPClientRequestOptions()) async throws -> [String: String] {
        let response = try await client.get(httpbin.url("/cookies"), options: options)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(try await response.body.collect(upTo: 1 << 20))) as? [String: Any])
        return try #require(report["cookies"] as? [String: String])
    }

    @Test("a cookie set by a response goes with later requests; a request can opt out; a deleted cookie goes")
    func oneLoop() async throws {
        let httpbin = try await Httpbin.shared()
        let jar = HTTPCookieJar()
        let client = try client(jar)
        // /cookies/set answers 302 to /cookies: the cookie already goes with the redirect.
        let set = try await client.get(httpbin.url("/cookies/set?flavour=oat&size=large"))
        #expect(set.redirectCount == 1)
        #expect(try await set.text().contains("\"flavour\": \"oat\""))
        #expect(try await httpbinCookies(client, httpbin) == ["flavour": "oat", "size": "large"])
        #expect(Set(jar.cookies.map(\.name)) == ["flavour", "size"])
        var optOut = HTTPClientRequestOptions()
        optOut.usesCookies = false
        #expect(try await httpbinCookies(client, httpbin, options: optOut) == [:])
        _ = try await client.get(httpbin.url("/cookies/delete?size")).text()
        #expect(try await httpbinCookies(client, httpbin) == ["flavour": "oat"])
        #expect(jar.cookies.map(\.name) == ["flavour"])
        // A client without a jar sends none and keeps none.
        let plain = try self.client(nil)
        _ = try await plain.get(httpbin.url("/cookies/set?x=1")).text()
        #expect(try await httpbinCookies(plain, httpbin) == [:])
        await plain.shutdown()
        await client.shutdown()
    }

    @Test("with two loops, a cookie set through one origin's loop goes with a request on the other's")
    func twoLoops() async throws {
        let httpbin = try await Httpbin.shared()
        let fault = try await FaultServer.shared()
        // Enough loops that the two origins (same host, two ports) are served by different ones.
        let origins = ["http://127.0.0.1:\(httpbin.port)", "http://127.0.0.1:\(fault.port)"]
        let loops = try #require((2...16).first { Engine.loopIndex(for: origins[0], count: $0) != Engine.loopIndex(for: origins[1], count: $0) })
        let jar = HTTPCookieJar()
        let client = try client(jar, loops: loops)
        _ = try await client.get(httpbin.url("/cookies/set?shared=yes")).text()
        // Cookies belong to hosts, not ports: the fault server on 127.0.0.1 gets it too.
        let lines = try await client.get(fault.url("/headers")).text()
        #expect(lines.split(separator: "\n").contains("Cookie: shared=yes"), "\(lines)")
        // Many requests at once on both loops: every change lands in the one jar.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<20 {
                group.addTask { _ = try await client.get(httpbin.url("/cookies/set?c\(index)=\(index)")).text() }
                group.addTask { _ = try await client.get(fault.url("/headers")).text() }
            }
            try await group.waitForAll()
        }
        #expect(Set(jar.cookies.map(\.name)) == Set(["shared"] + (0..<20).map { "c\($0)" }))
        await client.shutdown()
    }

    @Test("a jar saves to and loads from the Netscape format; expired cookies are dropped")
    func netscapeFile() async throws {
        let httpbin = try await Httpbin.shared()
        let folder = try temporaryTestFolder("curlew-cookies")
        let path = folder + "/cookies.txt"
        let jar = HTTPCookieJar()
        let client = try client(jar)
        _ = try await client.get(httpbin.url("/cookies/set?kept=1")).text()
        try jar.save(toFile: path)
        await client.shutdown()
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        #expect(text.hasPrefix("# Netscape HTTP Cookie File"))
        #expect(text.split(separator: "\n").contains { $0.hasPrefix("127.0.0.1\tFALSE\t/\tFALSE\t") && $0.hasSuffix("\tkept\t1") })
        // Another process's file, with an expired cookie and a comment.
        try (text + "# a comment\n127.0.0.1\tFALSE\t/\tFALSE\t1000\texpired\t1\n127.0.0.1\tFALSE\t/\tFALSE\t0\tadded\t2\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let loaded = try HTTPCookieJar(contentsOfFile: path)
        #expect(Set(loaded.cookies.map(\.name)) == ["kept", "added"])
        let second = try self.client(loaded)
        #expect(try await httpbinCookies(second, httpbin) == ["kept": "1", "added": "2"])
        await second.shutdown()
        let missing = #expect(throws: HTTPClientError.self) { _ = try HTTPCookieJar(contentsOfFile: folder + "/none.txt") }
        #expect(missing?.kind == .fileError)
    }
}
