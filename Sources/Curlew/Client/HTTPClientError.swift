public import LibCurl

/// Why a request failed. Switch on ``kind``; ``curlCode`` and ``detail`` carry libcurl's own
/// words when the failure came from libcurl.
public struct HTTPClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of failure a caller can act on.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Nothing accepted the connection (`CURLE_COULDNT_CONNECT`).
        case connectionRefused
        /// The host name did not resolve (`CURLE_COULDNT_RESOLVE_HOST`/`_PROXY`).
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
        /// The body was larger than the limit set for it.
        case bodyTooLarge
        /// The body ended before the length the server announced.
        case truncatedBody
        /// The peer broke the protocol (bad status line, bad chunk, HTTP/2 framing, encoding).
        case protocolError
        /// The connection failed while sending or receiving (reset, broken pipe).
        case networkError
        /// The proxy refused or failed.
        case proxyFailure
        /// The request was invalid and nothing was sent (bad URL, scheme, header).
        case invalidRequest
        /// The feature is not available in the linked libcurl (HTTP/3, WebSocket, …).
        case unsupported
        /// Any other failure; see ``curlCode``.
        case other
    }

    /// What kind of failure this is.
    public let kind: Kind
    /// libcurl's result code, when libcurl reported the failure.
    public let curlCode: CurlCode?
    /// A sentence saying what failed.
    public let message: String
    /// libcurl's error-buffer text or other detail; may be empty.
    public let detail: String

    /// An error of `kind`.
    public init(_ kind: Kind, _ message: String, detail: String = "", curlCode: CurlCode? = nil) {
        self.kind = kind
        self.message = message
        self.detail = detail
        self.curlCode = curlCode
    }

    public var description: String {
        var text = "\(kind.rawValue): \(message)"
        if !detail.isEmpty { text += " (\(detail))" }
        if let curlCode { text += " [curl \(curlCode.rawValue)]" }
        return text
    }

    /// The error for a libcurl result, with the kind a caller can switch on.
    init(curl code: CurlCode, detail: String) {
        self.init(Self.kind(for: code), code.message, detail: detail, curlCode: code)
    }

    static func kind(for code: CurlCode) -> Kind {
        switch code.rawValue {
        case 7: .connectionRefused
        case 5, 6: .dnsFailure
        case 35, 53, 54, 58, 59, 60, 64, 66, 77, 80, 82, 83, 90, 91, 98: .tlsFailure
        case 28: .timeout
        case 47: .tooManyRedirects
        case 63: .bodyTooLarge
        case 18: .truncatedBody
        case 8, 16, 52, 61, 92, 95: .protocolError
        case 55, 56: .networkError
        case 97: .proxyFailure
        case 1, 3: .invalidRequest
        case 4: .unsupported
        case 42: .cancelled
        default: .other
        }
    }

    static let cancelled = HTTPClientError(.cancelled, "the request was cancelled")
    static let shutdown = HTTPClientError(.shutdown, "the client was shut down")
    static func invalidRequest(_ message: String) -> HTTPClientError { HTTPClientError(.invalidRequest, message) }
}
