internal import Foundation
internal import CurlewLocks
#if canImport(Glibc)
internal import Glibc
#endif

/// An HTTP/3 server on loopback: `Tests/Servers/h3_server.py`, hypercorn with aioquic (PyPI,
/// pinned by `make test`), serving QUIC on a UDP port and TLS (HTTP/2, HTTP/1.1) on the TCP
/// port of the same number, or TLS only (``init(quic:)`` with `false`) for fallback tests.
/// Paths: `/hello`, `POST /echo`, `/bytes?n=N`, `/version` (listed in the script).
public final class HTTP3Server: Sendable {
    /// The port, on 127.0.0.1: TCP, and UDP for QUIC.
    public let port: Int
    /// Whether a QUIC listener runs.
    public let quic: Bool
    /// The certificates: trust ``TestCertificates/caCertificate``.
    public let certificates: TestCertificates
    private let process: ServerProcess

    /// `https://localhost:<port><path>`.
    public func url(_ path: String) -> String { "https://localhost:\(port)\(path)" }

    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/Servers/h3_server.py").path

    private static let sharedInstances = [true, false].map { quic in
        SharedServer(start: { try HTTP3Server(quic: quic) }, isRunning: { $0.process.isRunning }, stop: { $0.stop() })
    }

    /// One server with QUIC (or one without) for the whole test process, started on first use.
    public static func shared(quic: Bool = true) async throws -> HTTP3Server { try await sharedInstances[quic ? 0 : 1].get() }

    /// Starts a server and waits until it answered an HTTP/3 request of its own (the script
    /// prints its ready line then); ``stop()`` ends it.
    public init(quic: Bool = true) throws {
        let python = try Loopback.executable("python3")
        do {
            try Loopback.run(python, ["-c", "import hypercorn, aioquic"])
        } catch {
            throw TestServerError("hypercorn or aioquic is missing from \(python): run `make test`, which installs them\n\(error)")
        }
        self.quic = quic
        certificates = try TestCertificates.generate()
        let folder = try Loopback.temporaryFolder("curlew-test-h3")
        // A free TCP port; its UDP twin is very likely free too (a tiny race, as with every
        // picked port: the script fails to start and says so if it is not).
        port = try Loopback.freePorts(1)[0]
        let logPath = "\(folder)/h3_server.log"
        process = try ServerProcess(
            name: "h3_server.py", executable: python,
            arguments: [Self.script, "--port", "\(port)", "--cert", certificates.serverCertificate, "--key", certificates.serverKey]
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
}
