internal import HTTPTypes

extension TransferRequest {
    /// The upgrade request of a WebSocket: a GET of `url` (`ws` or `wss`) with the caller's
    /// header fields and the subprotocols offered, checked like any request before anything is
    /// sent. Always over HTTP/1.1 (the upgrade libcurl implements), never redirected.
    /// - Throws: ``HTTPClientError/Kind/invalidRequest`` for a scheme other than ws and wss, a
    ///   bad URL, a subprotocol that is not a token, or a field the upgrade itself writes
    ///   (`Upgrade`, `Connection`, `Sec-WebSocket-Key`, `-Version`, `-Protocol` — pass
    ///   subprotocols instead — and `-Extensions`, since libcurl implements none).
    static func webSocket(
        _ url: String, headers: HTTPFields, subprotocols: [String], timeout: Duration?, defaults: Defaults
    ) throws(HTTPClientError) -> TransferRequest {
        let request = try HTTPClient.request(.get, url, headers: headers)
        let scheme = request.scheme?.lowercased() ?? ""
        guard scheme == "ws" || scheme == "wss" else {
            throw .invalidRequest("a WebSocket URL starts with ws:// or wss://, not \(scheme.isEmpty ? "nothing" : "\(scheme)://")")
        }
        for field in headers where reservedFields.contains(field.name.canonicalName) {
            throw .invalidRequest("the \(field.name) field is written by the WebSocket upgrade itself\(field.name.canonicalName == "sec-websocket-protocol" ? ": pass subprotocols instead" : "")")
        }
        for subprotocol in subprotocols {
            guard !subprotocol.isEmpty, subprotocol.utf8.allSatisfy(isTokenByte) else {
                throw .invalidRequest("the subprotocol \(subprotocol.debugDescription) is not a token")
            }
        }
        var upgrade = request
        upgrade.scheme = scheme == "wss" ? "https" : "http"
        if !subprotocols.isEmpty {
            upgrade.headerFields[HTTPField.Name("Sec-WebSocket-Protocol")!] = subprotocols.joined(separator: ", ")
        }
        var plain = defaults
        plain.configuration.httpVersion = .http1Only
        plain.configuration.decompression = false
        return try TransferRequest(upgrade, body: .none, timeout: timeout, redirects: .disallow, defaults: plain, urlScheme: scheme)
    }

    private static let reservedFields: Set<String> = [
        "upgrade", "connection", "sec-websocket-key", "sec-websocket-version", "sec-websocket-protocol", "sec-websocket-extensions",
    ]

    /// RFC 9110 `tchar`.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
