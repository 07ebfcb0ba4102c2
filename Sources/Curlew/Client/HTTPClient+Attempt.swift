internal import HTTPTypes
internal import Logging

/// How a request is started and awaited.
///
/// Every request in flight holds the async frames of the calls that await it, so what waits is
/// kept small: the synchronous `start` functions check the request and build its transfer on
/// the thread's stack, and the functions that await hold only references (the transfer's
/// owner, the body's producer). A frame that held the `HTTPRequest` while it waited kept the
/// request's storage alive with it, and a chain of frames larger than a task allocator slab
/// (about 1 KiB) costs the task another slab (`Benchmarks/`, the in-flight row).
extension HTTPClient {
    /// A request once started: one attempt waiting for its head, or a request whose retry
    /// policy allows more than one attempt, which runs its attempts when awaited.
    enum Started {
        case attempt(BodyOwner, producer: Task<Void, Never>?)
        case retrying(RetryingRequest)
    }

    /// What a request with more than one possible attempt needs for each of them.
    final class RetryingRequest: Sendable {
        let client: HTTPClient
        let request: TransferRequest.Target
        let body: HTTPClientRequestBody
        let timeout: Duration?
        let redirects: HTTPClientConfiguration.RedirectPolicy?
        let options: HTTPClientRequestOptions
        let logger: Logger?
        let id: HTTPClientRequestID

        init(client: HTTPClient, request: TransferRequest.Target, body: HTTPClientRequestBody, timeout: Duration?,
             redirects: HTTPClientConfiguration.RedirectPolicy?, options: HTTPClientRequestOptions, logger: Logger?,
             id: HTTPClientRequestID) {
            self.client = client
            self.request = request
            self.body = body
            self.timeout = timeout
            self.redirects = redirects
            self.options = options
            self.logger = logger
            self.id = id
        }
    }

    /// Starts `request`: its first attempt, or, under a retry policy of more than one
    /// attempt, what its attempts need.
    @inline(never)
    func start(
        _ request: TransferRequest.Target, body: HTTPClientRequestBody, timeout: Duration?,
        redirects: HTTPClientConfiguration.RedirectPolicy?, options: HTTPClientRequestOptions, logger: Logger?
    ) throws(HTTPClientError) -> Started {
        let id = HTTPClientRequestID.next()
        guard retryPolicy(options).maxAttempts > 1 else {
            let started = try startAttempt(request, body: body, timeout: timeout, redirects: redirects, options: options, logger: logger,
                                           id: id, priorAttempts: 0)
            return .attempt(started.owner, producer: started.producer)
        }
        return .retrying(RetryingRequest(client: self, request: request, body: body, timeout: timeout, redirects: redirects,
                                         options: options, logger: logger, id: id))
    }

    /// Starts a GET of `url`. A URL ``URLSplitter`` takes (printable ASCII, which an
    /// `HTTPRequest` would keep as it is) goes in as its parts, with no `HTTPRequest` made;
    /// any other through ``request(_:_:headers:)``.
    @inline(never)
    func startGet(
        _ url: String, headers: HTTPFields, timeout: Duration?, options: HTTPClientRequestOptions, logger: Logger?
    ) throws(HTTPClientError) -> Started {
        let target: TransferRequest.Target
        if let parts = URLSplitter.split(url) {
            target = TransferRequest.Target(method: .get, scheme: parts.scheme, authority: parts.authority, path: parts.pathAndQuery,
                                            headerFields: headers)
        } else {
            target = TransferRequest.Target(try Self.foundationRequest(.get, url, headers: headers))
        }
        return try start(target, body: .none, timeout: timeout, redirects: nil, options: options, logger: logger)
    }

    /// Waits for a started request's response.
    static nonisolated(nonsending) func response(to started: consuming Started) async throws -> HTTPClientResponse {
        switch consume started {
        case .attempt(let owner, let producer):
            return try await response(of: owner, producer: producer)
        case .retrying(let request):
            return try await request.client.executeRetrying(request)
        }
    }

    /// The retry policy of a request with `options`: its own, or the client's.
    func retryPolicy(_ options: HTTPClientRequestOptions) -> HTTPClientRetryPolicy {
        options.retry ?? configuration.retry
    }

    /// One attempt at `request`, for a request that may take several.
    nonisolated(nonsending) func attempt(_ request: RetryingRequest, priorAttempts: Int) async throws -> HTTPClientResponse {
        let started = try startAttempt(request.request, body: request.body, timeout: request.timeout, redirects: request.redirects,
                                       options: request.options, logger: request.logger, id: request.id, priorAttempts: priorAttempts)
        return try await Self.response(of: started.owner, producer: started.producer)
    }

    /// Checks `request`, builds its transfer and starts the request body's producer, if any;
    /// the transfer goes to its loop once its caller waits for the head.
    @inline(never)
    private func startAttempt(
        _ request: TransferRequest.Target, body: HTTPClientRequestBody, timeout: Duration?,
        redirects: HTTPClientConfiguration.RedirectPolicy?, options: HTTPClientRequestOptions, logger: Logger?,
        id: HTTPClientRequestID, priorAttempts: Int
    ) throws(HTTPClientError) -> (owner: BodyOwner, producer: Task<Void, Never>?) {
        guard let engine else { throw startupError ?? .shutdown }
        guard !isShutDown else { throw HTTPClientError.shutdown }
        var request = request
        var observation: RequestObservation?
        if configuration.metricsEnabled || configuration.tracingEnabled {
            let url = "\(request.scheme ?? "")://\(request.authority ?? "")\(request.path ?? "/")"
            observation = RequestObservation(request, url: url, id: id, metrics: metricHandles,
                                             tracing: configuration.tracingEnabled, priorAttempts: priorAttempts,
                                             fields: &request.headerFields)
        }
        let transferRequest: TransferRequest
        do {
            transferRequest = try TransferRequest(request, body: body, timeout: timeout, redirects: redirects, options: options,
                                                  defaults: requestDefaults)
        } catch {
            observation?.finished(error, metrics: nil)
            throw error
        }
        let loop = engine.loop(for: transferRequest.originKey)
        var requestLogger = logger ?? Self.silentLogger
        if logger != nil { requestLogger[metadataKey: "curlew.request.id"] = "\(id)" }
        let transfer = Transfer(request: transferRequest, logger: requestLogger, id: id, observation: observation)
        var producer: Task<Void, Never>?
        if case .stream(_, let produce) = body.storage, case .stream = transferRequest.body {
            let upload = UploadStream(transfer: transfer, loop: loop)
            producer = Task {
                do {
                    try await produce(upload)
                } catch {
                    // The upload's own failure (a length mismatch, the transfer's end), or what
                    // the caller's stream threw: either stops the transfer and closes its connection.
                    let reason = transfer.uploadFailure ?? HTTPClientError(
                        .requestBodyFailed, "the request body stream threw: \(error)", underlyingError: error)
                    transfer.cancel(on: loop, reason: reason)
                }
            }
        }
        return (BodyOwner(transfer: transfer, loop: loop), producer)
    }

    /// Sends the transfer to its loop and waits for its final head: the response, whose body
    /// streams after it.
    @inline(never)
    private nonisolated(nonsending) static func response(of owner: BodyOwner, producer: Task<Void, Never>?) async throws -> HTTPClientResponse {
        let transfer = owner.transfer, loop = owner.loop
        do {
            let head = try await withTaskCancellationHandler {
                try await withUnsafeThrowingContinuation { (continuation: Transfer.HeadContinuation) in
                    transfer.waitForHead(continuation)
                    if !loop.send(.start(transfer)) {
                        transfer.finish(.shutdown, metrics: nil, nil)
                    }
                }
            } onCancel: {
                transfer.cancel(on: loop)
            }
            return HTTPClientResponse(head: head.response, version: head.version, body: ResponseBody(owner: owner),
                                      requestID: transfer.id, url: head.finalURL ?? transfer.request.url, redirectCount: head.redirects)
        } catch {
            producer?.cancel()
            throw error
        }
    }
}
