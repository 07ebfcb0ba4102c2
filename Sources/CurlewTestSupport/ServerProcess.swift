internal import Foundation
internal import CurlewLocks
#if canImport(Glibc)
internal import Glibc
#endif

/// A server child process the tests talk to, stopped when the test process exits.
final class ServerProcess: Sendable {
    let name: String
    let pid: pid_t

    /// Starts `executable` with `arguments`, its output written to `logPath` (emptied first).
    init(name: String, executable: String, arguments: [String], logPath: String, environment: [String: String] = [:]) throws {
        let log = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw TestServerError("cannot open \(logPath) for \(name): errno \(errno)") }
        defer { close(log) }
        let variables = environment.isEmpty ? nil : ProcessInfo.processInfo.environment.merging(environment) { $1 }
        do {
            pid = try spawnChild(executable, arguments, environment: variables, output: log, error: log)
        } catch {
            throw TestServerError("cannot start \(name) (\(executable)): \(error)")
        }
        self.name = name
        ServerProcess.register(pid)
    }

    /// Stops the process (SIGTERM, then SIGKILL after two seconds) and reaps it.
    func stop() {
        ServerProcess.terminate(pid)
        ServerProcess.unregister(pid)
    }

    /// Whether the process is still running.
    var isRunning: Bool { kill(pid, 0) == 0 }

    // MARK: - Stopping every server at exit

    private static let running = Locked<Set<pid_t>>([])
    private static let installExitHandler: Void = {
        atexit {
            for pid in ServerProcess.running.withLock({ $0 }) { ServerProcess.terminate(pid) }
        }
    }()

    private static func register(_ pid: pid_t) {
        _ = installExitHandler
        running.withLock { _ = $0.insert(pid) }
    }

    private static func unregister(_ pid: pid_t) {
        running.withLock { _ = $0.remove(pid) }
    }

    private static func terminate(_ pid: pid_t) {
        guard kill(pid, SIGTERM) == 0 else { return }
        for _ in 0..<200 {
            if waitpid(pid, nil, WNOHANG) != 0 { return }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        reap(pid)
    }
}

/// A failure to set up a test server, with what went wrong.
public struct TestServerError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Helpers for ports and files on loopback.
enum Loopback {
    /// Picks `count` distinct free TCP ports on 127.0.0.1 by binding port 0 and closing.
    static func freePorts(_ count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { for fd in sockets { close(fd) } }
        var ports: [Int] = []
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw TestServerError("socket() failed: errno \(errno)") }
            sockets.append(fd)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else { throw TestServerError("bind() failed: errno \(errno)") }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return ports
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return result == 0
    }

    /// Waits until every port accepts connections, or throws after `timeout` seconds.
    static func waitUntilListening(_ ports: [Int], process: ServerProcess, logPath: String, timeout: Double = 20) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if ports.allSatisfy({ accepts(port: $0) }) { return }
            guard process.isRunning else {
                let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                throw TestServerError("\(process.name) exited during start-up:\n\(log)")
            }
            usleep(20_000)
        }
        process.stop()
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        throw TestServerError("\(process.name) did not listen on \(ports) within \(timeout) s:\n\(log)")
    }

    /// Finds an executable on PATH or in the usual system folders.
    static func executable(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin"]
        for folder in folders where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") {
            return "\(folder)/\(name)"
        }
        throw TestServerError("\(name) is not installed: run `make test`, which installs the test servers")
    }

    /// Whether the file at `path` holds `text`, read with POSIX calls: Foundation's
    /// `String(contentsOfFile:)` leaks its buffer here (LeakSanitizer reports each call), which
    /// a poll loop would repeat many times.
    static func file(_ path: String, contains text: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes += chunk[..<count]
        }
        return String(decoding: bytes, as: UTF8.self).contains(text)
    }

    /// A new empty temporary folder.
    static func temporaryFolder(_ prefix: String) throws -> String {
        var template = Array("\(NSTemporaryDirectory())/\(prefix)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw TestServerError("mkdtemp failed: errno \(errno)") }
        return String(cString: made)
    }

    /// Runs a command to completion, throwing with its output when it fails.
    static func run(_ executable: String, _ arguments: [String]) throws {
        let result = try runChildProcessBlocking(executable, arguments)
        guard result.status == 0 else {
            throw TestServerError("\(executable) \(arguments.joined(separator: " ")) failed:\n\(result.stdout)\(result.stderr)")
        }
    }
}

/// A TCP port on 127.0.0.1 that nothing listens on (at the moment it is picked), for
/// connection-refused tests.
public func unusedLoopbackPort() throws -> Int {
    try Loopback.freePorts(1)[0]
}

/// A new empty folder under the temporary directory, for a test's files.
public func temporaryTestFolder(_ prefix: String) throws -> String {
    try Loopback.temporaryFolder(prefix)
}
