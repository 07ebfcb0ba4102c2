// `CurlewClient URL N C h1|h2c|h2|h3|ws [LOOPS]`: N requests at concurrency C with Curlew's
// HTTPClient, C tasks in a task group each awaiting requests and reading the whole body; h3 is
// HTTP/3 only; ws is N echoes of a 64-byte text message over C WebSockets opened before the
// clock starts, each task sending on its own socket and awaiting the echo.
// Prints the matrix's one line (see Benchmarks/README.md). BENCH_CAFILE names the PEM to trust
// for https; CURLEW_BENCH_TRACE=1 also prints every request slower than 5 ms with libcurl's
// own timings. CURLEW_EXECUTOR=loop runs the tasks on the client's loop thread
// (`HTTPClient.taskExecutor`) and names the client `curlew-loop`. With LOOPS above 1 the
// requests are spread over origins that differ only in their loopback address (127.0.0.1 to
// 127.0.0.4, which the benchmark's nginx all listens on), one per loop, since each origin is
// pinned to one loop; the client is then named `curlew-Nloops`.
import BenchmarkSupport
import Curlew
import Foundation
import LibCurl

let arguments = BenchmarkArguments.parse(program: "CurlewClient", extraName: "LOOPS")
let loops = arguments.extra ?? 1
raiseFileLimit()

let environment = ProcessInfo.processInfo.environment
let trace = environment["CURLEW_BENCH_TRACE"] != nil
let onLoop = environment["CURLEW_EXECUTOR"] == "loop"
/// CURLEW_BENCH_OBSERVED=1: metrics and tracing on (with no backend bootstrapped, the cost of
/// Curlew's own recording), named `curlew-observed`.
let observed = environment["CURLEW_BENCH_OBSERVED"] != nil
var configuration = HTTPClientConfiguration()
configuration.proxy = .none
configuration.redirects = .disallow
configuration.decompression = false
configuration.tls.caFile = environment["BENCH_CAFILE"]
configuration.maxConnectionsPerHost = arguments.protocolName == "h1" ? arguments.concurrency : 4
configuration.maxIdleConnections = max(configuration.maxIdleConnections, arguments.concurrency)
configuration.loopCount = loops
if arguments.protocolName == "h3" && !CurlVersion.current.supportsHTTP3 {
    unsupported(client: onLoop ? "curlew-loop" : "curlew", protocolName: "h3", because: "libcurl \(CurlVersion.current.version) has no HTTP/3")
}
switch arguments.protocolName {
case "h1", "ws": configuration.httpVersion = .http1Only
case "h3": configuration.httpVersion = .http3Only
default: configuration.httpVersion = .http2PriorKnowledge
}
configuration.metricsEnabled = observed
configuration.tracingEnabled = observed
let client = try HTTPClient(configuration: configuration)
if arguments.protocolName == "ws" {
    await echoLoad(client, arguments, name: onLoop ? "curlew-loop" : "curlew", onLoop: onLoop)
    exit(0)
}

/// One URL per loop: the given one, and the same with other loopback addresses whose origins
/// land on the other loops.
func urlsPerLoop() -> [String] {
    guard loops > 1, arguments.url.contains("127.0.0.1") else { return [arguments.url] }
    var chosen: [(url: String, loop: AnyObject)] = []
    for host in ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"] {
        let url = arguments.url.replacingOccurrences(of: "127.0.0.1", with: host)
        let loop = client.taskExecutor(for: url) as AnyObject
        if !chosen.contains(where: { $0.loop === loop }) { chosen.append((url, loop)) }
        if chosen.count == loops { break }
    }
    return chosen.map(\.url)
}
let urls = urlsPerLoop()

let result = await runLoad(arguments, executor: { onLoop ? client.taskExecutor(for: urls[$0 % urls.count]) : nil }) { worker in
    let began = ContinuousClock.now
    var bytes = 0
    do {
        let response = try await client.get(urls[worker % urls.count])
        for try await chunk in response.body { bytes += chunk.count }
        if trace, let metrics = response.body.metrics, seconds(ContinuousClock.now - began) > 0.005 {
            print(String(format: "slow: wall %.2f ms libcurl total %.2f ms connect %.2f firstbyte %.2f reused %d",
                         seconds(ContinuousClock.now - began) * 1000, metrics.total * 1000,
                         metrics.connect * 1000, metrics.firstByte * 1000, metrics.connectionReused ? 1 : 0))
        }
        return RequestOutcome(bytes: bytes, failure: response.status.code == 200 ? nil : "status \(response.status.code)")
    } catch {
        if trace { print("failed: \(error)") }
        return RequestOutcome(bytes: bytes, failure: "\(error)")
    }
}
await client.shutdown()
result.reportFailures(program: "CurlewClient")
print(result.line(client: (onLoop ? "curlew-loop" : observed ? "curlew-observed" : "curlew") + (loops > 1 ? "-\(urls.count)loops" : ""), arguments))
