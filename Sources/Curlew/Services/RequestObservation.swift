internal import CurlewLocks
internal import HTTPTypes
internal import Instrumentation
internal import Metrics
internal import Tracing

/// What one request reports to swift-metrics and swift-distributed-tracing, when
/// ``HTTPClientConfiguration/metricsEnabled`` or ``HTTPClientConfiguration/tracingEnabled``
/// asks for it: made by `execute` (which starts the span and injects its context into the
/// request's fields), told of the head and of the end by the transfer, which may be on the loop
/// thread. A client with both off makes none, so the request path pays one `nil` check.
///
/// Names and attributes follow OpenTelemetry's HTTP client semantic conventions where they
/// define one (`http.client.request.duration`, `http.client.active_requests`,
/// `http.client.request.body.size`, `http.client.response.body.size`, `dns.lookup.duration`);
/// the libcurl timings they do not name are `curlew.`-prefixed.
final class RequestObservation: Sendable {
    /// The metric names.
    enum Name {
        static let duration = "http.client.request.duration"
        static let activeRequests = "http.client.active_requests"
        static let requestBodySize = "http.client.request.body.size"
        static let responseBodySize = "http.client.response.body.size"
        static let dnsLookup = "dns.lookup.duration"
        static let connect = "curlew.http.client.connect.duration"
        static let tlsHandshake = "curlew.http.client.tls_handshake.duration"
        static let firstByte = "curlew.http.client.time_to_first_byte"
        static let connections = "curlew.http.client.connections"
        static let tlsSessions = "curlew.http.client.tls.sessions"
    }

    private struct State: Sendable {
        var status: Int?
        var version: HTTPClientResponse.Version?
        var finished = false
    }

    private let span: (any Span)?
    private let recordsMetrics: Bool
    private let method: String
    private let address: String
    private let port: Int
    private let activeRequests: Meter?
    private let state = Locked(State())

    /// Starts observing `request` (absolute: scheme and authority set). With tracing on, a client
    /// span starts in the current `ServiceContext` and its context is injected into `fields`.
    /// Attempts made before this one (retries), counted in `http.request.resend_count`.
    private let priorAttempts: Int

    /// The client's metric handles, when metrics are on.
    private let handles: MetricHandles?

    init(_ request: TransferRequest.Target, url: String, id: HTTPClientRequestID, metrics handles: MetricHandles?, tracing: Bool,
         priorAttempts: Int = 0, fields: inout HTTPFields) {
        self.priorAttempts = priorAttempts
        self.handles = handles
        let metrics = handles != nil
        method = request.method.rawValue
        (address, port) = Self.server(of: request)
        recordsMetrics = metrics
        if tracing {
            let span = InstrumentationSystem.tracer.startSpan(method, context: ServiceContext.current ?? .topLevel, ofKind: .client)
            span.attributes["http.request.method"] = method
            span.attributes["server.address"] = address
            span.attributes["server.port"] = port
            span.attributes["url.full"] = url
            span.attributes["curlew.request.id"] = id.description
            InstrumentationSystem.instrument.inject(span.context, into: &fields, using: HTTPFieldsInjector())
            self.span = span
        } else {
            span = nil
        }
        if let handles {
            let meter = handles.activeRequests(.init(method: method, address: address, port: port))
            meter.increment()
            activeRequests = meter
        } else {
            activeRequests = nil
        }
    }

    /// The final head arrived.
    func headArrived(status: Int, version: HTTPClientResponse.Version) {
        state.withLock {
            $0.status = status
            $0.version = version
        }
    }

    /// The request ended, with `error` or not; only the first call counts.
    func finished(_ error: HTTPClientError?, metrics: HTTPClientMetrics?) {
        let head = state.withLock { state -> State? in
            guard !state.finished else { return nil }
            state.finished = true
            return state
        }
        guard let head else { return }
        let version = head.version.map(Self.protocolVersion)
        if let span {
            if let status = head.status { span.attributes["http.response.status_code"] = status }
            if let version { span.attributes["network.protocol.version"] = version }
            let resends = (metrics?.redirectCount ?? 0) + priorAttempts
            if resends > 0 { span.attributes["http.request.resend_count"] = resends }
            if let error {
                span.attributes["error.type"] = error.kind.rawValue
                span.recordError(error)
                span.setStatus(SpanStatus(code: .error, message: error.message))
            } else if let status = head.status, status >= 400 {
                span.attributes["error.type"] = "\(status)"
                span.setStatus(SpanStatus(code: .error))
            }
            span.end()
        }
        guard recordsMetrics else { return }
        activeRequests?.decrement()
        record(error, head: head, version: version, metrics: metrics)
    }

    private func record(_ error: HTTPClientError?, head: State, version: String?, metrics: HTTPClientMetrics?) {
        guard let handles else { return }
        var errorType: String?
        if let error {
            errorType = error.kind.rawValue
        } else if let status = head.status, status >= 400 {
            errorType = "\(status)"
        }
        let series = handles.request(.init(method: method, address: address, port: port, status: head.status, version: version, error: errorType))
        guard let metrics else {
            // Ended before libcurl had timings (refused before sending, cancelled in line).
            series.duration.recordNanoseconds(0)
            return
        }
        series.duration.recordSeconds(metrics.total)
        series.requestBodySize.record(metrics.bodyBytesSent)
        series.responseBodySize.record(metrics.bodyBytesReceived)
        let server = handles.server(.init(address: address, port: port))
        if metrics.connectionReused {
            server.reusedConnections.increment()
        } else {
            server.newConnections.increment()
            if metrics.nameLookup > 0 { server.dnsLookup.recordSeconds(metrics.nameLookup) }
            server.connect.recordSeconds(metrics.connect)
            if metrics.tlsHandshake > 0 { server.tlsHandshake.recordSeconds(metrics.tlsHandshake - metrics.connect) }
        }
        if metrics.firstByte > 0 { server.firstByte.recordSeconds(metrics.firstByte) }
        if let resumed = metrics.tlsSessionResumed {
            (resumed ? server.tlsResumed : server.tlsFull).increment()
        }
    }

    /// `network.protocol.version`'s values: `1.0`, `1.1`, `2`, `3`.
    private static func protocolVersion(_ version: HTTPClientResponse.Version) -> String {
        switch version {
        case .http1_0: return "1.0"
        case .http1_1: return "1.1"
        case .http2: return "2"
        case .http3: return "3"
        }
    }

    /// The host (brackets of an IPv6 literal removed) and port of an absolute request.
    static func server(of request: TransferRequest.Target) -> (String, Int) {
        let authority = request.authority ?? ""
        let defaultPort = request.scheme?.lowercased() == "https" ? 443 : 80
        let hostPart = authority.split(separator: "@").last.map(String.init) ?? authority
        if hostPart.hasPrefix("["), let close = hostPart.firstIndex(of: "]") {
            let host = String(hostPart[hostPart.index(after: hostPart.startIndex)..<close])
            let rest = hostPart[hostPart.index(after: close)...]
            return (host, rest.hasPrefix(":") ? Int(rest.dropFirst()) ?? defaultPort : defaultPort)
        }
        if let colon = hostPart.lastIndex(of: ":"), let port = Int(hostPart[hostPart.index(after: colon)...]) {
            return (String(hostPart[..<colon]), port)
        }
        return (hostPart, defaultPort)
    }
}

/// Writes a tracing context into request header fields (W3C `traceparent`, …).
struct HTTPFieldsInjector: Injector {
    func inject(_ value: String, forKey key: String, into fields: inout HTTPFields) {
        guard let name = HTTPField.Name(key) else { return }
        fields[name] = value
    }
}

extension Timer {
    /// Records `seconds` as nanoseconds (clamped at 0).
    func recordSeconds(_ seconds: Double) {
        recordNanoseconds(Int64(max(0, seconds) * 1_000_000_000))
    }
}

/// `http.client.open_connections` for one loop, by `http.connection.state`: `active` are the
/// sockets libcurl watches for transfers now, `idle` the rest of those open (pooled). Updated
/// when a request ends, when metrics are on.
struct OpenConnectionMeters {
    static let label = "http.client.open_connections"
    private let active: Meter
    private let idle: Meter

    init(loop: String) {
        active = Meter(label: Self.label, dimensions: [("http.connection.state", "active"), ("curlew.loop", loop)])
        idle = Meter(label: Self.label, dimensions: [("http.connection.state", "idle"), ("curlew.loop", loop)])
    }

    func update(open: Int, active activeCount: Int) {
        let inUse = min(open, activeCount)
        active.set(inUse)
        idle.set(max(0, open - inUse))
    }
}
