/// What one request may change of its client's behaviour, beyond its timeout and redirects.
///
/// ```swift
/// var options = HTTPClientRequestOptions()
/// options.retry = HTTPClientRetryPolicy(maxAttempts: 4)
/// options.authentication = .bearer(token: token)
/// options.progress = { progress in print(progress.sent, progress.totalToSend ?? -1) }
/// let response = try await client.execute(request, body: .file(path), options: options)
/// ```
public struct HTTPClientRequestOptions: Sendable {
    /// The retry policy; `nil` for the client's (``HTTPClientConfiguration/retry``).
    public var retry: HTTPClientRetryPolicy?
    /// Credentials; `nil` for the client's (``HTTPClientConfiguration/authentication``).
    public var authentication: HTTPClientAuthentication?
    /// Whether the client's cookie jar is used (when it has one); `false` sends no cookie and
    /// keeps none from the response.
    public var usesCookies = true
    /// Called with the bytes sent and received so far, at most every ``progressInterval`` and
    /// once more when the transfer ends. It runs on the loop thread that drives the request,
    /// between libcurl's events: keep it short (store the figures, yield them to a stream).
    public var progress: (@Sendable (HTTPClientProgress) -> Void)?
    /// The least time between two ``progress`` calls; 100 ms by default.
    public var progressInterval: Duration = .milliseconds(100)

    /// The client's behaviour, unchanged.
    public init() {}
}

/// How far a request has got: body bytes sent and received, and the totals when known.
public struct HTTPClientProgress: Sendable, Hashable {
    /// Request body bytes sent so far.
    public var sent: Int64
    /// The request body's length, when known (not for a chunked stream).
    public var totalToSend: Int64?
    /// Response body bytes received so far (as they came, before decoding).
    public var received: Int64
    /// The response body's announced length, when known.
    public var totalToReceive: Int64?

    public init(sent: Int64, totalToSend: Int64?, received: Int64, totalToReceive: Int64?) {
        self.sent = sent
        self.totalToSend = totalToSend
        self.received = received
        self.totalToReceive = totalToReceive
    }
}
