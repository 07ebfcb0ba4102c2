internal import LibCurl

extension TransferRequest {
    /// Whether the linked libcurl speaks HTTP/3 (`CURL_VERSION_HTTP3`), read once.
    static let libcurlHasHTTP3 = CurlVersion.current.supportsHTTP3

    /// Refuses an HTTP/3 policy the linked libcurl or the scheme cannot honour, before anything
    /// is sent.
    /// - Throws: ``HTTPClientError/Kind/unsupported`` naming the libcurl version when it was
    ///   built without HTTP/3; ``HTTPClientError/Kind/invalidRequest`` for HTTP/3 only on
    ///   cleartext (QUIC is always encrypted).
    static func checkHTTP3(isTLS: Bool, only: Bool) throws(HTTPClientError) {
        guard libcurlHasHTTP3 else {
            throw HTTPClientError(.unsupported, "HTTP/3 is not built into the linked libcurl \(CurlVersion.current.version)")
        }
        if only && !isTLS {
            throw .invalidRequest("HTTP/3 only needs an https URL: QUIC has no cleartext form")
        }
    }
}
