import Curlew
import CurlewTestSupport
import Foundation
import HTTPTypes
import LibCurl
import Testing

/// The fault matrix's certificate faults: a server whose certificate expired, and one whose
/// certificate names another host, each over HTTP/1.1 and HTTP/2 over TLS and (libcurl 8.x)
/// HTTP/3, from one server each (hypercorn serves TLS on TCP and QUIC on the same port). The
/// CA is trusted throughout, so verification fails on the date or the name alone; the same
/// client then fetches from a server with a valid certificate.
@Suite("Fault matrix: certificates that fail verification", .timeLimit(.minutes(3)))
struct TLSFailureTests {
    static let policies: [HTTPClientConfiguration.HTTPVersionPolicy] =
        [.http1Only, .automatic] + (CurlVersion.current.supportsHTTP3 ? [.http3Only] : [])

    static func expectedVersion(_ policy: HTTPClientConfiguration.HTTPVersionPolicy) -> HTTPClientResponse.Version {
        switch policy {
        case .http1Only: return .http1_1
        case .http3Only: return .http3
        default: return .http2
        }
    }

    @Test("an expired certificate and one for another host fail as tlsFailure; a valid one then serves the same client", arguments: policies)
    func badCertificates(policy: HTTPClientConfiguration.HTTPVersionPolicy) async throws {
        let quic = CurlVersion.current.supportsHTTP3
        let expired = try await HTTP3Server.shared(quic: quic, serving: .expired)
        let otherHost = try await HTTP3Server.shared(quic: quic, serving: .otherHost)
        let valid = try await HTTP3Server.shared(quic: quic)
        var configuration = HTTPClientConfiguration()
        configuration.proxy = .none
        configuration.httpVersion = policy
        configuration.tls.caPEM = try [expired, otherHost, valid].flatMap {
            Array(try Data(contentsOf: URL(fileURLWithPath: $0.certificates.caCertificate)))
        }
        let client = try HTTPClient(configuration: configuration)
        // 127.0.0.1, which the expired certificate names (over QUIC, `localhost` would also try
        // ::1, whose refusal libcurl reports instead); the other-host one names neither.
        for (name, server) in [("expired", expired), ("other host", otherHost)] {
            let error = await httpError { _ = try await client.get("https://127.0.0.1:\(server.port)/hello", timeout: .seconds(30)) }
            #expect(error?.kind == .tlsFailure, "\(policy), \(name): \(String(describing: error))")
        }
        let response = try await client.get("https://127.0.0.1:\(valid.port)/hello", timeout: .seconds(30))
        #expect(response.status == .ok)
        #expect(response.version == Self.expectedVersion(policy))
        #expect(try await response.body.collect(upTo: 1 << 20).count > 0)
        await client.shutdown()
    }
}
