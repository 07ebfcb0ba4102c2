internal import Foundation

/// A WebSocket server on loopback: `Tests/Servers/ws_server.py` on the `websockets` package
/// (PyPI, pinned by `make test`), plain `ws` on one port and `wss` with the test CA on another,
/// on ports picked free at start. Its paths (`/echo`, `/fragmented`, `/close`, `/abrupt`,
/// `/subprotocol`, `/ping`, `/headers`, `/flood`) are listed in the script.
public final class WebSocketServer: Sendable {
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

    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/Servers/ws_server.py").path

    private static let sharedInstance = SharedServer(start: { try WebSocketServer() }, isRunning: { $0.process.isRunning }, stop: { $0.stop() })

    /// One server for the whole test process, started on first use and stopped at exit.
    public static func shared() async throws -> WebSocketServer { try await sharedInstance.get() }

    /// Starts a new server; ``stop()`` ends it (the test process's exit does too).
    public init() throws {
        let python = try Loopback.executable("python3")
        do {
            try Loopback.run(python, ["-c", "import websockets"])
        } catch {
            throw TestServerError("the websockets package is missing from \(python): run `make test`, which installs it\n\(error)")
        }
        certificates = try TestCertificates.generate()
        let folder = try Loopback.temporaryFolder("curlew-test-ws")
        let ports = try Loopback.freePorts(2)
        port = ports[0]
        tlsPort = ports[1]
        let logPath = "\(folder)/ws_server.log"
        process = try ServerProcess(
            name: "ws_server.py", executable: python,
            arguments: [Self.script, "--port", "\(port)", "--tls-port", "\(tlsPort)",
                        "--cert", certificates.serverCertificate, "--key", certificates.serverKey],
            logPath: logPath
        )
        try Loopback.waitUntilListening(ports, process: process, logPath: logPath)
    }

    /// Stops the server.
    public func stop() { process.stop() }
}
