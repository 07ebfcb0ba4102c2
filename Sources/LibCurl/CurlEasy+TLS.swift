internal import CCurlew

/// A TLS backend libcurl can be built with: the `CURLSSLBACKEND_*` values.
public struct CurlTLSBackend: RawRepresentable, Hashable, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// `CURLSSLBACKEND_NONE`.
    public static let none = CurlTLSBackend(rawValue: Int(CURLSSLBACKEND_NONE.rawValue))
    /// `CURLSSLBACKEND_OPENSSL`.
    public static let openSSL = CurlTLSBackend(rawValue: Int(CURLSSLBACKEND_OPENSSL.rawValue))
    /// `CURLSSLBACKEND_GNUTLS`.
    public static let gnuTLS = CurlTLSBackend(rawValue: Int(CURLSSLBACKEND_GNUTLS.rawValue))
}

extension CurlTLSSession {
    /// The backend, as a named value.
    public var tlsBackend: CurlTLSBackend { CurlTLSBackend(rawValue: backend) }
}

extension CurlEasy {
    /// Whether the TLS session of the last transfer's connection was resumed, asked of the TLS
    /// library; `nil` without TLS, or with a backend that cannot tell (only GnuTLS can here).
    /// Call it while the connection is open: from a header or write callback.
    ///
    /// The corresponding C functions are `curl_easy_getinfo(CURLINFO_TLS_SSL_PTR)` and GnuTLS's
    /// `gnutls_session_is_resumed`, looked up at run time.
    public func tlsSessionResumed() -> Bool? {
        guard let session = try? tlsSession(), session.tlsBackend == .gnuTLS, let internals = session.internals else { return nil }
        let answer = ccurlew_gnutls_session_is_resumed(internals)
        return answer < 0 ? nil : answer == 1
    }
}
