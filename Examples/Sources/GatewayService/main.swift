// GatewayService: a small Hummingbird 2 service that calls a downstream HTTP service through
// Curlew, run under ServiceLifecycle with logging, metrics (Prometheus, at /metrics) and
// tracing (spans logged; see LogTracer.swift) bootstrapped: the way to embed Curlew in a service.
//
//   PORT=8080 DOWNSTREAM_URL=http://127.0.0.1:8081 swift run GatewayService
//
// Routes: GET /health; GET /quote/:id (GET DOWNSTREAM_URL/anything/quotes/:id through Curlew,
// answered with the downstream's status and body); GET /slow (DOWNSTREAM_URL/delay/2, for
// shutdown with a request in flight); GET /metrics (Prometheus text).
// SIGTERM or SIGINT: the server stops accepting, finishes what is in flight, then the client
// drains (shutdownGracePeriod) and the process exits 0.
import Curlew
import Foundation
import HTTPTypes
import Hummingbird
import Instrumentation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import Tracing

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
    return handler
}
let logger = Logger(label: "gateway")
let registry = PrometheusCollectorRegistry()
MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
InstrumentationSystem.bootstrap(LogTracer(logger: Logger(label: "gateway.spans")))

let environment = ProcessInfo.processInfo.environment
let port = environment["PORT"].flatMap(Int.init) ?? 8080
let downstream = environment["DOWNSTREAM_URL"] ?? "http://127.0.0.1:8081"

var configuration = HTTPClientConfiguration()
configuration.metricsEnabled = true
configuration.tracingEnabled = true
configuration.requestTimeout = 30
configuration.shutdownGracePeriod = 10
let client = try HTTPClient(configuration: configuration)

let router = Router()
// Each request logged, measured and traced; the handler's ServiceContext carries the server
// span, so Curlew's client spans are its children and the downstream gets its traceparent.
router.middlewares.add(LogRequestsMiddleware(.info))
router.middlewares.add(MetricsMiddleware())
router.middlewares.add(TracingMiddleware())
router.get("health") { _, _ in "ok" }
router.get("quote/:id") { _, context -> Response in
    let id = try context.parameters.require("id", as: Int.self)
    return try await forward("\(downstream)/anything/quotes/\(id)", logger: context.logger)
}
router.get("slow") { _, context -> Response in
    try await forward("\(downstream)/delay/2", logger: context.logger)
}
router.get("metrics") { _, _ -> Response in
    var text: [UInt8] = []
    registry.emit(into: &text)
    return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: text)))
}

/// GETs `url` through Curlew (in the request's span, so the downstream sees its traceparent)
/// and answers with its status and body.
func forward(_ url: String, logger: Logger) async throws -> Response {
    let response = try await client.get(url, logger: logger)
    let body = try await response.body.collect(upTo: 1 << 20)
    var headers = HTTPFields()
    headers[.contentType] = response.headerFields[.contentType] ?? "application/octet-stream"
    headers[HTTPField.Name("X-Curlew-Request-ID")!] = "\(response.requestID)"
    return Response(status: response.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
}

// The client is a service of the application's group, listed before the server: the group
// shuts services down in reverse order, so the server finishes its requests (which may still
// call downstream) before the client drains.
let app = Application(
    router: router,
    configuration: .init(address: .hostname("127.0.0.1", port: port)),
    services: [client],
    onServerRunning: { _ in logger.info("listening", metadata: ["port": "\(port)", "downstream": "\(downstream)"]) },
    logger: logger
)
try await app.runService()
logger.info("stopped")
