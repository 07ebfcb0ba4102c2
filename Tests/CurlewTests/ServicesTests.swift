@testable import Curlew
import CurlewLocks
import CurlewTestSupport
import Foundation
import HTTPTypes
import InMemoryTracing
import Instrumentation
import Logging
import Metrics
import MetricsTestKit
import ServiceLifecycle
import Testing
import Tracing

/// The test process's metrics and tracing backends, bootstrapped once (both systems allow one
/// bootstrap per process): MetricsTestKit's `TestMetrics`, and an in-memory tracer whose
/// instrument writes a W3C `traceparent` field.
let observability: (metrics: TestMetrics, tracer: W3CTestTracer) = {
    let metrics = TestMetrics()
    MetricsSystem.bootstrap(metrics)
    let tracer = W3CTestTracer()
    InstrumentationSystem.bootstrap(tracer)
    return (metrics, tracer)
}()

/// InMemoryTracer with W3C-shaped ids (32 and 16 hex digits), injecting `traceparent`.
struct W3CTestTracer: Tracer {
    let inner = InMemoryTracer(idGenerator: .init(
        nextTraceID: { (0..<32).map { _ in String(Int.random(in: 0..<16), radix: 16) }.joined() },
        nextSpanID: { (0..<16).map { _ in String(Int.random(in: 0..<16), radix: 16) }.joined() }))

    func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> ServiceContext, ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant, function: String, file fileID: String, line: UInt
    ) -> InMemorySpan {
        inner.startSpan(operationName, context: context(), ofKind: kind, at: instant(), function: function, file: fileID, line: line)
    }

    func forceFlush() {}

    func inject<Carrier, Inject: Injector>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
    where Inject.Carrier == Carrier {
        guard let span = context.inMemorySpanContext else { return }
        injector.inject("00-\(span.traceID)-\(span.spanID)-01", forKey: "traceparent", into: &carrier)
    }

    func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
    where Extract.Carrier == Carrier {}
}

/// Log entries a test reads back.
final class CapturedLogs: Sendable {
    let entries = Locked<[(String, Logger.Metadata)]>([])

    var logger: Logger {
        var logger = Logger(label: "curlew.test") { _ in CapturingHandler(logs: self) }
        logger.logLevel = .debug
        return logger
    }

    struct CapturingHandler: LogHandler {
        let logs: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            logs.entries.withLock { $0.append(("\(event.message)", metadata.merging(event.metadata ?? [:]) { $1 })) }
        }
    }
}

@Suite("ServiceLifecycle, metrics, tracing and request ids", .serialized, .timeLimit(.minutes(2)))
struct ServicesTests {
    let httpbin: Httpbin

    init() async throws {
        httpbin = try await Httpbin.shared()
        _ = observability
    }

    func client(_ configure: (inout HTTPClientConfiguration) -> Void = { _ in }) throws -> HTTPClient {
        var configuration = HTTPClientConfiguration()
        configuration.proxy = .none
        configure(&configuration)
        return try HTTPClient(configuration: configuration)
    }

    func dimensionsMatch(_ dimensions: [(String, String)], _ expected: [String: String]) -> Bool {
        let have = Dictionary(dimensions, uniquingKeysWith: { $1 })
        return expected.allSatisfy { have[$0.key] == $0.value }
    }

    @Test("metrics: request duration with OpenTelemetry's attributes, active requests, body sizes, connections, timings")
    func metrics() async throws {
        let client = try client { $0.metricsEnabled = true }
        let port = "\(httpbin.port)"
        _ = try await client.get(httpbin.url("/get")).body.collect(upTo: 1 << 20)
        _ = try await client.post(httpbin.url("/post"), body: [UInt8](repeating: 7, count: 1000)).body.collect(upTo: 1 << 20)
        _ = try await client.get(httpbin.url("/status/503")).body.collect(upTo: 1 << 20)
        await client.shutdown()
        let metrics = observability.metrics
        let durations = metrics.timers(label: "http.client.request.duration").filter { dimensionsMatch($0.dimensions, ["server.port": port]) }
        let get = durations.first { dimensionsMatch($0.dimensions, [
            "http.request.method": "GET", "http.response.status_code": "200", "server.address": "127.0.0.1",
            "network.protocol.version": "1.1",
        ]) }
        #expect(get.map { $0.values.count >= 1 && $0.values.allSatisfy { $0 > 0 } } == true)
        #expect(durations.contains { dimensionsMatch($0.dimensions, ["http.request.method": "POST", "http.response.status_code": "200"]) })
        #expect(durations.contains { dimensionsMatch($0.dimensions, ["http.response.status_code": "503", "error.type": "503"]) })
        let sent = metrics.recorders(label: "http.client.request.body.size").filter {
            dimensionsMatch($0.dimensions, ["server.port": port, "http.request.method": "POST"])
        }
        #expect(sent.contains { $0.values.contains(1000) })
        let received = metrics.recorders(label: "http.client.response.body.size").filter { dimensionsMatch($0.dimensions, ["server.port": port]) }
        #expect(received.contains { $0.values.contains { $0 > 0 } })
        let active = metrics.meters(label: "http.client.active_requests").filter { dimensionsMatch($0.dimensions, ["server.port": port]) }
        #expect(!active.isEmpty)
        #expect(active.allSatisfy { $0.lastValue == 0 })  // up at each start, down at each end
        let connections = metrics.counters(label: "curlew.http.client.connections").filter { dimensionsMatch($0.dimensions, ["server.port": port]) }
        #expect(connections.reduce(0) { $0 + $1.totalValue } == 3)
        #expect(!metrics.timers(label: "curlew.http.client.connect.duration").filter { dimensionsMatch($0.dimensions, ["server.port": port]) }.isEmpty)
        #expect(!metrics.timers(label: "curlew.http.client.time_to_first_byte").filter { dimensionsMatch($0.dimensions, ["server.port": port]) }.isEmpty)
    }

    @Test("metrics: open connections, active while a request runs, idle in the pool after")
    func openConnections() async throws {
        let fault = try FaultServer()
        let client = try client { $0.metricsEnabled = true }
        // Four at once: four connections; then they sit idle in the pool.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 { group.addTask { _ = try await client.get(fault.url("/slow-body?bytes=20&delay_ms=10")).body.collect(upTo: 1 << 10) } }
            try await group.waitForAll()
        }
        let meters = observability.metrics.meters(label: "http.client.open_connections")
            .filter { dimensionsMatch($0.dimensions, ["curlew.loop": "curlew-loop-0"]) }
        let idle = meters.first { dimensionsMatch($0.dimensions, ["http.connection.state": "idle"]) }
        let active = meters.first { dimensionsMatch($0.dimensions, ["http.connection.state": "active"]) }
        // The last request to end saw the other three idle and itself done.
        #expect(idle?.lastValue == 4)
        #expect(active?.lastValue == 0)
        // While the first three ended, some were still active.
        #expect(active?.values.contains { $0 > 0 } == true)
        await client.shutdown()
        fault.stop()
    }

    @Test("metrics are off by default: a client that did not turn them on records nothing")
    func metricsOffByDefault() async throws {
        let fault = try FaultServer()
        let client = try client()
        _ = try await client.get(fault.url("/ok")).body.collect(upTo: 1 << 10)
        await client.shutdown()
        let port = "\(fault.port)"
        let all = observability.metrics.timers.map(\.dimensions) + observability.metrics.meters.map(\.dimensions)
            + observability.metrics.counters.map(\.dimensions) + observability.metrics.recorders.map(\.dimensions)
        #expect(!all.contains { dimensionsMatch($0, ["server.port": port]) })
        fault.stop()
    }

    @Test("tracing: a client span per request, traceparent injected, redirects and errors on the span")
    func tracing() async throws {
        let client = try client { $0.tracingEnabled = true }
        let tracer = observability.tracer
        let (parentTrace, parentSpan, echoed) = try await withSpan("parent") { parent in
            let response = try await client.get(httpbin.url("/headers"))
            let body = try await response.body.collect(upTo: 1 << 20)
            let json = try JSONSerialization.jsonObject(with: Data(body)) as? [String: [String: String]]
            let context = try #require(parent.context.inMemorySpanContext)
            return (context.traceID, context.spanID, json?["headers"]?["Traceparent"])
        }
        let spans = tracer.inner.finishedSpans.filter { $0.traceID == parentTrace && $0.kind == .client }
        let span = try #require(spans.first)
        #expect(spans.count == 1)
        #expect(span.operationName == "GET")
        #expect(span.parentSpanID == parentSpan)
        #expect(echoed == "00-\(parentTrace)-\(span.spanID)-01")
        #expect(span.attributes["http.response.status_code"]?.toSpanAttribute() == .int64(200))
        #expect(span.attributes["http.request.method"]?.toSpanAttribute() == .string("GET"))
        #expect(span.attributes["server.port"]?.toSpanAttribute() == .int64(Int64(httpbin.port)))

        tracer.inner.clearAll()
        _ = try await client.get(httpbin.url("/redirect/2")).body.collect(upTo: 1 << 20)
        let redirected = try #require(tracer.inner.finishedSpans.first { $0.kind == .client })
        #expect(redirected.attributes["http.request.resend_count"]?.toSpanAttribute() == .int64(2))

        tracer.inner.clearAll()
        let refused = "http://127.0.0.1:\(try unusedLoopbackPort())/"
        _ = await httpError { _ = try await client.get(refused) }
        let failed = try #require(tracer.inner.finishedSpans.first { $0.kind == .client })
        #expect(failed.status?.code == .error)
        #expect(failed.errors.count == 1)
        #expect(failed.attributes["error.type"]?.toSpanAttribute() == .string("connectionRefused"))
        await client.shutdown()
    }

    @Test("retries: a span per attempt with its resend count, one request id, a log line per retry")
    func retries() async throws {
        let fault = try await FaultServer.shared()
        var policy = HTTPClientRetryPolicy(maxAttempts: 3)
        policy.initialBackoff = .milliseconds(1)
        let client = try client {
            $0.tracingEnabled = true
            $0.retry = policy
        }
        let logs = CapturedLogs()
        observability.tracer.inner.clearAll()
        let response = try await client.get(fault.url("/flaky?key=\(UUID().uuidString)&fails=2&mode=503&retry_after=0"), logger: logs.logger)
        _ = try await response.body.collect(upTo: 1 << 20)
        #expect(response.attempts == 3)
        let spans = observability.tracer.inner.finishedSpans.filter {
            $0.kind == .client && $0.attributes["curlew.request.id"]?.toSpanAttribute() == .string(response.requestID.description)
        }
        #expect(spans.count == 3)
        let resends = spans.map { $0.attributes["http.request.resend_count"]?.toSpanAttribute() }
        #expect(resends.contains(nil) && resends.contains(.int64(1)) && resends.contains(.int64(2)))
        let statuses = spans.compactMap { $0.attributes["http.response.status_code"]?.toSpanAttribute() }
        #expect(statuses.filter { $0 == .int64(503) }.count == 2 && statuses.contains(.int64(200)))
        let retried = logs.entries.withLock { $0 }.filter { $0.0 == "retrying request" }
        #expect(retried.count == 2)
        #expect(retried.allSatisfy { "\($0.1["curlew.request.id"] ?? "")" == response.requestID.description })
        await client.shutdown()
    }

    @Test("one request id on the response, the request's log lines and its span")
    func requestID() async throws {
        let client = try client { $0.tracingEnabled = true }
        let logs = CapturedLogs()
        observability.tracer.inner.clearAll()
        let first = try await client.get(httpbin.url("/get"), logger: logs.logger)
        _ = try await first.body.collect(upTo: 1 << 20)
        let second = try await client.get(httpbin.url("/get"))
        _ = try await second.body.collect(upTo: 1 << 20)
        #expect(first.requestID != second.requestID)
        let logged = logs.entries.withLock { $0 }.compactMap { $0.1["curlew.request.id"].map { "\($0)" } }
        #expect(!logged.isEmpty)
        #expect(logged.allSatisfy { $0 == first.requestID.description })
        let ids = observability.tracer.inner.finishedSpans.compactMap { $0.attributes["curlew.request.id"]?.toSpanAttribute() }
        #expect(ids.contains(.string(first.requestID.description)))
        #expect(ids.contains(.string(second.requestID.description)))
        await client.shutdown()
    }

    /// Waits until the client's loop runs a transfer (not on the clock: a sanitizer's run is slow).
    func waitUntilInFlight(_ client: HTTPClient) async throws {
        while await client.statistics().transfers == 0 { try await Task.sleep(for: .milliseconds(10)) }
    }

    @Test("as a Service in a ServiceGroup: graceful shutdown drains requests in flight, then run() returns")
    func gracefulShutdown() async throws {
        let client = try client { $0.shutdownGracePeriod = 10 }
        let group = ServiceGroup(configuration: .init(services: [.init(service: client)], logger: Logger(label: "test")))
        let run = Task { try await group.run() }
        let inFlight = Task { try await client.get(httpbin.url("/delay/1")) }
        try await waitUntilInFlight(client)
        await group.triggerGracefulShutdown()
        let response = try await inFlight.value
        #expect(response.status == .ok)
        try await run.value
        #expect(await httpError { _ = try await client.get(httpbin.url("/get")) }?.kind == .shutdown)
    }

    @Test("as a Service: cancellation fails requests in flight with .shutdown")
    func cancellation() async throws {
        let client = try client { $0.shutdownGracePeriod = 30 }
        let group = ServiceGroup(configuration: .init(services: [.init(service: client)], logger: Logger(label: "test")))
        let run = Task { try await group.run() }
        let inFlight = Task { try await client.get(httpbin.url("/delay/10")) }
        try await waitUntilInFlight(client)
        run.cancel()
        let error = await httpError { _ = try await inFlight.value }
        #expect(error?.kind == .shutdown)
        _ = try? await run.value
    }
}
