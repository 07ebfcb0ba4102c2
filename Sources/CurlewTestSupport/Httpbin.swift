internal import Foundation

/// httpbin (PyPI) served by gunicorn on loopback, on a port picked free at start: redirects,
/// cookies, auth, gzip and brotli, streaming, delays, status codes.
///
/// One gunicorn worker with 16 threads (`gthread`), so `/delay/N` and `/drip` hold a thread
/// each and do not block other tests. `make test` installs the pinned httpbin and gunicorn.
public final class Httpbin: Sendable, LoopbackServer {
    /// The port it listens on, on 127.0.0.1.
    public let port: Int
    private let process: ServerProcess

    /// `http://127.0.0.1:<port><path>`.
    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    private static let sharedInstance = SharedServer { try Httpbin() }

    /// One httpbin for the whole test process, started on first use and stopped at exit.
    public static func shared() async throws -> Httpbin { try await sharedInstance.get() }

    /// Starts a new httpbin; ``stop()`` ends it (the test process's exit does too).
    public init() throws {
        let python = try Loopback.python(importing: ["httpbin", "gunicorn"])
        let folder = try Loopback.temporaryFolder("curlew-test-httpbin")
        port = try Loopback.freePorts(1)[0]
        let logPath = "\(folder)/gunicorn.log"
        process = try ServerProcess(
            name: "gunicorn (httpbin)", executable: python,
            arguments: [
                "-m", "gunicorn", "--bind", "127.0.0.1:\(port)",
                "--worker-class", "gthread", "--threads", "16",
                // Loads the app before binding, so a listening port means httpbin imported.
                "--preload",
                // Stops within ServerProcess's two seconds instead of gunicorn's default 30.
                "--graceful-timeout", "1",
                "--worker-tmp-dir", folder,
                "httpbin:app",
            ],
            logPath: logPath
        )
        try Loopback.waitUntilListening([port], process: process, logPath: logPath)
    }

    /// Stops httpbin.
    public func stop() { process.stop() }

    /// Whether it still runs.
    var isRunning: Bool { process.isRunning }
}
