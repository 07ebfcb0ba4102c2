internal import Foundation

/// nghttpd (nghttp2's HTTP/2-only server) on loopback, on ports picked free at start: cleartext
/// HTTP/2 with prior knowledge (h2c) on one port, HTTP/2 over TLS (ALPN `h2`) on another.
///
/// Files: `/small` (5 bytes, `hello`), `/big` (1 MiB, the same bytes as ``Nginx/bigBody()``).
public final class Nghttpd: Sendable, LoopbackServer {
    /// Cleartext HTTP/2 with prior knowledge (h2c).
    public let h2cPort: Int
    /// HTTP/2 over TLS.
    public let tlsPort: Int
    /// The certificates the TLS listener uses.
    public let certificates: TestCertificates
    /// The document root.
    public let docroot: String
    private let h2cProcess: ServerProcess
    private let tlsProcess: ServerProcess

    /// `http://127.0.0.1:<h2cPort><path>`.
    public func h2cURL(_ path: String) -> String { "http://127.0.0.1:\(h2cPort)\(path)" }
    /// `https://127.0.0.1:<tlsPort><path>` (the server certificate names 127.0.0.1 too).
    public func tlsURL(_ path: String) -> String { "https://127.0.0.1:\(tlsPort)\(path)" }

    private static let sharedInstance = SharedServer { try Nghttpd() }

    /// One nghttpd pair for the whole test process, started on first use and stopped at exit.
    public static func shared() async throws -> Nghttpd { try await sharedInstance.get() }

    /// Starts both listeners; ``stop()`` ends them (the test process's exit does too).
    public init() throws {
        let nghttpd = try Loopback.executable("nghttpd")
        certificates = try TestCertificates.generate()
        let folder = try Loopback.temporaryFolder("curlew-test-nghttpd")
        docroot = "\(folder)/www"
        try FileManager.default.createDirectory(atPath: docroot, withIntermediateDirectories: true)
        try Data("hello".utf8).write(to: URL(fileURLWithPath: "\(docroot)/small"))
        try Data(Nginx.bigBody()).write(to: URL(fileURLWithPath: "\(docroot)/big"))
        let ports = try Loopback.freePorts(2)
        (h2cPort, tlsPort) = (ports[0], ports[1])
        let common = ["--address=127.0.0.1", "--htdocs=\(docroot)"]
        let h2cLog = "\(folder)/h2c.log"
        h2cProcess = try ServerProcess(
            name: "nghttpd (h2c)", executable: nghttpd,
            arguments: common + ["--no-tls", "\(h2cPort)"],
            logPath: h2cLog
        )
        let tlsLog = "\(folder)/tls.log"
        do {
            tlsProcess = try ServerProcess(
                name: "nghttpd (TLS)", executable: nghttpd,
                arguments: common + ["\(tlsPort)", certificates.serverKey, certificates.serverCertificate],
                logPath: tlsLog
            )
        } catch {
            h2cProcess.stop()
            throw error
        }
        do {
            try Loopback.waitUntilListening([h2cPort], process: h2cProcess, logPath: h2cLog)
            try Loopback.waitUntilListening([tlsPort], process: tlsProcess, logPath: tlsLog)
        } catch {
            stop()
            throw error
        }
    }

    /// Stops both listeners.
    public func stop() {
        h2cProcess.stop()
        tlsProcess.stop()
    }

    /// Whether both listeners still run.
    var isRunning: Bool { h2cProcess.isRunning && tlsProcess.isRunning }
}
