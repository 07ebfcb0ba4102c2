import CurlewTestSupport
import Foundation
import LibCurl
import Testing

/// `curlew ws` and `--http3`/`--http3-only` against real servers; on a libcurl without
/// WebSocket or HTTP/3 (7.88.1), the clear failure instead.
@Suite("curlew ws and HTTP/3", .serialized)
struct CurlewCLIWebSocketHTTP3Tests {
    @Test("ws sends stdin's lines, prints the echoes, closes at the end of input and exits 0")
    func wsEcho() async throws {
        let server = try await WebSocketServer.shared()
        let result = try await runCurlew(["ws", server.url("/echo")], input: "one\ntwo words\n\nthree\n")
        guard CurlVersion.current.supportsWebSocket else {
            #expect(result.status != 0)
            #expect(result.stderr.contains("WebSocket is not built into"))
            return
        }
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "one\ntwo words\n\nthree\n")
    }

    @Test("ws with --subprotocol and -H; a server's close code is reported; a refused upgrade fails")
    func wsOptionsAndClose() async throws {
        let server = try await WebSocketServer.shared()
        guard CurlVersion.current.supportsWebSocket else { return #expect(try await runCurlew(["ws", server.url("/echo")]).status != 0) }
        let chosen = try await runCurlew(["ws", "--subprotocol", "chat.v1", "--subprotocol", "chat.v2", server.url("/subprotocol")], input: "hi\n")
        #expect(chosen.status == 0)
        #expect(chosen.stdout == "hi\n")
        #expect(chosen.stderr.contains("subprotocol chat.v2"))
        let headers = try await runCurlew(["ws", "-H", "X-Curlew-CLI: yes", server.url("/headers")])
        #expect(headers.status == 0)
        #expect(headers.stdout.contains("\"x-curlew-cli\": \"yes\""))
        let closed = try await runCurlew(["ws", server.url("/close?code=4001&reason=bye")])
        #expect(closed.status == 0)
        #expect(closed.stderr.contains("closed by the server with 4001 bye"))
        let refused = try await runCurlew(["ws", "--subprotocol", "chat.v1", server.url("/subprotocol")])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("status 400"))
    }

    @Test("get --http3-only answers over HTTP/3; load --http3-only reports every request ok")
    func http3() async throws {
        let server = try await HTTP3Server.shared()
        let ca = server.certificates.caCertificate
        let get = try await runCurlew(["get", "--http3-only", "--cacert", ca, server.url("/version")])
        guard CurlVersion.current.supportsHTTP3 else {
            #expect(get.status != 0)
            #expect(get.stderr.contains("HTTP/3 is not built into"))
            return
        }
        #expect(get.status == 0, "\(get.stderr)")
        #expect(get.stdout == "3")
        let load = try await runCurlew(["load", "--http3-only", "--cacert", ca, "-n", "60", "-c", "6", "--json", server.url("/hello")])
        #expect(load.status == 0, "\(load.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(load.stdout.utf8)) as? [String: Any]
        #expect(report?["succeeded"] as? Int == 60)
        #expect(report?["errors"] as? Int == 0)
    }
}
