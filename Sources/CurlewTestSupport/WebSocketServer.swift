internal import Foundation

/// A WebSocket server on loopback: `Tests/Servers/ws_server.py` on the `websockets` package
/// (PyPI, pinned by `make test`), plain `ws` on one port and `wss` with the test CA on another,
/// on ports picked free at start. Its paths (`/echo`, `/fragmented`, `/close`, `/abrupt`,
/// `/subprotocol`, `/ping`, `/headers`, `/flood`) are listed in the script.
public final class WebSocketServer: Sendable, LoopbackServer {
    /// The plain port, on 127.0.0.1.
    public let port: Int
    /// The TLS port, on 127.0.0.1, serving a certificate for `localhost` and 127.0.0.1.
    public let tlsPort: Int
    /// The certificates: trust ``TestCertificates/caCertificate`` for `wss`.
    public let certificates: TestCertificates
    private let process: ServerProcess

    /// `ws://127.0.0.1:<port><path>`.
    public func url(_ path: String) -> String { "ws://127.0.0.1:\(port)\(path)" }
    /// `wss://localhost:<tlsPort><path>`.
    public func secureURL(_ path: String) -> String { "wss://localhost:\(tlsPort)\(path)" }

    private static let sharedInstance = SharedServer { try WebSocketServer() }

    /// One server for the whole test process, started on first use and stopped at exit.
    public static func shared() async throws -> WebSocketServer { try await sharedInstance.get() }

    /// Starts a new server; ``stop()`` ends it (the test process's exit does too).
    public init() throws {
        certificates = try TestCertificates.generate()
        let ports = try Loopback.freePorts(2)
        (port, tlsPort) = (ports[0], ports[1])
        process = try Loopback.startScript(
            "ws_server.py", importing: ["websockets"],
            arguments: ["--port", "\(port)", "--tls-port", "\(tlsPort)", "--cert", certificates.serverCertificate, "--key", certificates.serverKey],
            ports: ports)
    }

    /// Stops the server.
    public func stop() { process.stop() }

    /// Whether it still runs.
    var isRunning: Bool { process.isRunning }
}
