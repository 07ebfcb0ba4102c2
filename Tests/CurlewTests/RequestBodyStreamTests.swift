import Curlew
import CurlewTestSupport
import HTTPTypes
import Testing

/// Request body streams that break their declared length, or throw, fail the request at once
/// with a kind that says so, and never leave a connection out of step for the next request.
@Suite("HTTPClient: request body streams that misbehave")
struct RequestBodyStreamTests {
    let nginx: Nginx

    init() async throws { nginx = try await Nginx.shared() }

    struct ProducerFailed: Error, Equatable {
        var reason: String
    }

    /// Bytes, each chunk after `pause` but the first (so that the first is on the wire before
    /// the next comes), then the end or an error.
    struct Failing: AsyncSequence, Sendable {
        typealias Element = [UInt8]
        var chunks: [[UInt8]]
        var error: ProducerFailed?
        var pause: Duration = .zero

        struct AsyncIterator: AsyncIteratorProtocol {
            var remaining: [[UInt8]]
            var error: ProducerFailed?
            var pause: Duration
            var first = true
            mutating func next() async throws -> [UInt8]? {
                if !first, pause > .zero { try await Task.sleep(for: pause) }
                first = false
                if !remaining.isEmpty { return remaining.removeFirst() }
                if let error { throw error }
                return nil
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(remaining: chunks, error: error, pause: pause) }
    }

    enum Version: String, CaseIterable, Sendable {
        case http1, http2
    }

    func url(_ version: Version) -> String {
        version == .http1 ? nginx.httpURL("/upload") : nginx.httpsURL("/upload")
    }

    func mismatch(_ client: HTTPClient, _ version: Version, declared: Int64, chunks: [[UInt8]], pause: Duration = .zero) async -> HTTPClientError? {
        await httpError {
            let request = try HTTPClient.request(.put, url(version))
            _ = try await client.execute(request, body: .stream(Failing(chunks: chunks, pause: pause), length: declared), timeout: .seconds(60))
                .body.collect(upTo: 1 << 20)
        }
    }

    func small(_ version: Version) -> String {
        version == .http1 ? nginx.httpURL("/small") : nginx.httpsURL("/small")
    }

    /// The next request on the client is answered as its own; after a request aborted with
    /// its head on the wire (`abortedOnWire`), over a new connection on HTTP/1.1.
    func expectNextRequestServed(_ client: HTTPClient, _ version: Version, abortedOnWire: Bool = false) async throws {
        let response = try await client.execute(try HTTPClient.request(.put, url(version)), body: .string("12345"))
        #expect(try await response.text() == "received 5")
        if version == .http1 && abortedOnWire {
            #expect(response.body.metrics?.connectionReused == false)
        }
        #expect(try await client.get(small(version)).text() == "hello")
    }

    @Test("a stream that ends before its declared length fails at once, and the next request is served", arguments: Version.allCases)
    func endsEarly(_ version: Version) async throws {
        let client = try makeClient(nginx)
        // Warm the connection first, so a desynchronised reuse would show.
        #expect(try await client.get(small(version)).text() == "hello")
        let error = await mismatch(client, version, declared: 100, chunks: [Array(repeating: 65, count: 10)])
        #expect(error?.kind == .requestBodyLengthMismatch)
        #expect(error?.message.contains("10") == true && error?.message.contains("100") == true, "\(String(describing: error))")
        try await expectNextRequestServed(client, version)
        // The head and 10 bytes on the wire when the stream ends: that connection is closed.
        let onWire = await mismatch(client, version, declared: 100, chunks: [Array(repeating: 65, count: 10)], pause: .milliseconds(200))
        #expect(onWire?.kind == .requestBodyLengthMismatch)
        try await expectNextRequestServed(client, version, abortedOnWire: true)
        // With a deadline: the failure comes from the stream's end, not from the deadline.
        let deadlined = await mismatch(client, version, declared: 10, chunks: [[1, 2]])
        #expect(deadlined?.kind == .requestBodyLengthMismatch)
        try await expectNextRequestServed(client, version)
        await client.shutdown()
    }

    @Test("a stream that goes past its declared length fails at once, and the next request is served", arguments: Version.allCases)
    func goesPast(_ version: Version) async throws {
        let client = try makeClient(nginx)
        #expect(try await client.get(small(version)).text() == "hello")
        let error = await mismatch(client, version, declared: 10, chunks: [Array(repeating: 66, count: 1 << 20)])
        #expect(error?.kind == .requestBodyLengthMismatch)
        #expect(error?.message.contains("10") == true)
        try await expectNextRequestServed(client, version)
        // Exactly the declared length first, on the wire, then more: still refused.
        let late = await mismatch(client, version, declared: 10, chunks: [Array(repeating: 67, count: 10), [68]], pause: .milliseconds(200))
        #expect(late?.kind == .requestBodyLengthMismatch)
        try await expectNextRequestServed(client, version, abortedOnWire: true)
        await client.shutdown()
    }

    @Test("a stream that throws fails the request with its error, over HTTP/1.1, HTTP/2 and h2c")
    func streamThrows() async throws {
        for (configure, url) in [({ (_: inout HTTPClientConfiguration) in }, nginx.httpURL("/upload")),
                                 ({ (_: inout HTTPClientConfiguration) in }, nginx.httpsURL("/upload")),
                                 ({ (c: inout HTTPClientConfiguration) in c.httpVersion = .http2PriorKnowledge }, nginx.h2cURL("/upload"))] {
            let client = try makeClient(nginx, configure)
            for length in [Int64?.none, 1000] {
                let error = await httpError {
                    _ = try await client.execute(try HTTPClient.request(.post, url),
                                                 body: .stream(Failing(chunks: [[1, 2, 3]], error: ProducerFailed(reason: "disk gone")), length: length))
                        .body.collect(upTo: 1 << 20)
                }
                #expect(error?.kind == .requestBodyFailed, "\(url), length \(String(describing: length))")
                #expect(error?.underlyingError as? ProducerFailed == ProducerFailed(reason: "disk gone"))
                // The same client serves the next request, with its whole body.
                let response = try await client.execute(try HTTPClient.request(.post, url), body: .stream(Failing(chunks: [[1, 2, 3]])))
                #expect(try await response.text() == "received 3", "\(url)")
            }
            await client.shutdown()
        }
    }

    @Test("a second task reading a body another task reads is refused; the first reads on")
    func concurrentReaders() async throws {
        let faults = try await FaultServer.shared()
        try await withHTTPClient(configuration: {
            var configuration = HTTPClientConfiguration()
            configuration.proxy = .none
            return configuration
        }()) { client in
            // Three bytes 300 ms apart: the second reader comes while the first is mid-body.
            let response = try await client.get(faults.url("/slow-body?bytes=3&delay_ms=300"))
            let body = response.body
            var first = body.makeAsyncIterator()
            var received = try #require(try await first.next()).count
            let second = await Task {
                var iterator = body.makeAsyncIterator()
                do {
                    _ = try await iterator.next()
                    return HTTPClientError.Kind?.none
                } catch {
                    return (error as? HTTPClientError)?.kind
                }
            }.value
            #expect(second == .concurrentBodyRead)
            while let chunk = try await first.next() { received += chunk.count }
            #expect(received == 3, "the first reader got the whole body")
            #expect(try await client.get(faults.url("/ok")).text() == "ok")
        }
    }
}
