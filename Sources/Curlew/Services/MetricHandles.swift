internal import CurlewLocks
internal import Metrics

/// One client's swift-metrics handles, made once per time series and reused. A request looks
/// up two small keys (its request series and its server's) instead of building six dimension
/// lists and asking the bootstrapped factory for six handles, which with a real backend means
/// six trips through its lock and lookup. At most ``limit`` series of each kind are kept; past
/// that (dimensions that keep changing, such as very many servers), handles are made per use.
final class MetricHandles: Sendable {
    static let limit = 4096

    /// What identifies a request's series: OpenTelemetry's request attributes.
    struct RequestKey: Hashable, Sendable {
        var method: String
        var address: String
        var port: Int
        var status: Int?
        var version: String?
        var error: String?
    }

    /// The handles of one request series.
    struct RequestSeries: Sendable {
        let duration: Timer
        let requestBodySize: Recorder
        let responseBodySize: Recorder
    }

    struct ServerKey: Hashable, Sendable {
        var address: String
        var port: Int
    }

    /// The handles of one server's connection series.
    struct ServerSeries: Sendable {
        let newConnections: Counter
        let reusedConnections: Counter
        let dnsLookup: Timer
        let connect: Timer
        let tlsHandshake: Timer
        let firstByte: Timer
        let tlsResumed: Counter
        let tlsFull: Counter
    }

    struct ActiveKey: Hashable, Sendable {
        var method: String
        var address: String
        var port: Int
    }

    private struct Tables: Sendable {
        var requests: [RequestKey: RequestSeries] = [:]
        var servers: [ServerKey: ServerSeries] = [:]
        var active: [ActiveKey: Meter] = [:]
    }

    private let tables = Locked(Tables())

    func request(_ key: RequestKey) -> RequestSeries {
        lookup(key, \.requests) {
            var dimensions = [("http.request.method", key.method), ("server.address", key.address), ("server.port", "\(key.port)")]
            if let status = key.status { dimensions.append(("http.response.status_code", "\(status)")) }
            if let version = key.version { dimensions.append(("network.protocol.version", version)) }
            if let error = key.error { dimensions.append(("error.type", error)) }
            typealias Name = RequestObservation.Name
            return RequestSeries(duration: Timer(label: Name.duration, dimensions: dimensions, preferredDisplayUnit: .seconds),
                                 requestBodySize: Recorder(label: Name.requestBodySize, dimensions: dimensions),
                                 responseBodySize: Recorder(label: Name.responseBodySize, dimensions: dimensions))
        }
    }

    func server(_ key: ServerKey) -> ServerSeries {
        lookup(key, \.servers) {
            let server = [("server.address", key.address), ("server.port", "\(key.port)")]
            typealias Name = RequestObservation.Name
            func timer(_ label: String, _ dimensions: [(String, String)] = server) -> Timer {
                Timer(label: label, dimensions: dimensions, preferredDisplayUnit: .seconds)
            }
            return ServerSeries(
                newConnections: Counter(label: Name.connections, dimensions: server + [("curlew.connection.reused", "false")]),
                reusedConnections: Counter(label: Name.connections, dimensions: server + [("curlew.connection.reused", "true")]),
                dnsLookup: timer(Name.dnsLookup, [("dns.question.name", key.address)]),
                connect: timer(Name.connect), tlsHandshake: timer(Name.tlsHandshake), firstByte: timer(Name.firstByte),
                tlsResumed: Counter(label: Name.tlsSessions, dimensions: server + [("curlew.tls.resumed", "true")]),
                tlsFull: Counter(label: Name.tlsSessions, dimensions: server + [("curlew.tls.resumed", "false")]))
        }
    }

    func activeRequests(_ key: ActiveKey) -> Meter {
        lookup(key, \.active) {
            Meter(label: RequestObservation.Name.activeRequests, dimensions: [
                ("http.request.method", key.method), ("server.address", key.address), ("server.port", "\(key.port)"),
            ])
        }
    }

    private func lookup<Key: Hashable, Value: Sendable>(_ key: Key, _ table: WritableKeyPath<Tables, [Key: Value]>, make: () -> Value) -> Value {
        if let found = tables.withLock({ $0[keyPath: table][key] }) { return found }
        // Made outside the lock: the factory may take locks of its own.
        let made = make()
        return tables.withLock { tables in
            if let found = tables[keyPath: table][key] { return found }
            guard tables[keyPath: table].count < Self.limit else { return made }
            tables[keyPath: table][key] = made
            return made
        }
    }
}
