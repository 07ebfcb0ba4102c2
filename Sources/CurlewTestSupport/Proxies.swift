internal import Foundation

/// Proxies on loopback, on ports picked free at start: tinyproxy (an HTTP proxy that forwards
/// plain requests and tunnels CONNECT to any port) and two microsocks SOCKS5 proxies, one
/// requiring ``socksUser`` and ``socksPassword``, one without authentication.
public final class Proxies: Sendable, LoopbackServer {
    /// tinyproxy: HTTP forwarding and CONNECT, from 127.0.0.1 only.
    public let httpProxyPort: Int
    /// microsocks requiring user name and password authentication.
    public let socksPort: Int
    /// microsocks without authentication.
    public let socksNoAuthPort: Int
    /// The user name ``socksPort`` accepts.
    public let socksUser = "curlew"
    /// The password ``socksPort`` accepts.
    public let socksPassword = "secret"
    private let processes: [ServerProcess]

    private static let sharedInstance = SharedServer { try Proxies() }

    /// One set of proxies for the whole test process, started on first use and stopped at exit.
    public static func shared() async throws -> Proxies { try await sharedInstance.get() }

    /// Starts the three proxies; ``stop()`` ends them (the test process's exit does too).
    public init() throws {
        let tinyproxy = try Loopback.executable("tinyproxy")
        let microsocks = try Loopback.executable("microsocks")
        let folder = try Loopback.temporaryFolder("curlew-test-proxies")
        let ports = try Loopback.freePorts(3)
        (httpProxyPort, socksPort, socksNoAuthPort) = (ports[0], ports[1], ports[2])
        try Self.tinyproxyConfig(folder: folder, port: httpProxyPort)
            .write(toFile: "\(folder)/tinyproxy.conf", atomically: true, encoding: .utf8)
        let servers: [(name: String, log: String, executable: String, arguments: [String], port: Int)] = [
            ("tinyproxy", "tinyproxy.log", tinyproxy, ["-d", "-c", "\(folder)/tinyproxy.conf"], httpProxyPort),
            ("microsocks (auth)", "socks-auth.log", microsocks,
             ["-i", "127.0.0.1", "-p", "\(socksPort)", "-u", socksUser, "-P", socksPassword], socksPort),
            ("microsocks (no auth)", "socks-no-auth.log", microsocks, ["-i", "127.0.0.1", "-p", "\(socksNoAuthPort)"], socksNoAuthPort),
        ]
        var started: [ServerProcess] = []
        do {
            for server in servers {
                let logPath = "\(folder)/\(server.log)"
                let process = try ServerProcess(
                    name: server.name, executable: server.executable, arguments: server.arguments, logPath: logPath
                )
                started.append(process)
                try Loopback.waitUntilListening([server.port], process: process, logPath: logPath)
            }
        } catch {
            for process in started { process.stop() }
            throw error
        }
        processes = started
    }

    /// Stops the proxies.
    public func stop() {
        for process in processes { process.stop() }
    }

    /// Whether every proxy still runs.
    var isRunning: Bool { processes.allSatisfy(\.isRunning) }

    /// Without `ConnectPort` lines tinyproxy tunnels CONNECT to any port; `Allow` admits only
    /// loopback clients. `-d` keeps it in the foreground, logging to stderr. The `Via` header it
    /// adds lets tests see that a request went through it.
    static func tinyproxyConfig(folder: String, port: Int) -> String {
        """
        Port \(port)
        Listen 127.0.0.1
        Allow 127.0.0.1
        Timeout 600
        MaxClients 100
        DisableViaHeader No
        LogLevel Info
        PidFile "\(folder)/tinyproxy.pid"

        """
    }
}
