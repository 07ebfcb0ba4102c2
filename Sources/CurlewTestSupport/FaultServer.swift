internal import Foundation

/// A misbehaving HTTP/1.1 server on loopback, on a port picked free at start: behaviour no real
/// server offers on demand, one fault per path. It is `Tests/Servers/fault_server.py`, run
/// with `python3` (standard library only).
///
/// Paths: `/ok` (200, `ok`, keep-alive), `/connections` (how many TCP connections it has
/// accepted, the asking one and the start-up probe included), `/echo` (the request as JSON: method, header lines, framing, body), `/headers` (the request's header
/// lines as received, one per line), `/hang` (never answers, holds the
/// socket until the client goes), `/reset-mid-body` (Content-Length 100000, 10000 bytes, then
/// RST), `/truncated` (Content-Length 1000, 500 bytes, then FIN), `/bad-chunk` (a chunk-size
/// line that is not hex), `/garbage` (bytes that are not HTTP), `/slow-headers` (the head one
/// byte every 50 ms, then `hello`), `/slow-body?bytes=N&delay_ms=M` (an N-byte body, byte `i`
/// is `i % 251`, one byte every M ms).
public final class FaultServer: Sendable {
    /// The port it listens on, on 127.0.0.1.
    public let port: Int
    private let process: ServerProcess

    /// `http://127.0.0.1:<port><path>`.
    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// The script, found from this file's place in the package.
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/Servers/fault_server.py").path

    private static let sharedInstance = SharedServer(start: { try FaultServer() }, isRunning: { $0.process.isRunning }, stop: { $0.stop() })

    /// One fault server for the whole test process, started on first use and stopped at exit.
    public static func shared() async throws -> FaultServer { try await sharedInstance.get() }

    /// Starts a new fault server; ``stop()`` ends it (the test process's exit does too).
    public init() throws {
        let python = try Loopback.executable("python3")
        guard FileManager.default.fileExists(atPath: Self.script) else {
            throw TestServerError("the fault server's script is not at \(Self.script)")
        }
        let folder = try Loopback.temporaryFolder("curlew-test-fault")
        port = try Loopback.freePorts(1)[0]
        let logPath = "\(folder)/fault_server.log"
        process = try ServerProcess(
            name: "fault_server.py", executable: python,
            arguments: [Self.script, "--port", "\(port)"],
            logPath: logPath
        )
        try Loopback.waitUntilListening([port], process: process, logPath: logPath)
    }

    /// Stops the fault server.
    public func stop() { process.stop() }
}
