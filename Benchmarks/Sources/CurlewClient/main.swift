// Runs N requests at concurrency C against one URL with Curlew's HTTPClient, each reading the
// whole body, and prints one line: requests/s (or MiB/s), p50 and p99 latency, peak RSS.
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
        guard arguments.count >= 5, let total = Int(arguments[2]), let concurrency = Int(arguments[3]), total > 0, concurrency > 0 else { return nil }
        url = arguments[1]
        self.total = total
        self.concurrency = concurrency
        protocolName = arguments[4]
        if arguments.count > 5, let loops = Int(arguments[5]) { self.loops = loops }
    }
}

func peakRSSKiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? -1
    }
    return -1
}

guard let arguments = Arguments(CommandLine.arguments) else {
    FileHandle.standardError.write(Data("usage: curlew-client URL N C h1|h2c|h2 [LOOPS]\n".utf8))
    exit(2)
}

var configuration = HTTPClientConfiguration()
configuration.proxy = .none
configuration.tls.verifyPeer = false  // the benchmark's nginx uses a throwaway certificate
configuration.maxConnectionsPerHost = arguments.protocolName == "h1" ? arguments.concurrency : 4
configuration.loopCount = arguments.loops
switch arguments.protocolName {
case "h1": configuration.httpVersion = .http1Only
case "h2c", "h2": configuration.httpVersion = .http2PriorKnowledge
default:
    FileHandle.standardError.write(Data("unknown protocol \(arguments.protocolName)\n".utf8))
    exit(2)
}

let client = try HTTPClient(configuration: configuration)
let next = Mutex(0)
let start = ContinuousClock.now
let (latencies, bytes, failures) = await withTaskGroup(of: ([Double], Int, Int).self) { group in
    for _ in 0..<arguments.concurrency {
        group.addTask {
            var latencies: [Double] = []
            var bytes = 0
            var failures = 0
            while next.withLock({ value in
                guard value < arguments.total else { return false }
                value += 1
                return true
            }) {
                let began = ContinuousClock.now
                do {
                    let response = try await client.get(arguments.url)
                    for try await chunk in response.body { bytes += chunk.count }
                    if ProcessInfo.processInfo.environment["CURLEW_BENCH_TRACE"] != nil, let metrics = response.body.metrics {
                        let wall = ContinuousClock.now - began
                        let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
                        if wallSeconds > 0.005 {
                            print(String(format: "slow: wall %.2f ms libcurl total %.2f ms connect %.2f firstbyte %.2f reused %d", wallSeconds * 1000, metrics.total * 1000, metrics.connect * 1000, metrics.firstByte * 1000, metrics.connectionReused ? 1 : 0))
                        }
                    }
                } catch {
                    failures += 1
                }
                let elapsed = ContinuousClock.now - began
                latencies.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
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
let elapsed = ContinuousClock.now - start
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
await client.shutdown()
let sorted = latencies.sorted()
func percentile(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000 }
let rate = Double(arguments.total) / seconds
let mibPerSecond = Double(bytes) / seconds / 1_048_576
print(String(format: "curlew %@ C=%d N=%d: %.0f req/s %.1f MiB/s p50 %.2f ms p99 %.2f ms rss %d KiB failures %d",
             arguments.protocolName, arguments.concurrency, arguments.total, rate, mibPerSecond,
             percentile(0.5), percentile(0.99), peakRSSKiB(), failures))
