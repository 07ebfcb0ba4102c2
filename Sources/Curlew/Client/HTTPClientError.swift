public import LibCurl

/// Why a request failed. Switch on ``kind``; ``curlCode`` and ``detail`` carry libcurl's own
/// words when the failure came from libcurl, and ``underlyingError`` the error of the caller's
/// own code (a request body stream that threw).
public struct HTTPClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of failure a caller can act on. Each case says when it happens.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Nothing accepted the connection: refused, or no QUIC listener for HTTP/3.
        case connectionRefused
        /// The server's host name did not resolve.
        case dnsFailure
        /// The TLS handshake or verification failed (bad certificate, pin mismatch, version).
        case tlsFailure
        /// A timeout or the request's deadline passed (connect, idle, or whole request).
        case timeout
        /// The task was cancelled, or the response body was dropped.
        case cancelled
        /// The client was shut down before the request finished.
        case shutdown
        /// More redirects than allowed.
        case tooManyRedirects
        /// The response body was larger than the limit set for it.
        case bodyTooLarge
        /// The response body ended before the length the server announced.
        case truncatedBody
        /// The peer broke the protocol: a reply that is not HTTP, a bad status line or chunk,
        /// HTTP/2 or HTTP/3 framing, a bad content encoding.
        case protocolError
        /// The connection failed while sending or receiving (reset, broken pipe, closed before
        /// any response).
        case networkError
        /// The proxy could not be reached, refused, or failed.
        case proxyFailure
        /// The request was invalid and nothing was sent (bad URL, authority, method, body,
        /// header, timeout).
        case invalidRequest
        /// The client's configuration was rejected by ``HTTPClient/init(configuration:)``; the
        /// message names the field.
        case invalidConfiguration
        /// A request body stream produced more or fewer bytes than the length declared for it
        /// (the message gives both). The request was aborted and its connection closed.
        case requestBodyLengthMismatch
        /// The request body stream threw; ``underlyingError`` is what it threw. The request
        /// was aborted and its connection closed.
        case requestBodyFailed
        /// The request body had to be sent again (a 307 or 308 redirect, an authentication
        /// round) but it is a stream, which is read once: use bytes or a file.
        case requestBodyNotReplayable
        /// A local file could not be read or written (a body from a file, a download, a cookie
        /// file); the message names it, the detail gives the system's reason.
        case fileError
        /// A response body was read by a second iterator while another reads it: a body is
        /// read once, by the first iterator that asks for a chunk.
        case concurrentBodyRead
        /// The server refused the WebSocket upgrade (a status other than 101; the message gives
        /// it), or chose a subprotocol the client did not offer.
        case webSocketRefused
        /// The WebSocket is closed or closing (by either side), so the message was not sent.
        case webSocketClosed
        /// The feature is not available in the linked libcurl (HTTP/3, WebSocket, …).
        case unsupported
        /// Any other failure; see ``curlCode``.
        case other
    }

    /// What kind of failure this is.
    public let kind: Kind
    /// libcurl's result code, when libcurl reported the failure.
    public var curlCode: CurlCode? { storage.curlCode }
    /// A sentence saying what failed.
    public var message: String { storage.message }
    /// libcurl's error-buffer text or other detail; may be empty.
    public var detail: String { storage.detail }
    /// The error that caused this one, when the caller's own code threw it (a request body
    /// stream). Not part of equality.
    public var underlyingError: (any Error)? { storage.underlyingError }

    /// All but the kind, in one immutable object: an error is then two words wherever it is
    /// kept (every request's state holds a few, for a failure most never have), rather than
    /// eleven.
    private final class Storage: Sendable {
        let curlCode: CurlCode?
        let message: String
        let detail: String
        let underlyingError: (any Error)?

        init(curlCode: CurlCode?, message: String, detail: String, underlyingError: (any Error)?) {
            self.curlCode = curlCode
            self.message = message
            self.detail = detail
            self.underlyingError = underlyingError
        }
    }

    private let storage: Storage

    /// An error of `kind`.
    public init(_ kind: Kind, _ message: String, detail: String = "", curlCode: CurlCode? = nil, underlyingError: (any Error)? = nil) {
        self.kind = kind
        storage = Storage(curlCode: curlCode, message: message, detail: detail, underlyingError: underlyingError)
    }

    public var description: String {
        var text = "\(kind.rawValue): \(message)"
        if !detail.isEmpty { text += " (\(detail))" }
        if let curlCode { text += " [curl \(curlCode.rawValue)]" }
        return text
    }

    public static func == (lhs: HTTPClientError, rhs: HTTPClientError) -> Bool {
        lhs.kind == rhs.kind && lhs.curlCode == rhs.curlCode && lhs.message == rhs.message && lhs.detail == rhs.detail
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(curlCode)
        hasher.combine(message)
        hasher.combine(detail)
    }

    /// The error for a libcurl result, with the kind a caller can switch on.
    init(curl code: CurlCode, detail: String) {
        self.init(Kind(curl: code, detail: detail), code.message, detail: detail, curlCode: code)
    }

    static let cancelled = HTTPClientError(.cancelled, "the request was cancelled")
    static let shutdown = HTTPClientError(.shutdown, "the client was shut down")
    static func invalidRequest(_ message: String) -> HTTPClientError { HTTPClientError(.invalidRequest, message) }
    static func invalidConfiguration(_ field: String, _ problem: String) -> HTTPClientError {
        HTTPClientError(.invalidConfiguration, "HTTPClientConfiguration.\(field) \(problem)")
    }
}
