// What every Swift client of the matrix shares: the command line, the file-descriptor limit,
// the load itself (C tasks taking requests from one counter, each timed from its start to the
// end of its body) and the one line the runner reads (see Benchmarks/README.md). Each client
// only says how one request is made.
import Foundation
import Synchronization

/// `PROGRAM URL N C h1|h2c|h2|h3|ws [EXTRA]`: `ws` is N WebSocket echoes over C sockets.
public struct BenchmarkArguments: Sendable {
    public let url: String
    /// N: requests in all.
    public let total: Int
    /// C: requests in flight at once.
    public let concurrency: Int
    /// `h1`, `h2c`, `h2`, `h3` (HTTP/3 only) or `ws` (WebSocket echoes).
    public let protocolName: String
    /// The optional 5th argument (CurlewClient's loop threads), for programs that take one.
    public let extra: Int?

    /// Parses the command line; prints the usage and exits 2 when it does not fit.
    /// - Parameter extraName: The 5th argument's name, for programs that take one.
    public static func parse(program: String, extraName: String? = nil) -> BenchmarkArguments {
        let arguments = CommandLine.arguments
        let maxCount = extraName == nil ? 5 : 6
        guard (5...maxCount).contains(arguments.count), let total = Int(arguments[2]), let concurrency = Int(arguments[3]),
              total > 0, concurrency > 0, ["h1", "h2c", "h2", "h3", "ws"].contains(arguments[4]) else {
            FileHandle.standardError.write(Data("usage: \(program) URL N C h1|h2c|h2|h3|ws\(extraName.map { " [\($0)]" } ?? "")\n".utf8))
            exit(2)
        }
        var extra: Int?
        if arguments.count == 6 {
            guard let value = Int(arguments[5]), value > 0 else {
                FileHandle.standardError.write(Data("\(program): \(extraName ?? "") must be a positive number\n".utf8))
                exit(2)
            }
            extra = value
        }
        return BenchmarkArguments(url: arguments[1], total: total, concurrency: concurrency, protocolName: arguments[4], extra: extra)
    }
}

/// Prints `client=NAME proto=P unsupported` with the reason on stderr, and exits 3.
public func unsupported(client: String, protocolName: String, because reason: String) -> Never {
    FileHandle.standardError.write(Data("\(client): \(reason)\n".utf8))
    print("client=\(client) proto=\(protocolName) unsupported")
    exit(3)
}

/// Raises the soft limit on open files to the hard one: HTTP/1.1 with C in flight needs a
/// socket per request.
public func raiseFileLimit() {
    let noFile = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    var limit = rlimit()
    if getrlimit(noFile, &limit) == 0, limit.rlim_cur < limit.rlim_max {
        limit.rlim_cur = limit.rlim_max
        setrlimit(noFile, &limit)
    }
}

/// A field of /proc/self/status in KiB (VmRSS now, VmHWM the peak), -1 if unreadable.
public func statusKiB(_ field: String) -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
    for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? -1
    }
    return -1
}

public func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// What one request gave: body bytes read, and why it failed if it did.
public struct RequestOutcome: Sendable {
    public var bytes: Int
    public var failure: String?

    public init(bytes: Int, failure: String? = nil) {
        self.bytes = bytes
        self.failure = failure
    }
}

/// A finished load.
public struct LoadResult: Sendable {
    /// Per request, seconds, sorted.
    public let latencies: [Double]
    public let bytes: Int
    public let failures: Int
    /// The first failure's description.
    public let firstFailure: String?
    public let seconds: Double
    /// VmRSS before the first request, and VmHWM when the last ended, in KiB.
    public let baseRSS: Int
    public let peakRSS: Int

    /// The matrix's line for this load.
    public func line(client: String, _ arguments: BenchmarkArguments) -> String {
        func percentile(_ p: Double) -> Double {
            latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] * 1000
        }
        return String(
            format: "client=%@ proto=%@ c=%d n=%d ok=%d failures=%d seconds=%.3f rps=%.1f mibps=%.2f p50_ms=%.3f p99_ms=%.3f rss_kib=%d base_rss_kib=%d",
            client, arguments.protocolName, arguments.concurrency, arguments.total, arguments.total - failures, failures,
            seconds, Double(arguments.total) / seconds, Double(bytes) / seconds / 1_048_576, percentile(0.5), percentile(0.99),
            peakRSS, baseRSS)
    }

    /// Writes how many requests failed, and the first reason, to stderr (stdout keeps its line).
    public func reportFailures(program: String) {
        guard let firstFailure else { return }
        FileHandle.standardError.write(Data("\(program): \(failures) failures, the first: \(firstFailure)\n".utf8))
    }
}

/// Runs `arguments.total` requests with `arguments.concurrency` in flight: that many tasks in a
/// task group, each taking requests from one counter until all have started (or `stop` says so)
/// and timing each from its start to the end of its body.
/// - Parameters:
///   - executor: The executor task `worker` prefers, if any.
///   - stop: Checked before each request; `true` ends the load early.
///   - request: Makes one request for task `worker`, reading its whole body.
public func runLoad(
    _ arguments: BenchmarkArguments,
    executor: (_ worker: Int) -> (any TaskExecutor)? = { _ in nil },
    stop: @escaping @Sendable () -> Bool = { false },
    request: @escaping @Sendable (_ worker: Int) async -> RequestOutcome
) async -> LoadResult {
    let shared = Shared()
    let baseRSS = statusKiB("VmRSS")
    let start = ContinuousClock.now
    let (latencies, bytes, failures) = await withTaskGroup(of: ([Double], Int, Int).self) { group in
        for worker in 0..<min(arguments.concurrency, arguments.total) {
            group.addTask(executorPreference: executor(worker)) {
                var latencies: [Double] = []
                latencies.reserveCapacity(arguments.total / arguments.concurrency + 1)
                var bytes = 0
                var failures = 0
                while !stop(), shared.started.withLock({ value in
                    guard value < arguments.total else { return false }
                    value += 1
                    return true
                }) {
                    let began = ContinuousClock.now
                    let outcome = await request(worker)
                    latencies.append(seconds(ContinuousClock.now - began))
                    bytes += outcome.bytes
                    if let failure = outcome.failure {
                        failures += 1
                        shared.firstFailure.withLock { first in
                            if first == nil { first = failure }
                        }
                    }
                }
                return (latencies, bytes, failures)
            }
        }
        var all: ([Double], Int, Int) = ([], 0, 0)
        for await part in group {
            all.0 += part.0
            all.1 += part.1
            all.2 += part.2
        }
        return all
    }
    let elapsed = seconds(ContinuousClock.now - start)
    return LoadResult(latencies: latencies.sorted(), bytes: bytes, failures: failures, firstFailure: shared.firstFailure.withLock { $0 },
                      seconds: elapsed, baseRSS: baseRSS, peakRSS: statusKiB("VmHWM"))
}

/// The load's tasks meet here: requests started, and the first failure.
private final class Shared: Sendable {
    let started = Mutex(0)
    let firstFailure = Mutex<String?>(nil)
}
