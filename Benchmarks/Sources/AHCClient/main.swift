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
import BenchmarkSupport
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

let arguments = BenchmarkArguments.parse(program: "AHCClient")
if arguments.protocolName == "h2c" {
    unsupported(client: "ahc", protocolName: "h2c", because: "async-http-client speaks only HTTP/1.1 over plain http (no h2c)")
}
if arguments.protocolName == "h3" || arguments.protocolName == "ws" {
    unsupported(client: "ahc", protocolName: arguments.protocolName, because: "async-http-client 1.37.0 has no HTTP/3 and no WebSocket client")
}
if arguments.protocolName == "h2", !arguments.url.lowercased().hasPrefix("https://") {
    FileHandle.standardError.write(Data("AHCClient: h2 needs an https URL (HTTP/2 through ALPN)\n".utf8))
    exit(2)
}
raiseFileLimit()

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
let result = await runLoad(arguments) { _ in
    var bytes = 0
    do {
        // No deadline in CurlewClient either: this one only bounds a hung run.
        let response = try await client.execute(request, timeout: .seconds(300))
        for try await buffer in response.body { bytes += buffer.readableBytes }
        if response.status != .ok { return RequestOutcome(bytes: bytes, failure: "status \(response.status.code)") }
        // Measuring the wrong protocol would make the line a lie.
        if response.version != expectedVersion {
            return RequestOutcome(bytes: bytes, failure: "negotiated \(response.version), wanted \(expectedVersion)")
        }
        return RequestOutcome(bytes: bytes)
    } catch {
        return RequestOutcome(bytes: bytes, failure: "\(error)")
    }
}
do {
    // (Overload resolution picks the future-returning shutdown() here, so await its future.)
    try await client.shutdown().get()
} catch {
    FileHandle.standardError.write(Data("AHCClient: shutdown: \(error)\n".utf8))
}
result.reportFailures(program: "AHCClient")
print(result.line(client: "ahc", arguments))
