// `AHCClient URL N C h1|h2c|h2`: CurlewClient's work with async-http-client, for comparison.
// N requests at concurrency C: C tasks in a task group, each awaiting requests one after another
// from a shared counter and reading the whole body. Prints the matrix's one line (see
// Benchmarks/README.md) with client=ahc. BENCH_CAFILE names the PEM to trust for https
// (verification stays on).
//
// Configured as a user tuning AHC for this load would: the NIO singleton event loop group, an
// HTTP/1.1 pool of C connections per host for h1, HTTP/2 through ALPN (`.automatic`) for h2,
// redirects and decompression off. h2c is unsupported: AHC 1.37.0 opens every plain-http
// connection as HTTP/1.1 (HTTPConnectionPool+Factory.swift, makePlainChannel) and has no
// prior-knowledge or Upgrade path, so it prints `client=ahc proto=h2c unsupported` and exits 3.
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

struct Arguments {
    var url: String
    var total: Int
    var concurrency: Int
    var protocolName: String

    init?(_ arguments: [String]) {
        guard arguments.count == 5, let total = Int(arguments[2]), let concurrency = Int(arguments[3]),
              total > 0, concurrency > 0, ["h1", "h2c", "h2"].contains(arguments[4]) else { return nil }
        url = arguments[1]
        self.total = total
        self.concurrency = concurrency
        protocolName = arguments[4]
    }
}

/// A field of /proc/self/status in KiB (VmRSS now, VmHWM the peak).
func statusKiB(_ field: String) -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
    for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? -1
    }
    return -1
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

guard let arguments = Arguments(CommandLine.arguments) else {
    FileHandle.standardError.write(Data("usage: AHCClient URL N C h1|h2c|h2\n".utf8))
    exit(2)
}
if arguments.protocolName == "h2c" {
    FileHandle.standardError.write(Data("AHCClient: async-http-client speaks only HTTP/1.1 over plain http (no h2c)\n".utf8))
    print("client=ahc proto=h2c unsupported")
    exit(3)
}
if arguments.protocolName == "h2", !arguments.url.lowercased().hasPrefix("https://") {
    FileHandle.standardError.write(Data("AHCClient: h2 needs an https URL (HTTP/2 through ALPN)\n".utf8))
    exit(2)
}

// One socket per request at most (HTTP/1.1 with C in flight), plus the process's own.
// (NIO's C shims import glibc with _GNU_SOURCE, where RLIMIT_NOFILE is an enum case.)
let noFile = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
var limit = rlimit()
if getrlimit(noFile, &limit) == 0, limit.rlim_cur < limit.rlim_max {
    limit.rlim_cur = limit.rlim_max
    setrlimit(noFile, &limit)
}

var configuration = HTTPClient.Configuration()
configuration.redirectConfiguration = .disallow
configuration.decompression = .disabled
configuration.proxy = nil
// A soft limit: the HTTP/1.1 pool opens up to C connections, one per request in flight. Over
// HTTP/2 the pool multiplexes streams on its own connections and does not use this number.
configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = arguments.concurrency
configuration.httpVersion = arguments.protocolName == "h1" ? .http1Only : .automatic
if let caFile = ProcessInfo.processInfo.environment["BENCH_CAFILE"] {
    var tls = TLSConfiguration.makeClientConfiguration()
    tls.trustRoots = .file(caFile)
    configuration.tlsConfiguration = tls
}
let expectedVersion: HTTPVersion = arguments.protocolName == "h1" ? .http1_1 : .http2

let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
let request = HTTPClientRequest(url: arguments.url)
let next = Mutex(0)
/// The first failure's description, printed on stderr at the end (stdout keeps its one line).
let firstFailure = Mutex<String?>(nil)
func noteFailure(_ description: @autoclosure () -> String) {
    firstFailure.withLock { first in
        if first == nil { first = description() }
    }
}

let baseRSS = statusKiB("VmRSS")
let start = ContinuousClock.now
let (latencies, bytes, failures) = await withTaskGroup(of: ([Double], Int, Int).self) { group in
    for _ in 0..<min(arguments.concurrency, arguments.total) {
        group.addTask {
            var latencies: [Double] = []
            latencies.reserveCapacity(arguments.total / arguments.concurrency + 1)
            var bytes = 0
            var failures = 0
            while next.withLock({ value in
                guard value < arguments.total else { return false }
                value += 1
                return true
            }) {
                let began = ContinuousClock.now
                do {
                    // No deadline in CurlewClient either: this one only bounds a hung run.
                    let response = try await client.execute(request, timeout: .seconds(300))
                    var failed = false
                    if response.status != .ok {
                        failed = true
                        noteFailure("status \(response.status.code)")
                    } else if response.version != expectedVersion {
                        // Measuring the wrong protocol would make the line a lie.
                        failed = true
                        noteFailure("negotiated \(response.version), wanted \(expectedVersion)")
                    }
                    for try await buffer in response.body { bytes += buffer.readableBytes }
                    if failed { failures += 1 }
                } catch {
                    failures += 1
                    noteFailure("\(error)")
                }
                latencies.append(seconds(ContinuousClock.now - began))
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
let peakRSS = statusKiB("VmHWM")
do {
    // (Overload resolution picks the future-returning shutdown() here, so await its future.)
    try await client.shutdown().get()
} catch {
    FileHandle.standardError.write(Data("AHCClient: shutdown: \(error)\n".utf8))
}
if let failure = firstFailure.withLock({ $0 }) {
    FileHandle.standardError.write(Data("AHCClient: \(failures) failures, the first: \(failure)\n".utf8))
}
let sorted = latencies.sorted()
func percentile(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000 }
print(String(format: "client=ahc proto=%@ c=%d n=%d ok=%d failures=%d seconds=%.3f rps=%.1f mibps=%.2f p50_ms=%.3f p99_ms=%.3f rss_kib=%d base_rss_kib=%d",
             arguments.protocolName, arguments.concurrency, arguments.total, arguments.total - failures, failures, elapsed,
             Double(arguments.total) / elapsed, Double(bytes) / elapsed / 1_048_576, percentile(0.5), percentile(0.99),
             peakRSS, baseRSS))
