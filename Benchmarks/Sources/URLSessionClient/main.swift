// `URLSessionClient URL N C h1|h2c|h2`: CurlewClient's work with FoundationNetworking's URLSession
// (swift-corelibs-foundation, itself on libcurl's multi interface), for comparison.
// N requests at concurrency C: C tasks in a task group, each awaiting requests one after another
// from a shared counter with `data(from:)` (the whole body). Prints the matrix's one line (see
// Benchmarks/README.md) with client=urlsession.
//
// On Linux `data(from:)` is the fast path: it completes inline on the session's work queue, never
// through the delegate OperationQueue (URLSession.AsyncBytes, `bytes(from:)`, does not exist
// there). An ephemeral configuration without cache, cookies or credential storage, up to C
// connections per host (CURLMOPT_MAX_HOST_CONNECTIONS).
//
// Protocols: corelibs never sets CURLOPT_HTTP_VERSION, so libcurl's default holds: HTTP/1.1 over
// http, HTTP/2 through ALPN over https. There is no way to ask for h2c with prior knowledge: h2c
// prints `client=urlsession proto=h2c unsupported` and exits 3.
//
// BENCH_CAFILE: corelibs reads URLSessionCertificateAuthorityInfoFile for the CA file only when
// built for Android (EasyHandle.setCARootBundlePath); on Linux it always points libcurl at the
// system bundle and offers no API to add a trust anchor (no server-trust challenge either). The
// variable is still set, so that a Foundation that honours it works; where it is not honoured,
// libcurl refuses the certificate, and the first such failure ends the run: it prints
// `client=urlsession proto=P unsupported` (exit 3) with the reason on stderr, instead of timing
// N refused handshakes.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

struct Arguments {
    var url: URL
    var total: Int
    var concurrency: Int
    var protocolName: String

    init?(_ arguments: [String]) {
        guard arguments.count == 5, let url = URL(string: arguments[1]), let total = Int(arguments[2]),
              let concurrency = Int(arguments[3]), total > 0, concurrency > 0,
              ["h1", "h2c", "h2"].contains(arguments[4]) else { return nil }
        self.url = url
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

func unsupported(_ protocolName: String, because reason: String) -> Never {
    FileHandle.standardError.write(Data("URLSessionClient: \(reason)\n".utf8))
    print("client=urlsession proto=\(protocolName) unsupported")
    exit(3)
}

guard let arguments = Arguments(CommandLine.arguments) else {
    FileHandle.standardError.write(Data("usage: URLSessionClient URL N C h1|h2c|h2\n".utf8))
    exit(2)
}
if arguments.protocolName == "h2c" {
    unsupported("h2c", because: "URLSession leaves libcurl's HTTP version at its default: HTTP/1.1 over plain http, no h2c")
}
if arguments.protocolName == "h2", arguments.url.scheme?.lowercased() != "https" {
    FileHandle.standardError.write(Data("URLSessionClient: h2 needs an https URL (HTTP/2 through ALPN)\n".utf8))
    exit(2)
}

// One socket per request at most (HTTP/1.1 with C in flight), plus the process's own.
// (Glibc is imported with _GNU_SOURCE here, where RLIMIT_NOFILE is an enum case.)
let noFile = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
var limit = rlimit()
if getrlimit(noFile, &limit) == 0, limit.rlim_cur < limit.rlim_max {
    limit.rlim_cur = limit.rlim_max
    setrlimit(noFile, &limit)
}

let caFile = ProcessInfo.processInfo.environment["BENCH_CAFILE"]
if let caFile {
    // Read when each task configures its libcurl handle; must be set before the first one.
    setenv("URLSessionCertificateAuthorityInfoFile", caFile, 1)
}

let configuration = URLSessionConfiguration.ephemeral
configuration.httpMaximumConnectionsPerHost = arguments.concurrency
configuration.urlCache = nil
configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
configuration.httpCookieStorage = nil
configuration.httpShouldSetCookies = false
configuration.urlCredentialStorage = nil
// The idle timeout of a transfer (default 60 s); CurlewClient has none: this only bounds a hung run.
configuration.timeoutIntervalForRequest = 300
let session = URLSession(configuration: configuration)

/// Requests started so far, and whether a certificate failure has ended the run.
let next = Mutex((started: 0, refused: false))
/// The first failure's description, printed on stderr at the end (stdout keeps its one line).
let firstFailure = Mutex<String?>(nil)
func noteFailure(_ description: @autoclosure () -> String) {
    firstFailure.withLock { first in
        if first == nil { first = description() }
    }
}

/// Whether an error is the server's certificate refused. corelibs maps libcurl's
/// CURLE_PEER_FAILED_VERIFICATION to NSURLErrorUnknown, keeping libcurl's message ("SSL
/// certificate problem: ..."); the specific codes are what Darwin's URLSession would report.
func isCertificateFailure(_ error: any Error) -> Bool {
    guard let error = error as? URLError else { return false }
    return [.serverCertificateUntrusted, .serverCertificateHasUnknownRoot, .serverCertificateHasBadDate,
            .serverCertificateNotYetValid].contains(error.code)
        || error.localizedDescription.hasPrefix("SSL certificate problem")
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
            while next.withLock({ state in
                guard state.started < arguments.total, !state.refused else { return false }
                state.started += 1
                return true
            }) {
                let began = ContinuousClock.now
                do {
                    let (data, response) = try await session.data(from: arguments.url)
                    bytes += data.count
                    let status = (response as? HTTPURLResponse)?.statusCode ?? -1
                    if status != 200 {
                        failures += 1
                        noteFailure("status \(status)")
                    }
                } catch {
                    failures += 1
                    noteFailure("\(error)")
                    if caFile != nil, isCertificateFailure(error) { next.withLock { $0.refused = true } }
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
session.finishTasksAndInvalidate()
let failure = firstFailure.withLock { $0 }
if next.withLock({ $0.refused }) {
    unsupported(arguments.protocolName, because: "the server's certificate was refused: this Foundation cannot "
        + "trust BENCH_CAFILE (it honours URLSessionCertificateAuthorityInfoFile on Android only); "
        + "the first error: \(failure ?? "?")")
}
if let failure {
    FileHandle.standardError.write(Data("URLSessionClient: \(failures) failures, the first: \(failure)\n".utf8))
}
let sorted = latencies.sorted()
func percentile(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000 }
print(String(format: "client=urlsession proto=%@ c=%d n=%d ok=%d failures=%d seconds=%.3f rps=%.1f mibps=%.2f p50_ms=%.3f p99_ms=%.3f rss_kib=%d base_rss_kib=%d",
             arguments.protocolName, arguments.concurrency, arguments.total, arguments.total - failures, failures, elapsed,
             Double(arguments.total) / elapsed, Double(bytes) / elapsed / 1_048_576, percentile(0.5), percentile(0.99),
             peakRSS, baseRSS))
