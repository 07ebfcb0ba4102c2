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
public final class FaultServer: Sendable, LoopbackServer {
    /// The port it listens on, on 127.0.0.1.
    public let port: Int
    private let process: ServerProcess

    /// `http://127.0.0.1:<port><path>`.
    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    private static let sharedInstance = SharedServer { try FaultServer() }

    /// One fault server for the whole test process, started on first use and stopped at exit.
    public static func shared() async throws -> FaultServer { try await sharedInstance.get() }

    /// Starts a new fault server; ``stop()`` ends it (the test process's exit does too).
    public init() throws {
        port = try Loopback.freePorts(1)[0]
        process = try Loopback.startScript("fault_server.py", arguments: ["--port", "\(port)"], ports: [port])
    }

    /// Stops the fault server.
    public func stop() { process.stop() }

    /// Whether it still runs.
    var isRunning: Bool { process.isRunning }
}
