import Foundation
import Instrumentation
import Logging
import Synchronization
import Tracing

/// A tracer for the example: W3C trace context (`traceparent`) propagated in and out, each
/// finished span logged with its attributes. In production, bootstrap swift-otel's tracer
/// here instead; nothing else in the service changes.
struct LogTracer: Tracer {
    let logger: Logger

    func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> ServiceContext, ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant, function: String, file fileID: String, line: UInt
    ) -> LogSpan {
        var context = context()
        let parent = context.traceContext
        let own = TraceContext(traceID: parent?.traceID ?? Self.hex(16), spanID: Self.hex(8))
        context.traceContext = own
        return LogSpan(operationName: operationName, kind: kind, context: context, parentSpanID: parent?.spanID, logger: logger)
    }

    func forceFlush() {}

    func inject<Carrier, Inject: Injector>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
    where Inject.Carrier == Carrier {
        guard let trace = context.traceContext else { return }
        injector.inject("00-\(trace.traceID)-\(trace.spanID)-01", forKey: "traceparent", into: &carrier)
    }

    func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
    where Extract.Carrier == Carrier {
        guard let value = extractor.extract(key: "traceparent", from: carrier) else { return }
        let parts = value.split(separator: "-")
        guard parts.count == 4, parts[1].count == 32, parts[2].count == 16 else { return }
        context.traceContext = TraceContext(traceID: String(parts[1]), spanID: String(parts[2]))
    }

    /// `bytes` random bytes as lower-case hex.
    static func hex(_ bytes: Int) -> String {
        (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }
}

/// A W3C trace and span id, carried in the `ServiceContext`.
struct TraceContext: Sendable {
    var traceID: String
    var spanID: String
}

private enum TraceContextKey: ServiceContextKey {
    typealias Value = TraceContext
}

extension ServiceContext {
    var traceContext: TraceContext? {
        get { self[TraceContextKey.self] }
        set { self[TraceContextKey.self] = newValue }
    }
}

/// A span that logs itself when it ends.
final class LogSpan: Span {
    let context: ServiceContext
    let kind: SpanKind
    let parentSpanID: String?
    private let logger: Logger
    private let state: Mutex<(name: String, attributes: SpanAttributes, status: SpanStatus?, errors: [String])>

    init(operationName: String, kind: SpanKind, context: ServiceContext, parentSpanID: String?, logger: Logger) {
        self.context = context
        self.kind = kind
        self.parentSpanID = parentSpanID
        self.logger = logger
        state = Mutex((operationName, [:], nil, []))
    }

    var operationName: String {
        get { state.withLock { $0.name } }
        set { state.withLock { $0.name = newValue } }
    }

    var attributes: SpanAttributes {
        get { state.withLock { $0.attributes } }
        set { state.withLock { $0.attributes = newValue } }
    }

    var isRecording: Bool { true }

    func setStatus(_ status: SpanStatus) { state.withLock { $0.status = status } }
    func addEvent(_ event: SpanEvent) {}
    func addLink(_ link: SpanLink) {}

    func recordError<Instant: TracerInstant>(_ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant) {
        state.withLock { $0.errors.append("\(error)") }
    }

    func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        let (name, attributes, status, errors) = state.withLock { ($0.name, $0.attributes, $0.status, $0.errors) }
        var metadata: Logger.Metadata = [
            "trace_id": "\(context.traceContext?.traceID ?? "")", "span_id": "\(context.traceContext?.spanID ?? "")",
            "parent_span_id": "\(parentSpanID ?? "")", "kind": "\(kind)",
        ]
        attributes.forEach { key, value in metadata[key] = "\(value)" }
        if let status { metadata["status"] = "\(status.code)" }
        if !errors.isEmpty { metadata["errors"] = "\(errors)" }
        logger.info("span \(name)", metadata: metadata)
    }
}
