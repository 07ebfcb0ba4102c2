import Curlew
import CurlewOpenAPI
import CurlewTestSupport
import Foundation
import HTTPTypes
import OpenAPIRuntime
import Testing

/// The OpenAPI transport against httpbin, with the runtime's own types.
@Suite(.timeLimit(.minutes(2)))
struct CurlewClientTransportTests {
    let httpbin: Httpbin

    init() async throws { httpbin = try await Httpbin.shared() }

    func transport() throws -> CurlewClientTransport {
        var configuration = HTTPClientConfiguration()
        configuration.proxy = .none
        return CurlewClientTransport(client: try HTTPClient(configuration: configuration))
    }

    func json(_ body: HTTPBody?) async throws -> [String: Any] {
        let body = try #require(body)
        let bytes = try await [UInt8](collecting: body, upTo: 1 << 24)
        return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test("a streamed request body of unknown length goes chunked, whole; the response streams back")
    func streamingBothWays() async throws {
        let transport = try transport()
        let chunks = (0..<64).map { index in ArraySlice(Array(repeating: UInt8(ascii: "a") + UInt8(index % 26), count: 1024)) }
        let (stream, writer) = AsyncStream.makeStream(of: ArraySlice<UInt8>.self)
        let body = HTTPBody(stream, length: .unknown, iterationBehavior: .single)
        let producer = Task {
            for chunk in chunks { writer.yield(chunk); await Task.yield() }
            writer.finish()
        }
        var request = HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/anything/upload?x=1")
        request.headerFields[.contentType] = "application/octet-stream"
        let (response, responseBody) = try await transport.send(request, body: body, baseURL: URL(string: httpbin.url("/"))!, operationID: "upload")
        await producer.value
        #expect(response.status == .ok)
        let echoed = try await json(responseBody)
        #expect((echoed["data"] as? String)?.utf8.count == 64 * 1024)
        #expect((echoed["headers"] as? [String: String])?["Transfer-Encoding"] == "chunked")
        #expect((echoed["args"] as? [String: String])?["x"] == "1")
        #expect(echoed["url"] as? String == httpbin.url("/anything/upload?x=1"))
        await transport.client.shutdown()
    }

    @Test("a body of known length goes with Content-Length; the base URL's path prefixes the operation's")
    func knownLengthAndPrefix() async throws {
        let transport = try transport()
        let bytes = Array("{\"hello\":\"world\"}".utf8)
        var request = HTTPRequest(method: .put, scheme: nil, authority: nil, path: "/prefixed")
        request.headerFields[.contentType] = "application/json"
        let (response, body) = try await transport.send(request, body: HTTPBody(bytes), baseURL: URL(string: httpbin.url("/anything/v1/"))!, operationID: "put")
        #expect(response.status == .ok)
        let echoed = try await json(body)
        #expect(echoed["method"] as? String == "PUT")
        #expect(echoed["url"] as? String == httpbin.url("/anything/v1/prefixed"))
        #expect((echoed["headers"] as? [String: String])?["Content-Length"] == "\(bytes.count)")
        #expect(echoed["data"] as? String == "{\"hello\":\"world\"}")
        await transport.client.shutdown()
    }

    @Test("an error status is a response; HEAD has no body; a refused connection throws HTTPClientError")
    func statusesAndFailures() async throws {
        let transport = try transport()
        let base = URL(string: httpbin.url("/"))!
        let (notFound, _) = try await transport.send(HTTPRequest(method: .get, scheme: nil, authority: nil, path: "/status/418"),
                                                      body: nil, baseURL: base, operationID: "teapot")
        #expect(notFound.status.code == 418)
        let (head, headBody) = try await transport.send(HTTPRequest(method: .head, scheme: nil, authority: nil, path: "/get"),
                                                        body: nil, baseURL: base, operationID: "head")
        #expect(head.status == .ok)
        #expect(headBody == nil)
        let refused = URL(string: "http://127.0.0.1:\(try unusedLoopbackPort())")!
        await #expect(throws: HTTPClientError.self) {
            _ = try await transport.send(HTTPRequest(method: .get, scheme: nil, authority: nil, path: "/"), body: nil, baseURL: refused, operationID: "refused")
        }
        await transport.client.shutdown()
    }
}
