import Curlew
import CurlewTestSupport
import Foundation
import HTTPTypes
import Testing

/// Every method with every kind of body reaches the server as that method, with that body and
/// the framing the rules in `Framing` give, and with no header the caller did not ask for.
@Suite("HTTPClient: the method × body matrix")
struct MethodBodyMatrixTests {
    let httpbin: Httpbin
    let faults: FaultServer

    init() async throws {
        httpbin = try await Httpbin.shared()
        faults = try await FaultServer.shared()
    }

    enum BodyKind: String, CaseIterable, Sendable {
        case none, emptyBytes, bytes, streamOfKnownLength, streamOfUnknownLength
    }

    static let methods: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .options, HTTPRequest.Method("PURGE")!]
    static let payload = "curlew body: method x body matrix"

    static func body(_ kind: BodyKind) -> HTTPClientRequestBody {
        let bytes = Array(payload.utf8)
        switch kind {
        case .none: return .none
        case .emptyBytes: return .bytes([UInt8]())
        case .bytes: return .bytes(bytes)
        case .streamOfKnownLength: return .stream(Chunks(bytes), length: Int64(bytes.count))
        case .streamOfUnknownLength: return .stream(Chunks(bytes))
        }
    }

    /// What the server must see: the body and the framing.
    struct Expected {
        var body: String
        /// `Content-Length` value, or nil for none.
        var contentLength: String?
        var chunked: Bool
    }

    static func expected(_ method: HTTPRequest.Method, _ kind: BodyKind) -> Expected? {
        let carriesEmptyBody = [.post, .put, .patch].contains(method)
        switch kind {
        case .none, .emptyBytes:
            return Expected(body: "", contentLength: carriesEmptyBody ? "0" : nil, chunked: false)
        case .bytes, .streamOfKnownLength:
            if method == .head { return nil }
            return Expected(body: payload, contentLength: "\(payload.utf8.count)", chunked: false)
        case .streamOfUnknownLength:
            if method == .head { return nil }
            return Expected(body: payload, contentLength: nil, chunked: true)
        }
    }

    static var cases: [(HTTPRequest.Method, BodyKind)] {
        methods.flatMap { method in BodyKind.allCases.map { (method, $0) } }
    }

    @Test("each method with each body kind reaches the fault server's /echo as asked", arguments: cases)
    func echo(_ method: HTTPRequest.Method, _ kind: BodyKind) async throws {
        try await withHTTPClient(configuration: plainConfiguration()) { client in
            let request = try HTTPClient.request(method, faults.url("/echo"))
            guard let expected = Self.expected(method, kind) else {
                let error = await httpError { _ = try await client.execute(request, body: Self.body(kind)) }
                #expect(error?.kind == .invalidRequest, "\(method) with \(kind)")
                // The same client serves the next request.
                #expect(try await client.get(faults.url("/ok")).text() == "ok")
                return
            }
            let response = try await client.execute(request, body: Self.body(kind))
            #expect(response.status == .ok)
            let text = try await response.text()
            if method == .head {
                #expect(text.isEmpty)
                #expect(response.headerFields[.contentLength].map { Int($0)! > 0 } == true)
                // The connection is still in step: the next request on it gets its own answer.
                #expect(try await client.get(faults.url("/ok")).text() == "ok")
                return
            }
            let echo = try JSONDecoder().decode(Echo.self, from: Data(text.utf8))
            #expect(echo.method == method.rawValue)
            #expect(echo.body == expected.body, "\(method) with \(kind)")
            #expect(echo.field("Content-Length") == expected.contentLength, "\(method) with \(kind): \(echo.headers)")
            #expect((echo.field("Transfer-Encoding")?.lowercased() == "chunked") == expected.chunked, "\(method) with \(kind): \(echo.headers)")
            #expect(echo.framing == (expected.chunked ? "chunked" : expected.contentLength == nil ? "none" : "content-length"))
            // No header the caller did not ask for.
            #expect(echo.field("Content-Type") == nil, "\(echo.headers)")
            #expect(echo.field("Accept") == nil, "\(echo.headers)")
            #expect(echo.field("Expect") == nil, "\(echo.headers)")
        }
    }

    /// The methods httpbin's `/anything` routes (OPTIONS and other tokens it answers itself).
    static var httpbinCases: [(HTTPRequest.Method, BodyKind)] {
        cases.filter { [.get, .post, .put, .patch, .delete].contains($0.0) }
    }

    @Test("each method with each body kind reaches httpbin's /anything as asked", arguments: httpbinCases)
    func anything(_ method: HTTPRequest.Method, _ kind: BodyKind) async throws {
        try await withHTTPClient(configuration: plainConfiguration()) { client in
            let response = try await client.execute(try HTTPClient.request(method, httpbin.url("/anything")), body: Self.body(kind))
            #expect(response.status == .ok)
            let echo = try JSONDecoder().decode(HttpbinEcho.self, from: Data(try await response.body.collect(upTo: 1 << 20)))
            let expected = try #require(Self.expected(method, kind))
            #expect(echo.method == method.rawValue)
            #expect(echo.data == expected.body, "\(method) with \(kind)")
            #expect(echo.headers["Content-Length"] == expected.contentLength, "\(method) with \(kind): \(echo.headers)")
            #expect((echo.headers["Transfer-Encoding"]?.lowercased() == "chunked") == expected.chunked, "\(echo.headers)")
            #expect(echo.headers["Content-Type"] == nil, "\(echo.headers)")
            #expect(echo.headers["Accept"] == nil, "\(echo.headers)")
            #expect(echo.form.isEmpty, "parsed as a form: \(echo.form)")
        }
    }

    @Test("get(url) sends what execute sends for the same URL and fields, on the fast path and off it")
    func getMatchesExecute() async throws {
        let port = httpbin.url("/").dropFirst("http://127.0.0.1:".count).prefix { $0 != "/" }
        let urls = [
            httpbin.url("/anything/a%20b?x=1&y=%C3%A9"),  // taken by URLSplitter
            "HTTP://LOCALHOST:\(port)/anything/Path",  // taken too: scheme lowercased, authority as written
            "http://user:secret@127.0.0.1:\(port)/anything?q",  // user info: the Foundation path
        ]
        var fields = HTTPFields()
        fields[HTTPField.Name("X-Curlew-Probe")!] = "same"
        fields[.accept] = "application/json"
        try await withHTTPClient(configuration: plainConfiguration()) { client in
            for url in urls {
                let viaGet = try await client.get(url, headers: fields).text()
                let viaExecute = try await client.execute(HTTPClient.request(.get, url, headers: fields)).text()
                let seen = try #require(JSONSerialization.jsonObject(with: Data(viaGet.utf8)) as? [String: Any])
                #expect(seen["method"] as? String == "GET", "\(url)")
                #expect((seen["headers"] as? [String: Any])?["X-Curlew-Probe"] as? String == "same", "\(url)")
                #expect(viaGet == viaExecute, "\(url)")
            }
            for bad in ["ftp://127.0.0.1/x", "http://", "http://h/a b"] {
                let viaGet = await httpError { _ = try await client.get(bad) }
                let viaExecute = await httpError { _ = try await client.execute(HTTPClient.request(.get, bad)) }
                #expect(viaGet?.kind == .invalidRequest && viaExecute?.kind == .invalidRequest, "\(bad)")
            }
            // The same client serves the next request after refusing those.
            let after = try await client.get(urls[0], headers: fields)
            #expect(after.status == .ok)
            _ = try await after.text()
        }
    }

    @Test("a Content-Type the caller sets is sent as set; an agreeing Content-Length is kept, a contradicting one refused")
    func callerFields() async throws {
        try await withHTTPClient(configuration: plainConfiguration()) { client in
            var request = try HTTPClient.request(.post, faults.url("/echo"))
            request.headerFields[.contentType] = "application/x-www-form-urlencoded"
            request.headerFields[.accept] = "text/plain"
            var echo = try await Self.echo(client, request, body: .string("a=1"))
            #expect(echo.field("Content-Type") == "application/x-www-form-urlencoded")
            #expect(echo.field("Accept") == "text/plain")

            request = try HTTPClient.request(.put, faults.url("/echo"))
            request.headerFields[.contentLength] = "3"
            echo = try await Self.echo(client, request, body: .string("abc"))
            #expect(echo.field("Content-Length") == "3")
            #expect(echo.headers.filter { $0.lowercased().hasPrefix("content-length:") }.count == 1)

            // A Content-Length field gives a stream of unknown length its length.
            echo = try await Self.echo(client, request, body: .stream(Chunks(Array("xyz".utf8))))
            #expect(echo.field("Content-Length") == "3")
            #expect(echo.body == "xyz")

            for (length, body) in [("5", HTTPClientRequestBody.string("abc")), ("-1", .string("abc")), ("3", .none)] {
                request.headerFields[.contentLength] = length
                let error = await httpError { _ = try await client.execute(request, body: body) }
                #expect(error?.kind == .invalidRequest, "Content-Length \(length)")
            }
            request.headerFields[.contentLength] = nil
            request.headerFields[.transferEncoding] = "gzip"
            #expect(await httpError { _ = try await client.execute(request, body: .string("abc")) }?.kind == .invalidRequest)
            #expect(try await client.get(faults.url("/ok")).text() == "ok")
        }
    }

    @Test("CONNECT and TRACE with a body are refused before anything is sent")
    func refusedMethods() async throws {
        try await withHTTPClient(configuration: plainConfiguration()) { client in
            let connect = await httpError { _ = try await client.execute(try HTTPClient.request(.connect, faults.url("/echo"))) }
            #expect(connect?.kind == .invalidRequest)
            let trace = await httpError {
                _ = try await client.execute(try HTTPClient.request(.trace, faults.url("/echo")), body: .string("x"))
            }
            #expect(trace?.kind == .invalidRequest)
            let echo = try await Self.echo(client, try HTTPClient.request(.trace, faults.url("/echo")))
            #expect(echo.method == "TRACE")
        }
    }

    @Test("through an HTTP proxy only the caller's fields and the framing go: no Proxy-Connection, no Accept")
    func throughProxy() async throws {
        var configuration = HTTPClientConfiguration()
        // The fault server, taking the absolute-form request a proxy gets, answers /echo itself.
        configuration.proxy = .url("http://127.0.0.1:\(faults.port)")
        try await withHTTPClient(configuration: configuration) { client in
            let echo = try await Self.echo(client, try HTTPClient.request(.post, "http://origin.invalid/echo"), body: .string("abc"))
            #expect(echo.method == "POST")
            #expect(echo.body == "abc")
            let names = Set(echo.headers.map { $0.split(separator: ":")[0].lowercased() })
            #expect(names == ["host", "user-agent", "accept-encoding", "content-length"], "\(echo.headers)")
        }
    }

    static func echo(_ client: HTTPClient, _ request: HTTPRequest, body: HTTPClientRequestBody = .none) async throws -> Echo {
        let response = try await client.execute(request, body: body)
        return try JSONDecoder().decode(Echo.self, from: Data(try await response.body.collect(upTo: 1 << 20)))
    }

    func plainConfiguration() -> HTTPClientConfiguration {
        var configuration = HTTPClientConfiguration()
        configuration.proxy = .none
        return configuration
    }
}

/// The fault server's `/echo` answer.
struct Echo: Decodable {
    var method: String
    var headers: [String]
    var framing: String
    var body: String

    /// The value of the field named `name`, if it came (once).
    func field(_ name: String) -> String? {
        let prefix = name.lowercased() + ":"
        return headers.first { $0.lowercased().hasPrefix(prefix) }
            .map { String($0.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces) }
    }
}

/// httpbin's `/anything` answer, the parts these tests read.
struct HttpbinEcho: Decodable {
    var method: String
    var data: String
    var headers: [String: String]
    var form: [String: String]
}

/// An async sequence of one or more chunks of bytes, for streamed bodies.
struct Chunks: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    var chunks: [[UInt8]]

    init(_ bytes: [UInt8], pieces: Int = 3) {
        let size = Swift.max(1, (bytes.count + pieces - 1) / pieces)
        chunks = stride(from: 0, to: bytes.count, by: size).map { Array(bytes[$0..<Swift.min($0 + size, bytes.count)]) }
    }

    init(chunks: [[UInt8]]) { self.chunks = chunks }

    struct AsyncIterator: AsyncIteratorProtocol {
        var remaining: [[UInt8]]
        mutating func next() async throws -> [UInt8]? {
            remaining.isEmpty ? nil : remaining.removeFirst()
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(remaining: chunks) }
}
