internal import CCurlew

/// A URL as libcurl's own parser reads it: the parts of a `CURLU` handle.
///
/// The corresponding C calls are `curl_url`, `curl_url_set` with `CURLUPART_URL`,
/// `curl_url_get` for each part and `curl_url_cleanup`. It is what libcurl does with a URL
/// string given to `CURLOPT_URL` or `CURLOPT_PROXY`, so Curlew uses it to check URLs before
/// they reach a handle, and its tests use it as the oracle for their own URL splitting.
public struct CurlURL: Sendable, Hashable {
    /// The scheme, lowercased by libcurl.
    public var scheme: String
    /// The user name, percent-encoded as written; `nil` when absent.
    public var user: String?
    /// The password, percent-encoded as written; `nil` when absent.
    public var password: String?
    /// The host name or address, as libcurl will connect to it (IPv6 literals with brackets).
    public var host: String
    /// The port, when the URL names one.
    public var port: Int?
    /// The path, `/` when the URL has none.
    public var path: String
    /// The query, without `?`; `nil` when absent.
    public var query: String?
    /// The fragment, without `#`; `nil` when absent.
    public var fragment: String?

    /// Parses `url` with `curl_url_set(CURLUPART_URL)`.
    ///
    /// - Parameter allowingAnyScheme: `CURLU_NON_SUPPORT_SCHEME`: accept schemes the linked
    ///   libcurl has no protocol for (proxy schemes such as `socks5h` are supported ones).
    /// - Throws: ``CurlError`` with `.urlMalformat` and libcurl's `CURLUcode` text when libcurl
    ///   rejects the URL.
    public init(_ url: String, allowingAnyScheme: Bool = false) throws {
        guard let handle = curl_url() else { throw CurlError(.outOfMemory, detail: "curl_url returned NULL") }
        defer { curl_url_cleanup(handle) }
        let flags: UInt32 = allowingAnyScheme ? UInt32(CURLU_NON_SUPPORT_SCHEME) : 0
        let code = url.withCString { curl_url_set(handle, CURLUPART_URL, $0, flags) }
        guard code == CURLUE_OK else {
            throw CurlError(.urlMalformat, detail: "curl_url_set: \(String(cString: curl_url_strerror(code)))")
        }
        func part(_ which: CURLUPart) -> String? {
            var value: UnsafeMutablePointer<CChar>?
            guard curl_url_get(handle, which, &value, 0) == CURLUE_OK, let value else { return nil }
            defer { curl_free(value) }
            return String(cString: value)
        }
        scheme = part(CURLUPART_SCHEME) ?? ""
        user = part(CURLUPART_USER)
        password = part(CURLUPART_PASSWORD)
        host = part(CURLUPART_HOST) ?? ""
        port = part(CURLUPART_PORT).flatMap { Int($0) }
        path = part(CURLUPART_PATH) ?? "/"
        query = part(CURLUPART_QUERY)
        fragment = part(CURLUPART_FRAGMENT)
    }
}
