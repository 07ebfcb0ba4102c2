public import HTTPTypes
public import Logging
internal import CurlewLocks
internal import Foundation

/// An HTTP client on libcurl: one or more libev loop threads drive libcurl's multi interface,
/// and each request is awaited through a continuation that its loop resumes exactly once.
///
/// ```swift
/// let client = try HTTPClient()
/// let response = try await client.get("https://example.org/")
/// let body = try await response.body.collect(upTo: 1 << 20)
/// await client.shutdown()
/// ```
///
/// A client shares one libcurl share handle (DNS cache and TLS sessions) across all its loops.
/// Each origin (scheme, host, port) is pinned to one loop, so its connections and HTTP/2 streams
/// are reused. Call ``shutdown(gracePeriod:)`` when done, or use
/// ``withHTTPClient(configuration:isolation:_:)``.
public final class HTTPClient: Sendable {
    /// The configuration the client was made with.
    public let configuration: HTTPClientConfiguration
    /// The loops and share beneath; `nil` only for a ``shared`` client that could not start.
    let engine: Engine?
    let startupError: HTTPClientError?
    /// What every request of this client gets, worked out once.
    let requestDefaults: TransferRequest.Defaults
    /// The swift-metrics handles of its requests, when metrics are on.
    let metricHandles: MetricHandles?
    private let state = Locked(State())

    private struct State {
        var shutDown = false
    }

    /// Whether ``shutdown(gracePeriod:)`` was called.
    var isShutDown: Bool { state.withLock { $0.shutDown } }

    static let silentLogger = Logger(label: "curlew", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A client with the default configuration for scripts and tools, started on first use and
    /// never shut down. Requests on it throw if its loop could not start.
    public static let shared: HTTPClient = {
        do {
            return try HTTPClient()
        } catch {
            return HTTPClient(failed: (error as? HTTPClientError) ?? HTTPClientError(.other, "\(error)"))
        }
    }()

    /// Starts a client: its share handle and `configuration.loopCount` loop threads.
    /// - Throws: ``HTTPClientError``: ``HTTPClientError/Kind/invalidConfiguration`` naming the
    ///   field when the configuration is out of range (see ``HTTPClientConfiguration``), or
    ///   another kind when libcurl or libev cannot start or the CA bundle cannot be written.
    public init(configuration: HTTPClientConfiguration = HTTPClientConfiguration()) throws(HTTPClientError) {
        try configuration.validate()
        self.configuration = configuration
        let engine = try Engine(configuration: configuration)
        self.engine = engine
        startupError = nil
        requestDefaults = Self.defaults(configuration, engine)
        metricHandles = configuration.metricsEnabled ? MetricHandles() : nil
    }

    private init(failed error: HTTPClientError) {
        configuration = HTTPClientConfiguration()
        engine = nil
        startupError = error
        requestDefaults = Self.defaults(configuration, nil)
        metricHandles = nil
    }

    deinit {
        // A client dropped without shutdown: end its loops so their threads do not outlive it.
        if !state.withLock({ $0.shutDown }) { engine?.stopWithoutWaiting() }
    }

    // MARK: - Running tasks on a loop

    /// An executor that runs tasks on the client's (first) loop thread, between libcurl's events.
    ///
    /// A task that prefers it sends its requests and takes their responses on the thread that
    /// drives them, so no request crosses a thread: the least CPU and context switches per
    /// request, and the fastest way to make requests one after another. With many in flight
    /// it is not faster than the default on every load (one thread then does all the work):
    /// measure yours (README, Performance).
    /// The price is that its code runs on the loop: while it runs, no transfer of that loop
    /// makes progress. Give it short, non-blocking work (parsing, bookkeeping, awaiting) and
    /// move anything heavy to another task.
    ///
    /// ```swift
    /// try await withThrowingTaskGroup(of: Void.self) { group in
    ///     for url in urls {
    ///         group.addTask(executorPreference: client.taskExecutor) {
    ///             let response = try await client.get(url)
    ///             for try await chunk in response.body { consume(chunk) }
    ///         }
    ///     }
    ///     try await group.waitForAll()
    /// }
    /// ```
    ///
    /// After ``shutdown(gracePeriod:)`` such tasks go on running, on Dispatch's global queue.
    /// With several loops, use ``taskExecutor(for:)``.
    public var taskExecutor: any TaskExecutor { engine?.loops.first ?? globalConcurrentExecutor }

    /// The executor of the loop that serves `url`'s origin (each origin is pinned to one loop):
    /// see ``taskExecutor``. An invalid URL gets the first loop's.
    public func taskExecutor(for url: String) -> any TaskExecutor {
        guard let engine, engine.hasSeveralLoops, let request = try? Self.request(.get, url),
              let transferRequest = try? transferRequest(request, body: .none, timeout: nil, redirects: nil)
        else { return taskExecutor }
        return engine.loop(for: transferRequest.originKey)
    }

    // MARK: - Requests

    /// Sends `request` and returns when the final response head is known (1xx heads and
    /// followed redirects are skipped); the body streams after it.
    ///
    /// - Parameters:
    ///   - request: Method, scheme, authority, path and header fields. Only `http` and `https`.
    ///   - body: The request body.
    ///   - timeout: The limit of each attempt, body included; defaults to the configuration's.
    ///   - redirects: Overrides the configuration's redirect policy for this request.
    ///   - options: Retries, credentials, cookies and progress for this request.
    ///   - logger: Where to log this request; silent by default.
    /// - Throws: ``HTTPClientError``; invalid input throws before anything is sent, and task
    ///   cancellation ends the request with ``HTTPClientError/Kind/cancelled``.
    public nonisolated(nonsending) func execute(
        _ request: HTTPRequest,
        body: HTTPClientRequestBody = .none,
        timeout: Duration? = nil,
        redirects: HTTPClientConfiguration.RedirectPolicy? = nil,
        options: HTTPClientRequestOptions = HTTPClientRequestOptions(),
        logger: Logger? = nil
    ) async throws -> HTTPClientResponse {
        try await Self.response(to: start(TransferRequest.Target(request), body: body, timeout: timeout, redirects: redirects,
                                          options: options, logger: logger))
    }

    /// GETs `url`.
    public nonisolated(nonsending) func get(
        _ url: String, headers: HTTPFields = [:], timeout: Duration? = nil, options: HTTPClientRequestOptions = HTTPClientRequestOptions(),
        logger: Logger? = nil
    ) async throws -> HTTPClientResponse {
        try await Self.response(to: startGet(url, headers: headers, timeout: timeout, options: options, logger: logger))
    }

    /// POSTs `body` to `url`.
    public func post(_ url: String, body: some Collection<UInt8>, headers: HTTPFields = [:], timeout: Duration? = nil, logger: Logger? = nil) async throws -> HTTPClientResponse {
        try await execute(try Self.request(.post, url, headers: headers), body: .bytes(body), timeout: timeout, logger: logger)
    }

    /// POSTs `value` encoded as JSON to `url`, with `Content-Type: application/json`.
    public func post(_ url: String, json value: some Encodable, headers: HTTPFields = [:], timeout: Duration? = nil, logger: Logger? = nil) async throws -> HTTPClientResponse {
        let data: Data
        do {
            data = try JSONEncoder().encode(value)
        } catch {
            throw HTTPClientError.invalidRequest("the JSON body cannot be encoded: \(error)")
        }
        var fields = headers
        if fields[.contentType] == nil { fields[.contentType] = "application/json" }
        return try await execute(try Self.request(.post, url, headers: fields), body: .bytes(data), timeout: timeout, logger: logger)
    }

    // MARK: - Shutdown

    /// Stops the client: new requests fail with ``HTTPClientError/Kind/shutdown``; requests in
    /// flight get up to `gracePeriod` to finish, then fail with the same error. Idempotent.
    public func shutdown(gracePeriod: Duration = .seconds(5)) async {
        let first = state.withLock { state in
            defer { state.shutDown = true }
            return !state.shutDown
        }
        guard first else { return }
        await engine?.shutdown(grace: TimeLimit.graceSeconds(gracePeriod))
    }

    /// The loops' counts, added up (for tests and diagnostics).
    func statistics() async -> LoopStatistics {
        await engine?.statistics() ?? LoopStatistics()
    }

    private static func defaults(_ configuration: HTTPClientConfiguration, _ engine: Engine?) -> TransferRequest.Defaults {
        TransferRequest.Defaults(
            configuration: configuration, caFile: engine?.caFile,
            needsOriginKey: (engine?.hasSeveralLoops ?? false) || configuration.httpVersion == .http2PriorKnowledge,
            environment: ProcessInfo.processInfo.environment)
    }

    /// Checks `request` and makes the transfer's request from it and the client's defaults.
    func transferRequest(
        _ request: HTTPRequest, body: HTTPClientRequestBody, timeout: Duration?,
        redirects: HTTPClientConfiguration.RedirectPolicy?, options: HTTPClientRequestOptions = HTTPClientRequestOptions()
    ) throws(HTTPClientError) -> TransferRequest {
        try TransferRequest(request, body: body, timeout: timeout, redirects: redirects, options: options, defaults: requestDefaults)
    }
}
