import Curlew
import CurlewLocks
import CurlewTestSupport
import Foundation
import HTTPTypes
import LibCurl
import Logging
import Testing

@Suite("HTTPClient: TLS, proxies, Unix sockets, logging", .serialized)
struct HTTPClientTLSProxyTests {
    let nginx: Nginx

    init() async throws { nginx = try await Nginx.shared() }

    @Test("verification is on by default: an unknown CA fails as .tlsFailure")
    func verificationDefault() async throws {
        var configuration = HTTPClientConfiguration()
        configuration.proxy = .none
        let client = try HTTPClient(configuration: configuration)
        let error = await httpError { _ = try await client.get(nginx.httpsURL("/small")) }
        #expect(error?.kind == .tlsFailure)
        await client.shutdown()
    }

    @Test("a CA given as bytes is trusted")
    func caBytes() async throws {
        let pem = try [UInt8](Data(contentsOf: URL(fileURLWithPath: nginx.certificates.caCertificate)))
        let client = try makeClient(nginx) {
            $0.tls.caFile = nil
            $0.tls.caPEM = pem
        }
        #expect(try await client.get(nginx.httpsURL("/small")).text() == "hello")
        await client.shutdown()
    }

    @Test("a client certificate is presented for mutual TLS; without it the server refuses")
    func clientCertificate() async throws {
        let client = try makeClient(nginx) {
            $0.tls.clientCertificateFile = nginx.certificates.clientCertificate
            $0.tls.clientKeyFile = nginx.certificates.clientKey
        }
        #expect(try await client.get(nginx.mtlsURL("/whoami")).text().contains("curlew-client"))
        await client.shutdown()

        let anonymous = try makeClient(nginx)
        let response = try await anonymous.get(nginx.mtlsURL("/whoami"))
        #expect(response.status.code == 400, "nginx answers 400 when no required certificate was sent")
        await anonymous.shutdown()
    }

    @Test("public-key pinning passes for the server's key and fails as .tlsFailure for another")
    func pinning() async throws {
        let pinned = try makeClient(nginx) { $0.tls.pinnedPublicKey = nginx.certificates.serverPublicKey }
        #expect(try await pinned.get(nginx.httpsURL("/small")).text() == "hello")
        await pinned.shutdown()

        let wrong = try makeClient(nginx) { $0.tls.pinnedPublicKey = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" }
        let error = await httpError { _ = try await wrong.get(nginx.httpsURL("/small")) }
        #expect(error?.kind == .tlsFailure)
        #expect(error?.curlCode?.rawValue == 90)
        await wrong.shutdown()
    }

    @Test("a minimum of TLS 1.3 refuses a TLS 1.2-only server")
    func minimumVersion() async throws {
        let client = try makeClient(nginx) { $0.tls.minimumVersion = .tls1_3 }
        let error = await httpError { _ = try await client.get(nginx.tls12URL("/small")) }
        #expect(error?.kind == .tlsFailure)
        #expect(try await client.get(nginx.httpsURL("/small")).text() == "hello")
        await client.shutdown()
    }

    @Test("an HTTP proxy carries plain requests and tunnels HTTPS with CONNECT")
    func httpProxy() async throws {
        let proxies = try await Proxies.shared()
        let httpbin = try await Httpbin.shared()
        let client = try makeClient(nginx) { $0.proxy = .url("http://127.0.0.1:\(proxies.httpProxyPort)") }
        let viaProxy = try await client.get(httpbin.url("/headers?show_env=1")).text()
        #expect(viaProxy.contains("tinyproxy"))
        #expect(try await client.get(nginx.httpsURL("/small")).text() == "hello")
        await client.shutdown()
    }

    @Test("SOCKS5 with authentication works; a wrong password is .proxyFailure")
    func socks5() async throws {
        let proxies = try await Proxies.shared()
        let client = try makeClient(nginx) {
            $0.proxy = .url("socks5h://\(proxies.socksUser):\(proxies.socksPassword)@127.0.0.1:\(proxies.socksPort)")
        }
        #expect(try await client.get(nginx.httpURL("/small")).text() == "hello")
        await client.shutdown()
        let wrong = try makeClient(nginx) { $0.proxy = .url("socks5h://\(proxies.socksUser):wrong@127.0.0.1:\(proxies.socksPort)") }
        let error = await httpError { _ = try await wrong.get(nginx.httpURL("/small")) }
        #expect(error?.kind == .proxyFailure)
        await wrong.shutdown()
    }

    // The environment's proxy (`.environment`) is tested in a child process, by the CLI
    // tests ("get uses the environment's http_proxy…"): setting http_proxy in this process sent
    // other suites' transfers, running meanwhile, through the proxy.

    @Test("requests go through a Unix domain socket")
    func unixSocket() async throws {
        let client = try makeClient(nginx) { $0.unixSocketPath = nginx.unixSocketPath }
        // The host and port are not dialled: nginx answers on the socket.
        #expect(try await client.get("http://curlew.invalid/small").text() == "hello")
        await client.shutdown()
    }

    @Test("a per-request logger receives the request's events; the default is silent")
    func logging() async throws {
        final class Messages: Sendable {
            let lines = Locked<[String]>([])
        }
        let messages = Messages()
        struct Capture: LogHandler {
            let messages: Messages
            var metadata: Logger.Metadata = [:]
            var logLevel: Logger.Level = .trace
            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }
            func log(event: LogEvent) {
                messages.lines.withLock { $0.append("\(event.message) \(event.metadata ?? [:])") }
            }
        }
        let shared = messages
        let logger = Logger(label: "test") { _ in Capture(messages: shared) }
        let client = try makeClient(nginx)
        _ = try await client.get(nginx.httpURL("/small"), logger: logger).text()
        #expect(messages.lines.withLock { $0.contains { $0.contains("request finished") && $0.contains("/small") } })
        await client.shutdown()
    }
}
