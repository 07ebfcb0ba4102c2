internal import Foundation
public import HTTPTypes

extension HTTPClient {
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
        func invalid() -> HTTPClientError { .invalidRequest("not a valid URL: \(url.debugDescription)") }
        // No space or control character anywhere, and no `%` that does not start an escape: for
        // those libcurl and Foundation would send different requests, so neither is guessed.
        var text = url
        guard text.withUTF8({ bytes in
            !bytes.contains(where: { $0 <= 32 || $0 == 127 })
                && URLBytes.isValidEscaped(bytes, allowing: { $0 != UInt8(ascii: "%") })
        }) else { throw invalid() }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              let schemeEnd = url.range(of: "://")
        else { throw invalid() }
        // The authority as written, checked byte by byte (one `@`, a host libcurl takes, a port);
        // an empty port is no port, as in the fast path.
        var authority = String(url[schemeEnd.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" })
        if authority.hasSuffix(":") { authority.removeLast() }
        _ = try Authority.host(of: authority)
        var path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery { path += "?\(query)" }
        return HTTPRequest(method: method, scheme: scheme, authority: authority, path: path, headerFields: headers)
    }
}
