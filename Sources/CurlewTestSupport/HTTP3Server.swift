internal import Foundation
#if canImport(Glibc)
internal import Glibc
#endif

/// An HTTP/3 server on loopback: `Tests/Servers/h3_server.py`, hypercorn with aioquic (PyPI,
/// pinned by `make test`), serving QUIC on a UDP port and TLS (HTTP/2, HTTP/1.1) on the TCP
/// port of the same number, or TLS only (``init(quic:serving:)`` with `false`) for fallback
/// tests; with a valid certificate, or an expired one, or one for another host.
/// Paths: `/hello`, `POST /echo`, `/bytes?n=N`, `/version` (listed in the script).
public final class HTTP3Server: Sendable, LoopbackServer {
    /// The port, on 127.0.0.1: TCP, and UDP for QUIC.
    public let port: Int
    /// Whether a QUIC listener runs.
    public let quic: Bool
    /// The certificates: trust ``TestCertificates/caCertificate``.
    public let certificates: TestCertificates
    private let process: ServerProcess

    /// `https://localhost:<port><path>`.
    public func url(_ path: String) -> String { "https://localhost:\(port)\(path)" }

    /// The certificate the server presents (all from ``certificates``' CA).
    public enum ServedCertificate: Sendable, Hashable, CaseIterable {
        /// Valid, for `localhost` and 127.0.0.1.
        case valid
        /// ``TestCertificates/expiredServerCertificate``.
        case expired
        /// ``TestCertificates/otherHostCertificate``.
        case otherHost
    }

    private struct Kind: Hashable { let quic: Bool, served: ServedCertificate }
    private static let sharedInstances = Dictionary(uniqueKeysWithValues: [true, false].flatMap { quic in
        ServedCertificate.allCases.map { served in
            (Kind(quic: quic, served: served),
             SharedServer { try HTTP3Server(quic: quic, serving: served) })
        }
    })

    /// One server of each kind for the whole test process, started on first use.
    public static func shared(quic: Bool = true, serving served: ServedCertificate = .valid) async throws -> HTTP3Server {
        // Every kind has its entry: the dictionary is built from all of them.
        guard let server = sharedInstances[Kind(quic: quic, served: served)] else { throw TestServerError("no shared HTTP3Server of that kind") }
        return try await server.get()
    }

    /// Starts a server and waits until it answered an HTTP/3 request of its own (the script
    /// prints its ready line then); ``stop()`` ends it.
    public init(quic: Bool = true, serving served: ServedCertificate = .valid) throws {
        let python = try Loopback.python(importing: ["hypercorn", "aioquic"])
        self.quic = quic
        certificates = try TestCertificates.generate()
        let folder = try Loopback.temporaryFolder("curlew-test-h3")
        // A free TCP port; its UDP twin is very likely free too (a tiny race, as with every
        // picked port: the script fails to start and says so if it is not).
        port = try Loopback.freePorts(1)[0]
        let logPath = "\(folder)/h3_server.log"
        process = try ServerProcess(
            name: "h3_server.py", executable: python,
            arguments: [Loopback.serverScript("h3_server.py"), "--port", "\(port)", "--cert", Self.certificate(served, of: certificates), "--key", certificates.serverKey]
                + (quic ? [] : ["--no-quic"]),
            logPath: logPath
        )
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if Loopback.file(logPath, contains: "h3_server ready") { return }
            guard process.isRunning else {
                let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                throw TestServerError("h3_server.py exited during start-up:\n\(log)")
            }
            usleep(20_000)
        }
        process.stop()
        throw TestServerError("h3_server.py was not ready within 30 s")
    }

    /// Stops the server.
    public func stop() { process.stop() }

    /// Whether it still runs.
    var isRunning: Bool { process.isRunning }

    private static func certificate(_ served: ServedCertificate, of certificates: TestCertificates) -> String {
        switch served {
        case .valid: return certificates.serverCertificate
        case .expired: return certificates.expiredServerCertificate
        case .otherHost: return certificates.otherHostCertificate
        }
    }
}
