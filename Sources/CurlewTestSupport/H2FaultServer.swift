internal import Foundation

/// A misbehaving HTTP/2 server on loopback: `Tests/Servers/h2_fault_server.py`, on the `h2`
/// package (PyPI, pinned by `make test`): h2c with prior knowledge on ``port`` and HTTP/2 over
/// TLS on ``tlsPort`` (trust ``TestCertificates/caCertificate`` of ``certificates``). One fault
/// per path: `/ok`, `/slow-ok`, `/hang-head`, `/hang-mid-body`, `/rst-mid-body`, `/truncated`,
/// `/goaway`, `/garbage`, `/stall-upload` (listed in the script).
public final class H2FaultServer: Sendable, LoopbackServer {
    /// The h2c port, on 127.0.0.1.
    public let port: Int
    /// The TLS port, on 127.0.0.1.
    public let tlsPort: Int
    /// The certificates the TLS port presents.
    public let certificates: TestCertificates
    private let process: ServerProcess

    /// `http://127.0.0.1:<port><path>`: h2c, to be sent with prior knowledge.
    public func h2cURL(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }
    /// `https://localhost:<tlsPort><path>`.
    public func tlsURL(_ path: String) -> String { "https://localhost:\(tlsPort)\(path)" }

    private static let sharedInstance = SharedServer { try H2FaultServer() }

    /// One server for the whole test process, started on first use and stopped at exit.
    public static func shared() async throws -> H2FaultServer { try await sharedInstance.get() }

    /// Starts a server of its own; ``stop()`` ends it (the test process's exit does too).
    public init() throws {
        certificates = try TestCertificates.generate()
        let ports = try Loopback.freePorts(2)
        (port, tlsPort) = (ports[0], ports[1])
        process = try Loopback.startScript(
            "h2_fault_server.py", importing: ["h2"],
            arguments: ["--port", "\(port)", "--tls-port", "\(tlsPort)", "--cert", certificates.serverCertificate, "--key", certificates.serverKey],
            ports: ports)
    }

    /// Stops the server at once (SIGTERM), as a crash would: its connections close.
    public func stop() { process.stop() }

    /// Whether it still runs.
    var isRunning: Bool { process.isRunning }
}
