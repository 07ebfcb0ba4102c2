import Curlew
import CurlewTestSupport
import Foundation
import HTTPTypes
import Testing

/// `Expect: 100-continue` as the configuration asks, against the fault server, which answers
/// the expectation (`/echo`) or refuses the body on the head alone (`/refuse-body`).
@Suite(.timeLimit(.minutes(2)))
struct ExpectContinueTests {
    func client(_ policy: HTTPClientConfiguration.ExpectContinuePolicy) throws -> HTTPClient {
        var configuration = HTTPClientConfiguration()
        configuration.proxy = .none
        configuration.expectContinue = policy
        // Long enough that a body sent before the server's 100 would be a failure to wait.
        configuration.expectContinueTimeout = 60
        return try HTTPClient(configuration: configuration)
    }

    /// What the server saw: the Expect field, whether it sent 100 Continue, and the body.
    func echo(_ client: HTTPClient, _ fault: FaultServer, bytes: Int) async throws -> (expect: String?, continued: Bool, body: Int) {
        let response = try await client.execute(try HTTPClient.request(.post, fault.url("/echo")), body: .bytes([UInt8](repeating: 7, count: bytes)))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(try await response.body.collect(upTo: 1 << 22))) as? [String: Any])
        let expect = (report["headers"] as? [String])?.first { $0.lowercased().hasPrefix("expect:") }
        return (expect, report["continued"] as? Bool ?? false, (report["body"] as? String)?.utf8.count ?? -1)
    }

    @Test("never sends no Expect; always sends it and the body follows the 100; above N only past N bytes")
    func policies() async throws {
        let fault = try await FaultServer.shared()
        let never = try client(.never)
        var seen = try await echo(never, fault, bytes: 5000)
        #expect(seen.expect == nil && !seen.continued && seen.body == 5000)
        await never.shutdown()

        let always = try client(.always)
        seen = try await echo(always, fault, bytes: 10)
        #expect(seen.expect == "Expect: 100-continue" && seen.continued && seen.body == 10)
        await always.shutdown()

        let above = try client(.above(bytes: 1000))
        seen = try await echo(above, fault, bytes: 1000)
        #expect(seen.expect == nil && seen.body == 1000)
        seen = try await echo(above, fault, bytes: 1001)
        #expect(seen.expect == "Expect: 100-continue" && seen.continued && seen.body == 1001)
        await above.shutdown()
    }

    @Test("a server refusing on the head alone answers before the body is sent, and the client goes on")
    func refused() async throws {
        let fault = try await FaultServer.shared()
        let client = try client(.always)
        let response = try await client.execute(try HTTPClient.request(.post, fault.url("/refuse-body")),
                                                body: .bytes([UInt8](repeating: 1, count: 4 << 20)))
        #expect(response.status.code == 413)
        _ = try await response.body.collect(upTo: 1 << 16)
        let metrics = try #require(response.body.metrics)
        #expect(metrics.bodyBytesSent < 4 << 20)
        let next = try await client.get(fault.url("/ok"))
        #expect(try await next.text() == "ok")
        await client.shutdown()
    }

    @Test("a threshold below 0 is refused")
    func validation() {
        var configuration = HTTPClientConfiguration()
        configuration.expectContinue = .above(bytes: -1)
        #expect(throws: HTTPClientError.self) { _ = try HTTPClient(configuration: configuration) }
    }
}
