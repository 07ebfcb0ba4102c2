internal import Foundation
public import HTTPTypes

extension HTTPClient {
    /// An `HTTPRequest` for a URL string.
    /// - Throws: ``HTTPClientError`` with ``HTTPClientError/Kind/invalidRequest`` for a URL
    ///   that does not parse or has no host.
    public static func request(_ method: HTTPRequest.Method, _ url: String, headers: HTTPFields = [:]) throws(HTTPClientError) -> HTTPRequest {
        if let parts = URLSplitter.split(url) {
            return HTTPRequest(method: method, scheme: parts.scheme, authority: parts.authority, path: parts.pathAndQuery, headerFields: headers)
        }
        return try foundationRequest(method, url, headers: headers)
    }

    /// ``request(_:_:headers:)`` through Foundation's `URLComponents`: user info, IPv6
    /// literals, international names, characters to percent-encode.
    static func foundationRequest(_ method: HTTPRequest.Method, _ url: String, headers: HTTPFields = [:]) throws(HTTPClientError) -> HTTPRequest {
        func invalid() -> HTTPClientError { .invalidRequest("not a valid URL: \(url.debugDescription)") }
        // No space or control character anywhere, and no `%` that does not start an escape: for
        // those libcurl and Foundation would send different requests, so neither is guessed.
        var text = url
        guard text.withUTF8({ bytes in
            !bytes.contains(where: { $0 <= 32 || $0 == 127 })
                && URLBytes.isValidEscaped(bytes, allowing: { $0 != UInt8(ascii: "%") })
        }) else { throw invalid() }
        // The bytes after the authority that may not go raw (`"`, `<`, `]`, `\`, UTF-8, …) are
        // percent-encoded here, escapes already there left as they are: handed such a string,
        // URLComponents encodes the whole of it again, `%7e` included (found by `make fuzz`).
        guard let prefixEnd = url.range(of: "://") else { throw invalid() }
        let authorityEnd = url[prefixEnd.upperBound...].firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? url.endIndex
        let escaped = String(url[..<authorityEnd]) + Self.percentEncodingRaw(url[authorityEnd...])
        // The `://` right after the scheme, and an authority URLComponents reads too: in
        // `http:/://h/x` the first `://` is inside the path, and libcurl refuses the URL.
        guard let components = URLComponents(string: escaped), let scheme = components.scheme?.lowercased(),
              let schemeEnd = url.range(of: "://"), url[..<schemeEnd.lowerBound].lowercased() == scheme, components.host != nil
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

    /// `text` with every byte RFC 3986 does not allow raw in a path, query or fragment
    /// percent-encoded, and `%` escapes (already checked well formed) kept. A second `#` is
    /// encoded too: only the first starts the fragment.
    static func percentEncodingRaw(_ text: Substring) -> String {
        var encoded: [UInt8] = []
        var seenFragment = false
        for byte in text.utf8 {
            let allowed = URLBytes.isUnreserved(byte) || URLBytes.isSubDelimiter(byte)
                || [UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "%")].contains(byte)
                || (byte == UInt8(ascii: "#") && !seenFragment)
            if byte == UInt8(ascii: "#") { seenFragment = true }
            if allowed {
                encoded.append(byte)
            } else {
                let hex = Array("0123456789ABCDEF".utf8)
                encoded += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: encoded, as: UTF8.self)
    }
}
