import Curlew
import CurlewTestSupport
import Foundation
import HTTPTypes
import LibCurl
import Testing

/// Credentials against httpbin and the fault server, and never to another origin on redirect.
@Suite(.timeLimit(.minutes(2)))
struct AuthenticationTests {
    func client(_ authentication: HTTPClientAuthentication? = nil) throws -> HTTPClient {
        var configuration = HTTPClientConfiguration()
        configuration.proxy = .none
        configuration.authentication = authentication
        return try HTTPClient(configuration: configuration)
    }

    func options(_ authentication: HTTPClientAuthentication) -> HTTPClientRequestOptions {
        var options = HTTPClientRequestOptions()
        options.authentication = authentication
        return options
    }

    @Test("basic and digest with the right password pass, with a wrong one get 401")
    func basicAndDigest() async throws {
        let httpbin = try await Httpbin.shared()
        let client = try client()
        let cases: [(String, (String, String) -> HTTPClientAuthentication)] = [
            ("/basic-auth/alice/secret", { .basic(username: $0, password: $1) }),
            ("/digest-auth/auth/alice/secret", { .digest(username: $0, password: $1) }),
            ("/digest-auth/auth/alice/secret", { .any(username: $0, password: $1) }),
        ]
        for (path, make) in cases {
            let good = try await client.get(httpbin.url(path), options: options(make("alice", "secret")))
            #expect(good.status == .ok, "\(path)")
            #expect(try await good.text().contains("\"user\": \"alice\""))
            let bad = try await client.get(httpbin.url(path), options: options(make("alice", "wrong")))
            #expect(bad.status == .unauthorized, "\(path)")
            _ = try await bad.text()
        }
        let none = try await client.get(httpbin.url("/basic-auth/alice/secret"))
        #expect(none.status == .unauthorized)
        await client.shutdown()
    }

    @Test("a bearer token is sent as Authorization: Bearer")
    func bearer() async throws {
        let httpbin = try await Httpbin.shared()
        let client = try client(.bearer(token: "token-123"))
        let response = try await client.get(httpbin.url("/bearer"))
        #expect(response.status == .ok)
        #expect(try await response.text().contains("token-123"))
        let refused = await httpError { _ = try await client.get(httpbin.url("/bearer"), options: options(.bearer(token: "bad token"))) }
        #expect(refused?.kind == .invalidRequest)
        await client.shutdown()
    }

    @Test("credentials and a caller's Authorization field go to the same origin on redirect, never to another", arguments: ["basic", "bearer", "field"])
    func crossOrigin(kind: String) async throws {
        let httpbin = try await Httpbin.shared()
        let fault = try await FaultServer.shared()
        var headers = HTTPFields()
        var authentication: HTTPClientAuthentication?
        switch kind {
        case "basic": authentication = .basic(username: "alice", password: "secret")
        case "bearer": authentication = .bearer(token: "token-123")
        default: headers[.authorization] = "Basic YWxpY2U6c2VjcmV0"
        }
        let client = try client(authentication)
        // Same origin: the credentials follow the redirect.
        let same = try await client.get(httpbin.url("/redirect-to?url=/headers"), headers: headers)
        #expect(try await same.text().contains("Authorization"))
        // Another origin (same host, another port): they stay behind.
        let target = fault.url("/headers").addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let other = try await client.get(httpbin.url("/redirect-to?url=\(target)"), headers: headers)
        #expect(other.redirectCount == 1)
        let lines = try await other.text()
        #expect(lines.contains("Host: 127.0.0.1:\(fault.port)"))
        #expect(!lines.lowercased().contains("authorization"), "\(lines)")
        await client.shutdown()
    }

    @Test("NTLM: the handshake on one connection, or unsupported where libcurl lacks it")
    func ntlm() async throws {
        let fault = try await FaultServer.shared()
        let client = try client()
        let url = fault.url("/ntlm?user=alice")
        if CurlVersion.current.supportsNTLM {
            let response = try await client.get(url, options: options(.ntlm(username: "alice", password: "secret")))
            #expect(response.status == .ok)
            #expect(try await response.text().contains("\"user\": \"alice\""))
            // A body goes with the request that carries the final credentials.
            let posted = try await client.execute(try HTTPClient.request(.post, url), body: .string("after the handshake"),
                                                  options: options(.ntlm(username: "alice", password: "secret")))
            #expect(posted.status == .ok)
            #expect(try await posted.text().contains("\"body\": \"after the handshake\""))
            let wrongUser = try await client.get(url, options: options(.ntlm(username: "bob", password: "secret")))
            #expect(wrongUser.status == .unauthorized)
            _ = try await wrongUser.text()
        } else {
            let error = await httpError { _ = try await client.get(url, options: options(.ntlm(username: "alice", password: "secret"))) }
            #expect(error?.kind == .unsupported)
        }
        let none = try await client.get(url)
        #expect(none.status == .unauthorized)
        await client.shutdown()
    }

    @Test("credentials out of range are refused before anything is sent")
    func validation() async throws {
        let client = try client()
        for bad in [HTTPClientAuthentication.basic(username: "a:b", password: "x"), .basic(username: "", password: "x"),
                    .digest(username: "a", password: "x\r\ny"), .bearer(token: "")] {
            let error = await httpError { _ = try await client.get("http://127.0.0.1:9/", options: options(bad)) }
            #expect(error?.kind == .invalidRequest)
        }
        var configuration = HTTPClientConfiguration()
        configuration.authentication = .bearer(token: "a\nb")
        #expect(throws: HTTPClientError.self) { _ = try HTTPClient(configuration: configuration) }
        await client.shutdown()
    }
}
