import Curlew
import CurlewTestSupport
import HTTPTypes
import Testing

@Suite("HTTPClient: requests, versions, bodies")
struct HTTPClientBasicsTests {
    let nginx: Nginx

    init() async throws { nginx = try await Nginx.shared() }

    @Test("GET over HTTP/1.1, HTTP/2 over TLS and h2c returns the head, then the body")
    func getEachVersion() async throws {
        let client = try makeClient(nginx)
        let h1 = try await client.get(nginx.httpURL("/small"))
        #expect(h1.status == .ok)
        #expect(h1.version == .http1_1)
        #expect(h1.headerFields[.contentType] == "text/plain")
        #expect(try await h1.text() == "hello")

        let h2 = try await client.get(nginx.httpsURL("/big"))
        #expect(h2.version == .http2)
        #expect(try await h2.body.collect(upTo: 2 << 20) == Nginx.bigBody())
        await client.shutdown()

        let h2cClient = try makeClient(nginx) { $0.httpVersion = .http2PriorKnowledge }
        let h2c = try await h2cClient.get(nginx.h2cURL("/small"))
        #expect(h2c.version == .http2)
        #expect(try await h2c.text() == "hello")
        await h2cClient.shutdown()
    }

    @Test("an error status is a response, not an error")
    func errorStatus() async throws {
        let client = try makeClient(nginx)
        let response = try await client.get(nginx.httpURL("/status/404"))
        #expect(response.status == .notFound)
        _ = try await response.body.collect(upTo: 1 << 16)
        await client.shutdown()
    }

    @Test("request headers are sent")
    func requestHeaders() async throws {
        let client = try makeClient(nginx)
        var fields = HTTPFields()
        fields[HTTPField.Name("X-Test")!] = "curlew-value"
        let response = try await client.get(nginx.httpURL("/echo-header"), headers: fields)
        #expect(try await response.text() == "curlew-value")
        await client.shutdown()
    }

    @Test("a streamed download arrives whole and in order, with metrics after the end")
    func streamedDownload() async throws {
        let client = try makeClient(nginx)
        let response = try await client.get(nginx.httpURL("/big"))
        var received: [UInt8] = []
        var chunks = 0
        for try await chunk in response.body {
            received += chunk
            chunks += 1
        }
        #expect(received == Nginx.bigBody())
        #expect(chunks > 1)
        let metrics = try #require(response.body.metrics)
        #expect(metrics.total > 0)
        #expect(metrics.firstByte <= metrics.total)
        await client.shutdown()
    }

    @Test("uploads of bytes, of a stream of known length, and chunked")
    func uploads() async throws {
        let client = try makeClient(nginx)
        let payload = (0..<300_000).map { UInt8($0 % 256) }
        let bytes = try await client.post(nginx.httpURL("/upload"), body: payload)
        #expect(try await bytes.text() == "received 300000")

        for length in [Int64(300_000), nil] {
            let chunks = AsyncStream<[UInt8]> { continuation in
                for start in stride(from: 0, to: payload.count, by: 7_000) {
                    continuation.yield(Array(payload[start..<min(start + 7_000, payload.count)]))
                }
                continuation.finish()
            }
            let request = try HTTPClient.request(.post, nginx.httpURL("/upload"))
            let response = try await client.execute(request, body: .stream(chunks, length: length))
            #expect(try await response.text() == "received 300000", "length \(String(describing: length))")
        }
        await client.shutdown()
    }

    @Test("a producer that is slow to yield pauses the upload instead of failing it")
    func slowProducer() async throws {
        let client = try makeClient(nginx)
        let chunks = AsyncStream<[UInt8]> { continuation in
            Task {
                for _ in 0..<5 {
                    try? await Task.sleep(for: .milliseconds(50))
                    continuation.yield(Array(repeating: 65, count: 1000))
                }
                continuation.finish()
            }
        }
        let response = try await client.execute(try HTTPClient.request(.post, nginx.httpURL("/upload")), body: .stream(chunks))
        #expect(try await response.text() == "received 5000")
        await client.shutdown()
    }

    @Test("a streamed chunk larger than the upload buffer does not stall")
    func largeStreamedChunk() async throws {
        let client = try makeClient(nginx)
        let chunks = AsyncStream<[UInt8]> { continuation in
            Task {
                try? await Task.sleep(for: .milliseconds(100))  // libcurl pauses the upload first
                continuation.yield(Array(repeating: 1, count: 1 << 20))
                continuation.finish()
            }
        }
        let request = try HTTPClient.request(.put, nginx.httpURL("/upload"))
        // A stall fails as `.timeout`. The deadline is not tight: the producer is a task, and in
        // the whole suite under ThreadSanitizer one was seen to start 21 s after its request.
        let response = try await client.execute(request, body: .stream(chunks), timeout: .seconds(120))
        #expect(try await response.text() == "received \(1 << 20)")
        await client.shutdown()
    }

    @Test("JSON post encodes the value and sets the content type")
    func jsonPost() async throws {
        struct Payload: Encodable { var name = "curlew"; var count = 3 }
        let client = try makeClient(nginx)
        let response = try await client.post(nginx.httpURL("/upload"), json: Payload())
        let expected = #"{"name":"curlew","count":3}"#.utf8.count
        let text = try await response.text()
        #expect(text == "received \(expected)" || text == "received \(#"{"count":3,"name":"curlew"}"#.utf8.count)")
        await client.shutdown()
    }

    @Test("collect(upTo:) refuses a body over the limit")
    func collectLimit() async throws {
        let client = try makeClient(nginx)
        let response = try await client.get(nginx.httpURL("/big"))
        let error = await httpError { _ = try await response.body.collect(upTo: 1000) }
        #expect(error?.kind == .bodyTooLarge)
        await client.shutdown()
    }
}
