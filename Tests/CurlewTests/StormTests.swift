import Curlew
import CurlewTestSupport
import HTTPTypes
import Testing

/// After a storm of cancelled requests, or after a failed first request, the same client
/// serves new requests on every HTTP version.
@Suite("HTTPClient: recovery after storms and failures", .serialized, .timeLimit(.minutes(3)))
struct StormTests {
    let nginx: Nginx

    init() async throws { nginx = try await Nginx.shared() }

    enum Version: String, CaseIterable, Sendable {
        case http1, http2, h2c
    }

    func client(_ version: Version) throws -> HTTPClient {
        try makeClient(nginx) { if version == .h2c { $0.httpVersion = .http2PriorKnowledge } }
    }

    func url(_ version: Version, _ path: String) -> String {
        switch version {
        case .http1: nginx.httpURL(path)
        case .http2: nginx.httpsURL(path)
        case .h2c: nginx.h2cURL(path)
        }
    }

    /// `count` requests, `concurrency` at a time, each cancelled after a random 0–5 ms.
    static func storm(_ client: HTTPClient, url: String, count: Int, concurrency: Int) async {
        await withTaskGroup(of: Void.self) { group in
            var random = SystemRandomNumberGenerator()
            for index in 0..<count {
                if index >= concurrency { await group.next() }
                let delay = UInt64.random(in: 0...5_000, using: &random)
                group.addTask {
                    let task = Task { _ = try await client.get(url).body.collect(upTo: 4 << 20) }
                    try? await Task.sleep(for: .microseconds(delay))
                    task.cancel()
                    _ = await task.result
                }
            }
        }
    }

    /// `count` requests, `concurrency` at a time: how many succeeded, and the first failure.
    static func succeeded(_ client: HTTPClient, url: String, count: Int, concurrency: Int) async -> (Int, String?) {
        await withTaskGroup(of: String?.self) { group in
            var successes = 0, firstFailure: String?
            func tally(_ failure: String?) {
                if let failure { firstFailure = firstFailure ?? failure } else { successes += 1 }
            }
            for index in 0..<count {
                if index >= concurrency, let outcome = await group.next() { tally(outcome) }
                group.addTask {
                    do {
                        let text = try await client.get(url).text()
                        return text == "hello" ? nil : "body \(text.debugDescription)"
                    } catch {
                        return "\(error)"
                    }
                }
            }
            for await outcome in group { tally(outcome) }
            return (successes, firstFailure)
        }
    }

    @Test("after 10,000 requests cancelled at random at C=64, 1,000 requests succeed", arguments: Version.allCases)
    func cancellationStorm(_ version: Version) async throws {
        let client = try client(version)
        for path in ["/small", "/big"] {
            await Self.storm(client, url: url(version, path), count: 5_000, concurrency: 64)
        }
        let (successes, failure) = await Self.succeeded(client, url: url(version, "/small"), count: 1_000, concurrency: 64)
        #expect(successes == 1_000, "first failure: \(failure ?? "none")")
        await client.shutdown()
    }

    @Test("when a client's first request fails, its next one succeeds", arguments: Version.allCases)
    func firstRequestFails(_ version: Version) async throws {
        struct Broken: Error {}
        struct Throwing: AsyncSequence, Sendable {
            typealias Element = [UInt8]
            struct AsyncIterator: AsyncIteratorProtocol {
                mutating func next() async throws -> [UInt8]? { throw Broken() }
            }
            func makeAsyncIterator() -> AsyncIterator { AsyncIterator() }
        }
        let failures: [(String, @Sendable (HTTPClient) async throws -> Void)] = [
            ("a body stream that throws", { client in
                _ = try await client.execute(try HTTPClient.request(.post, url(version, "/upload")), body: .stream(Throwing()))
            }),
            ("a header too large to send", { client in
                var fields = HTTPFields()
                fields[HTTPField.Name("X-Huge")!] = String(repeating: "h", count: 1 << 20)
                _ = try await client.get(url(version, "/small"), headers: fields)
            }),
            ("a header the server refuses", { client in
                var fields = HTTPFields()
                fields[HTTPField.Name("X-Large")!] = String(repeating: "h", count: 64 << 10)
                _ = try await client.get(url(version, "/small"), headers: fields).body.collect(upTo: 1 << 20)
            }),
            ("a cancelled request", { client in
                let task = Task { _ = try await client.get(url(version, "/slow")).body.collect(upTo: 4 << 20) }
                try? await Task.sleep(for: .milliseconds(20))
                task.cancel()
                try await task.value
            }),
        ]
        for (name, fail) in failures {
            let client = try client(version)
            do { try await fail(client) } catch {}
            let (successes, failure) = await Self.succeeded(client, url: url(version, "/small"), count: 50, concurrency: 8)
            #expect(successes == 50, "after \(name): \(failure ?? "none")")
            await client.shutdown()
        }
    }
}
