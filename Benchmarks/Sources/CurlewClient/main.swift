// `CurlewClient URL N C h1|h2c|h2 [LOOPS]`: N requests at concurrency C with Curlew's
// HTTPClient, C tasks in a task group each awaiting requests and reading the whole body.
// Prints the matrix's one line (see Benchmarks/README.md). BENCH_CAFILE names the PEM to trust
// for https; CURLEW_BENCH_TRACE=1 also prints every request slower than 5 ms with libcurl's
// own timings. CURLEW_EXECUTOR=loop runs the tasks on the client's loop thread
// (`HTTPClient.taskExecutor`) and names the client `curlew-loop`. With LOOPS above 1 the
// requests are spread over origins that differ only in their loopback address (127.0.0.1 to
// 127.0.0.4, which the benchmark's nginx all listens on), one per loop, since each origin is
// pinned to one loop; the client is then named `curlew-Nloops`.
import Curlew
import Foundation
import Synchronization

struct Arguments {
    var url: String
    var total: Int
    var concurrency: Int
    var protocolName: String
    var loops = 1

    init?(_ arguments: [String]) {
        guard arguments.count >= 5, let total = Int(arguments[2]), let concurrency = Int(arguments[3]),
              total > 0, concurrency > 0, ["h1", "h2c", "h2"].contains(arguments[4]) else { return nil }
        url = arguments[1]
        self.total = total
        self.concurrency = concurrency
        protocolName = arguments[4]
        if arguments.count > 5, let loops = Int(arguments[5]), loops > 0 { self.loops = loops }
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
    FileHandle.standardError.write(Data("usage: CurlewClient URL N C h1|h2c|h2 [LOOPS]\n".utf8))
    exit(2)
}

// One socket per request at most (HTTP/1.1 with C in flight), plus the process's own.
var limit = rlimit()
if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max {
    limit.rlim_cur = limit.rlim_max
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}

let trace = ProcessInfo.processInfo.environment["CURLEW_BENCH_TRACE"] != nil
let onLoop = ProcessInfo.processInfo.environment["CURLEW_EXECUTOR"] == "loop"
var configuration = HTTPClientConfiguration()
configuration.proxy = .none
configuration.redirects = .disallow
configuration.decompression = false
configuration.tls.caFile = ProcessInfo.processInfo.environment["BENCH_CAFILE"]
configuration.maxConnectionsPerHost = arguments.protocolName == "h1" ? arguments.concurrency : 4
configuration.maxIdleConnections = max(configuration.maxIdleConnections, arguments.concurrency)
configuration.loopCount = arguments.loops
if let size = ProcessInfo.processInfo.environment["CURLEW_BUFFER"].flatMap(Int.init) { configuration.receiveBufferSize = size }
configuration.httpVersion = arguments.protocolName == "h1" ? .http1Only : .http2PriorKnowledge

let client = try HTTPClient(configuration: configuration)
let next = Mutex(0)

/// One URL per loop: the given one, and the same with other loopback addresses whose origins
/// land on the other loops.
func urlsPerLoop() -> [String] {
    guard arguments.loops > 1, arguments.url.contains("127.0.0.1") else { return [arguments.url] }
    var chosen: [(url: String, loop: AnyObject)] = []
    for host in ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"] {
        let url = arguments.url.replacingOccurrences(of: "127.0.0.1", with: host)
        let loop = client.taskExecutor(for: url) as AnyObject
        if !chosen.contains(where: { $0.loop === loop }) { chosen.append((url, loop)) }
        if chosen.count == arguments.loops { break }
    }
    return chosen.map(\.url)
}
let urls = urlsPerLoop()
let baseRSS = statusKiB("VmRSS")
let start = ContinuousClock.now
let (latencies, bytes, failures) = await withTaskGroup(of: ([Double], Int, Int).self) { group in
    for index in 0..<min(arguments.concurrency, arguments.total) {
        let url = urls[index % urls.count]
        group.addTask(executorPreference: onLoop ? client.taskExecutor(for: url) : nil) {
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
                    let response = try await client.get(url)
                    if response.head.status.code != 200 { failures += 1 }
                    for try await chunk in response.body { bytes += chunk.count }
                    if trace, let metrics = response.body.metrics, seconds(ContinuousClock.now - began) > 0.005 {
                        print(String(format: "slow: wall %.2f ms libcurl total %.2f ms connect %.2f firstbyte %.2f reused %d",
                                     seconds(ContinuousClock.now - began) * 1000, metrics.total * 1000,
                                     metrics.connect * 1000, metrics.firstByte * 1000, metrics.connectionReused ? 1 : 0))
                    }
                } catch {
                    failures += 1
                    if trace { print("failed: \(error)") }
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
await client.shutdown()
let sorted = latencies.sorted()
func percentile(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000 }
print(String(format: "client=%@ proto=%@ c=%d n=%d ok=%d failures=%d seconds=%.3f rps=%.1f mibps=%.2f p50_ms=%.3f p99_ms=%.3f rss_kib=%d base_rss_kib=%d",
             (onLoop ? "curlew-loop" : "curlew") + (arguments.loops > 1 ? "-\(urls.count)loops" : ""), arguments.protocolName, arguments.concurrency, arguments.total, arguments.total - failures, failures, elapsed,
             Double(arguments.total) / elapsed, Double(bytes) / elapsed / 1_048_576, percentile(0.5), percentile(0.99),
             peakRSS, baseRSS))
