public import HTTPTypes
public import Logging
internal import Foundation
internal import LibCurl
internal import CurlewLocks

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
/// are reused. Call ``shutdown(gracePeriod:)`` when done, or use ``withHTTPClient(configuration:_:)``.
public final class HTTPClient: Sendable {
    /// The configuration the client was made with.
    public let configuration: HTTPClientConfiguration
    let loops: [EventLoop]
    let share: CurlShare?
    private let startupError: HTTPClientError?
    private let caFile: String?
    private let state = Locked(State())

    private struct State {
        var shutDown = false
    }

    private static let silentLogger = Logger(label: "curlew", factory: { _ in SwiftLogNoOpLogHandler() })

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
    public init(configuration: HTTPClientConfiguration = HTTPClientConfiguration()) throws {
        try configuration.validate()
        // Before any libcurl socket exists: GnuTLS writes can raise SIGPIPE, and NOSIGNAL is set.
        signal(SIGPIPE, SIG_IGN)
        self.configuration = configuration
        startupError = nil
        do {
            let share = try CurlShare()
            try share.share(.dns)
            try share.share(.sslSession)
            try? share.share(.psl)
            self.share = share
        } catch {
            throw HTTPClientError(.other, "cannot make the share handle", detail: "\(error)")
        }
        if let pem = configuration.tls.caPEM {
            caFile = try Self.writePrivateFile(pem)
        } else {
            caFile = configuration.tls.caFile
        }
        var loops: [EventLoop] = []
        do {
            for index in 0..<configuration.loopCount {
                let share = self.share
                loops.append(try EventLoop(name: "curlew-loop-\(index)") { loop in
                    guard let share else { throw HTTPClientError(.other, "no share handle") }
                    return try MultiDriver(loop: loop, share: share, configuration: configuration)
                })
            }
        } catch {
            for loop in loops { Self.stop(loop, grace: 0) }
            throw (error as? HTTPClientError) ?? HTTPClientError(.other, "cannot start a loop", detail: "\(error)")
        }
        self.loops = loops
    }

    private init(failed error: HTTPClientError) {
        configuration = HTTPClientConfiguration()
        loops = []
        share = nil
        caFile = nil
        startupError = error
    }

    deinit {
        // A client dropped without shutdown: end its loops so their threads do not outlive it.
        // The share is not closed here: each loop's driver holds it until its thread has ended.
        if !state.withLock({ $0.shutDown }) {
            for loop in loops { Self.stop(loop, grace: 0) }
        }
    }

    // MARK: - Running tasks on a loop

    /// An executor that runs tasks on the client's (first) loop thread, between libcurl's events.
    ///
    /// A task that prefers it sends its requests and takes their responses on the thread that
    /// drives them, so no request crosses a thread: the fastest way to make many requests.
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
    public var taskExecutor: any TaskExecutor { loops.first ?? globalConcurrentExecutor }

    /// The executor of the loop that serves `url`'s origin (each origin is pinned to one loop):
    /// see ``taskExecutor``. An invalid URL gets the first loop's.
    public func taskExecutor(for url: String) -> any TaskExecutor {
        guard loops.count > 1, let request = try? Self.request(.get, url),
              let transferRequest = try? transferRequest(request, body: .none, timeout: nil, redirects: nil)
        else { return taskExecutor }
        return loops[Self.loopIndex(for: transferRequest.originKey, count: loops.count)]
    }

    // MARK: - Requests

    /// Sends `request` and returns when the final response head is known (1xx heads and
    /// followed redirects are skipped); the body streams after it.
    ///
    /// - Parameters:
    ///   - request: Method, scheme, authority, path and header fields. Only `http` and `https`.
    ///   - body: The request body.
    ///   - timeout: The whole request's limit, body included; defaults to the configuration's.
    ///   - redirects: Overrides the configuration's redirect policy for this request.
    ///   - logger: Where to log this request; silent by default.
    /// - Throws: ``HTTPClientError``; invalid input throws before anything is sent, and task
    ///   cancellation ends the request with ``HTTPClientError/Kind/cancelled``.
    public func execute(
        _ request: HTTPRequest,
        body: HTTPClientRequestBody = .none,
        timeout: Duration? = nil,
        redirects: HTTPClientConfiguration.RedirectPolicy? = nil,
        logger: Logger? = nil
    ) async throws -> HTTPClientResponse {
        if let startupError { throw startupError }
        guard !state.withLock({ $0.shutDown }) else { throw HTTPClientError.shutdown }
        let transferRequest = try transferRequest(request, body: body, timeout: timeout, redirects: redirects)
        let loop = loops[Self.loopIndex(for: transferRequest.originKey, count: loops.count)]
        let transfer = Transfer(request: transferRequest, logger: logger ?? Self.silentLogger)
        let owner = BodyOwner(transfer: transfer, loop: loop)
        var producer: Task<Void, Never>?
        if case .stream(_, let produce) = body.storage, let upload = transfer.upload {
            upload.setResumeHandler { [weak transfer] in
                if let transfer { loop.send(.resumeSend(transfer)) }
            }
            producer = Task {
                do {
                    try await produce(upload)
                } catch {
                    // The upload's own failure (a length mismatch, the transfer's end), or what
                    // the caller's stream threw: either stops the transfer and closes its connection.
                    let reason = upload.failure ?? HTTPClientError(
                        .requestBodyFailed, "the request body stream threw: \(error)", underlyingError: error)
                    transfer.cancel(on: loop, reason: reason)
                }
            }
        }
        do {
            let head = try await withTaskCancellationHandler {
                try await withUnsafeThrowingContinuation { (continuation: Transfer.HeadContinuation) in
                    transfer.waitForHead(continuation)
                    if !loop.send(.start(transfer)) {
                        transfer.finish(.shutdown, metrics: nil)
                    }
                }
            } onCancel: {
                transfer.cancel(on: loop)
            }
            return HTTPClientResponse(head: head.response, version: head.version, body: ResponseBody(owner: owner))
        } catch {
            producer?.cancel()
            throw error
        }
    }

    /// GETs `url`.
    public func get(_ url: String, headers: HTTPFields = [:], timeout: Duration? = nil, logger: Logger? = nil) async throws -> HTTPClientResponse {
        try await execute(try Self.request(.get, url, headers: headers), timeout: timeout, logger: logger)
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

    /// An `HTTPRequest` for a URL string.
    /// - Throws: ``HTTPClientError`` with ``HTTPClientError/Kind/invalidRequest`` for a URL
    ///   that does not parse or has no host.
    public static func request(_ method: HTTPRequest.Method, _ url: String, headers: HTTPFields = [:]) throws -> HTTPRequest {
        if let parts = URLSplitter.split(url) {
            return HTTPRequest(method: method, scheme: parts.scheme, authority: parts.authority, path: parts.pathAndQuery, headerFields: headers)
        }
        return try foundationRequest(method, url, headers: headers)
    }

    /// ``request(_:_:headers:)`` through Foundation's `URLComponents`: user info, IPv6
    /// literals, international names, characters to percent-encode.
    static func foundationRequest(_ method: HTTPRequest.Method, _ url: String, headers: HTTPFields = [:]) throws -> HTTPRequest {
        let invalid = HTTPClientError.invalidRequest("not a valid URL: \(url.debugDescription)")
        // No space or control character anywhere, and no `%` that does not start an escape: for
        // those libcurl and Foundation would send different requests, so neither is guessed.
        var bytes = Array(url.utf8)
        guard !bytes.contains(where: { $0 <= 32 || $0 == 127 }),
              bytes.withUnsafeBufferPointer({ URLBytes.isValidEscaped($0, allowing: { $0 != UInt8(ascii: "%") }) })
        else { throw invalid }
        bytes.removeAll()
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              let schemeEnd = url.range(of: "://")
        else { throw invalid }
        // The authority as written, checked byte by byte (one `@`, a host libcurl takes, a port);
        // an empty port is no port, as in the fast path.
        var authority = String(url[schemeEnd.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" })
        if authority.hasSuffix(":") { authority.removeLast() }
        _ = try Authority.host(of: authority)
        var path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery { path += "?\(query)" }
        return HTTPRequest(method: method, scheme: scheme, authority: authority, path: path, headerFields: headers)
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
        let grace = TimeLimit.graceSeconds(gracePeriod)
        await withTaskGroup(of: Void.self) { group in
            for loop in loops {
                group.addTask {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                        if !loop.send(.shutdown(grace: grace, done: { continuation.resume() })) {
                            continuation.resume()
                        }
                    }
                    loop.join()
                }
            }
        }
        // Last: the share outlives every multi and easy that used it.
        try? share?.close()
        if configuration.tls.caPEM != nil, let caFile { unlink(caFile) }
    }

    /// Stops a loop from a synchronous context without waiting: shutdown, then detach (this
    /// may run on any thread, the loop's own included, so it must not join).
    private static func stop(_ loop: EventLoop, grace: Double) {
        loop.send(.shutdown(grace: grace, done: {}))
        loop.detach()
    }

    /// The loops' counts, added up (for tests and diagnostics).
    func statistics() async -> LoopStatistics {
        var total = LoopStatistics()
        for loop in loops {
            let counts = await withCheckedContinuation { (continuation: CheckedContinuation<LoopStatistics, Never>) in
                if !loop.send(.inspect({ continuation.resume(returning: $0) })) { continuation.resume(returning: LoopStatistics()) }
            }
            total.transfers += counts.transfers
            total.watchedSockets += counts.watchedSockets
            total.pooledHandles += counts.pooledHandles
        }
        return total
    }

    // MARK: - Building a transfer

    func transferRequest(
        _ request: HTTPRequest, body: HTTPClientRequestBody, timeout: Duration?,
        redirects: HTTPClientConfiguration.RedirectPolicy?
    ) throws(HTTPClientError) -> TransferRequest {
        let needsOriginKey = loops.count > 1 || configuration.httpVersion == .http2PriorKnowledge
        return try TransferRequest(request, body: body, timeout: timeout, redirects: redirects,
                                   defaults: .init(configuration: configuration, caFile: caFile, needsOriginKey: needsOriginKey))
    }

    /// The loop an origin is pinned to: stable for the process, spread across loops.
    static func loopIndex(for originKey: String, count: Int) -> Int {
        guard count > 1 else { return 0 }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a: the same origin always lands on the same loop
        for byte in originKey.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return Int(hash % UInt64(count))
    }

    private static func writePrivateFile(_ bytes: [UInt8]) throws -> String {
        var template = Array("\(NSTemporaryDirectory())/curlew-ca-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw HTTPClientError(.tlsFailure, "cannot write the CA bundle to a temporary file: errno \(errno)") }
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw HTTPClientError(.tlsFailure, "cannot write the CA bundle to a temporary file") }
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Runs `body` with a new client and shuts it down after, also when `body` throws.
public func withHTTPClient<R: Sendable>(
    configuration: HTTPClientConfiguration = HTTPClientConfiguration(),
    _ body: (HTTPClient) async throws -> R
) async throws -> R {
    let client = try HTTPClient(configuration: configuration)
    do {
        let result = try await body(client)
        await client.shutdown()
        return result
    } catch {
        await client.shutdown()
        throw error
    }
}
