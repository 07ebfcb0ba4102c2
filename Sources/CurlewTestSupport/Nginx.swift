internal import Foundation
#if canImport(Glibc)
internal import Glibc
#endif

/// nginx on loopback, on ports picked free at start: HTTP/1.1, HTTP/1.1 and HTTP/2 over TLS
/// (ALPN), h2c with prior knowledge, and a TLS 1.2-only listener for session resumption.
///
/// Locations: `/small` (5 bytes, `hello`), `/big` (1 MiB, byte `i` is `i % 251`), `/status/N`,
/// `/echo-header` (the `X-Test` request header as body), `/redirect` (302 to `/small`),
/// `/upload` (reads the body and answers `received N`), `/session` (nginx's
/// `$ssl_session_reused`), `/slow` (`/big` at 64 KiB/s).
public final class Nginx: Sendable, LoopbackServer {
    /// Plain HTTP/1.1.
    public let httpPort: Int
    /// TLS with ALPN offering h2 and http/1.1.
    public let httpsPort: Int
    /// Cleartext HTTP/2 with prior knowledge (h2c).
    public let h2cPort: Int
    /// TLS 1.2 only, with a session cache and no tickets: resumption is visible here.
    public let tls12Port: Int
    /// TLS that requires a client certificate signed by the test CA.
    public let mtlsPort: Int
    /// A Unix domain socket serving the same locations as `httpPort`.
    public var unixSocketPath: String { "\(prefix)/nginx.sock" }
    /// The certificates the TLS listeners use.
    public let certificates: TestCertificates
    /// The folder nginx runs in (config, logs, files).
    public let prefix: String
    private let process: ServerProcess

    /// The size of `/big`.
    public static let bigSize = 1 << 20

    /// `http://127.0.0.1:<httpPort><path>`.
    public func httpURL(_ path: String) -> String { "http://127.0.0.1:\(httpPort)\(path)" }
    /// `https://localhost:<httpsPort><path>`.
    public func httpsURL(_ path: String) -> String { "https://localhost:\(httpsPort)\(path)" }
    /// `http://127.0.0.1:<h2cPort><path>`.
    public func h2cURL(_ path: String) -> String { "http://127.0.0.1:\(h2cPort)\(path)" }
    /// `https://localhost:<mtlsPort><path>`.
    public func mtlsURL(_ path: String) -> String { "https://localhost:\(mtlsPort)\(path)" }
    /// `https://localhost:<tls12Port><path>`.
    public func tls12URL(_ path: String) -> String { "https://localhost:\(tls12Port)\(path)" }

    /// The expected content of `/big`.
    public static func bigBody() -> [UInt8] { (0..<bigSize).map { UInt8($0 % 251) } }

    private static let sharedInstance = SharedServer { try Nginx() }

    /// One nginx for the whole test process, started on first use and stopped at exit.
    public static func shared() async throws -> Nginx { try await sharedInstance.get() }

    /// Starts a new nginx; ``stop()`` ends it (the test process's exit does too).
    public init() throws {
        let nginx = try Loopback.executable("nginx")
        certificates = try TestCertificates.generate()
        prefix = try Loopback.temporaryFolder("curlew-test-nginx")
        let ports = try Loopback.freePorts(6)
        (httpPort, httpsPort, h2cPort, tls12Port, mtlsPort) = (ports[0], ports[1], ports[2], ports[3], ports[5])
        let sinkPort = ports[4]
        let files = FileManager.default
        for folder in ["logs", "tmp", "www", "www/status"] {
            try files.createDirectory(atPath: "\(prefix)/\(folder)", withIntermediateDirectories: true)
        }
        try Data(Self.bigBody()).write(to: URL(fileURLWithPath: "\(prefix)/www/big"))
        try Self.config(prefix: prefix, ports: ports, certificates: certificates)
            .write(toFile: "\(prefix)/nginx.conf", atomically: true, encoding: .utf8)
        let logPath = "\(prefix)/logs/stderr.log"
        process = try ServerProcess(
            name: "nginx", executable: nginx,
            arguments: ["-p", prefix, "-c", "\(prefix)/nginx.conf", "-e", "stderr", "-g", "daemon off;"],
            logPath: logPath
        )
        try Loopback.waitUntilListening([httpPort, httpsPort, h2cPort, tls12Port, sinkPort, mtlsPort], process: process, logPath: logPath)
    }

    /// Stops nginx.
    public func stop() { process.stop() }

    /// Whether it still runs.
    var isRunning: Bool { process.isRunning }

    /// Lines of the access log (`$request $status $ssl_session_reused $connection`).
    public func accessLog() -> [String] {
        let text = (try? String(contentsOfFile: "\(prefix)/logs/access.log", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    static func config(prefix: String, ports: [Int], certificates: TestCertificates) -> String {
        let (http, https, h2c, tls12, sink, mtls) = (ports[0], ports[1], ports[2], ports[3], ports[4], ports[5])
        // `return` takes a literal code, so each status gets its own location.
        let statusLocations = [200, 201, 204, 301, 400, 404, 500, 503]
            .map { "                location = /status/\($0) { return \($0); }" }.joined(separator: "\n")
        let locations = """
                root \(prefix)/www;
                location = /small { default_type text/plain; return 200 "hello"; }
                location = /big { default_type application/octet-stream; }
                location = /slow { default_type application/octet-stream; limit_rate 64k; alias \(prefix)/www/big; }
        \(statusLocations)
                location = /echo-header { default_type text/plain; return 200 "$http_x_test"; }
                location = /redirect { return 302 /small; }
                location = /session { default_type text/plain; return 200 "$ssl_session_reused"; }
                location = /upload {
                    client_max_body_size 0;
                    proxy_http_version 1.1;
                    proxy_pass http://127.0.0.1:\(sink)/sink;
                }
        """
        // Started as root, nginx's workers would drop to `nobody` and could not read our 0700
        // temporary folder; as another user the directive does not apply and is left out.
        let user = geteuid() == 0 ? "user root;" : ""
        return """
        \(user)
        worker_processes 1;
        pid \(prefix)/nginx.pid;
        events { worker_connections 16384; }
        http {
            log_format curlew '$request $status $ssl_session_reused $connection';
            access_log \(prefix)/logs/access.log curlew;
            client_body_temp_path \(prefix)/tmp/body;
            proxy_temp_path \(prefix)/tmp/proxy;
            fastcgi_temp_path \(prefix)/tmp/fastcgi;
            uwsgi_temp_path \(prefix)/tmp/uwsgi;
            scgi_temp_path \(prefix)/tmp/scgi;
            keepalive_requests 1000000;
            http2_max_concurrent_streams 1000;
            ssl_certificate \(certificates.serverCertificate);
            ssl_certificate_key \(certificates.serverKey);
            server {
                listen 127.0.0.1:\(http);
                listen 127.0.0.1:\(https) ssl http2;
                ssl_protocols TLSv1.2 TLSv1.3;
        \(locations)
            }
            server {
                listen 127.0.0.1:\(h2c) http2;
        \(locations)
            }
            server {
                listen 127.0.0.1:\(tls12) ssl;
                ssl_protocols TLSv1.2;
                ssl_session_cache shared:CURLEW:1m;
                ssl_session_tickets off;
        \(locations)
            }
            server {
                listen 127.0.0.1:\(mtls) ssl;
                ssl_verify_client on;
                ssl_client_certificate \(certificates.caCertificate);
                location = /whoami { default_type text/plain; return 200 "$ssl_client_s_dn"; }
            }
            server {
                listen unix:\(prefix)/nginx.sock;
        \(locations)
            }
            server {
                listen 127.0.0.1:\(sink);
                location /sink { client_max_body_size 0; default_type text/plain; return 200 "received $content_length"; }
            }
        }
        """
    }
}
