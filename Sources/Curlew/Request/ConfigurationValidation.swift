internal import LibCurl

extension HTTPClientConfiguration {
    /// The most loop threads a client starts.
    static let maxLoopCount = 256
    /// libcurl's bounds for `CURLOPT_BUFFERSIZE` (`READBUFFER_MIN`, `CURL_MAX_READ_SIZE`).
    static let receiveBufferSizes = 1024...(10 << 20)

    /// Checks every field before a client starts, so that nothing reaches libcurl or libev that
    /// would trap, stall a transfer, or change what is sent.
    /// - Throws: ``HTTPClientError/Kind/invalidConfiguration``, naming the field.
    func validate() throws(HTTPClientError) {
        if case .follow(let max) = redirects, max < 0 {
            throw .invalidConfiguration("redirects", "must follow at least 0 redirects, not \(max)")
        }
        try TimeLimit.check(connectTimeout, "connectTimeout", allowsZero: true)
        if let idleTimeout { try TimeLimit.check(idleTimeout, "idleTimeout") }
        if let requestTimeout { try TimeLimit.check(requestTimeout, "requestTimeout") }
        if let maxBodySize, maxBodySize < 0 {
            throw .invalidConfiguration("maxBodySize", "must be 0 or more, or nil for no limit, not \(maxBodySize)")
        }
        try Self.check(maxConnectionsPerHost, "maxConnectionsPerHost", in: 0...Int(Int32.max), "(0 for no limit)")
        try Self.check(maxConnections, "maxConnections", in: 0...Int(Int32.max), "(0 for no limit)")
        try Self.check(maxIdleConnections, "maxIdleConnections", in: 0...Int(Int32.max))
        try Self.check(maxConcurrentStreams, "maxConcurrentStreams", in: 1...Int(Int32.max))
        try Self.check(loopCount, "loopCount", in: 1...Self.maxLoopCount)
        try Self.check(responseBufferHighWater, "responseBufferHighWater", in: 1...Int.max)
        try Self.check(responseBufferLowWater, "responseBufferLowWater", in: 0...(responseBufferHighWater - 1),
                       "(below responseBufferHighWater)")
        try Self.check(receiveBufferSize, "receiveBufferSize", in: Self.receiveBufferSizes)
        try Self.check(webSocket.maxMessageSize, "webSocket.maxMessageSize", in: 1...Int.max)
        try Self.check(webSocket.receiveBufferHighWater, "webSocket.receiveBufferHighWater", in: 1...Int.max)
        try TimeLimit.check(webSocket.closeTimeout, "webSocket.closeTimeout")
        try TimeLimit.check(shutdownGracePeriod, "shutdownGracePeriod", allowsZero: true)
        if let maxIdleAge { try TimeLimit.check(maxIdleAge, "maxIdleAge") }
        if let maxConnectionLifetime { try TimeLimit.check(maxConnectionLifetime, "maxConnectionLifetime") }
        try retry.validate("retry")
        try TimeLimit.check(expectContinueTimeout, "expectContinueTimeout")
        if case .above(let bytes) = expectContinue, bytes < 0 {
            throw .invalidConfiguration("expectContinue", "must be 0 bytes or more, not \(bytes)")
        }
        do {
            try authentication?.validate()
        } catch {
            throw .invalidConfiguration("authentication", error.message)
        }
        try Self.checkText(userAgent, "userAgent", isHeaderValue: true)
        try Self.checkText(unixSocketPath, "unixSocketPath")
        try Self.checkText(tls.caFile, "tls.caFile")
        try Self.checkText(tls.clientCertificateFile, "tls.clientCertificateFile")
        try Self.checkText(tls.clientKeyFile, "tls.clientKeyFile")
        try Self.checkText(tls.pinnedPublicKey, "tls.pinnedPublicKey")
        if case .url(let url, let excluding) = proxy {
            try Self.checkProxy(url)
            try Self.checkText(excluding, "proxy (excluding)")
        }
    }

    private static func check(_ value: Int, _ field: String, in range: ClosedRange<Int>, _ note: String = "") throws(HTTPClientError) {
        guard range.contains(value) else {
            let bound = range.upperBound == Int.max ? "at least \(range.lowerBound)" : "in \(range.lowerBound)...\(range.upperBound)"
            throw .invalidConfiguration(field, "must be \(bound)\(note.isEmpty ? "" : " \(note)"), not \(value)")
        }
    }

    /// A string that becomes a libcurl option (a C string, so NUL would cut it) or a header
    /// line (so CR or LF would start another header).
    private static func checkText(_ text: String?, _ field: String, isHeaderValue: Bool = false) throws(HTTPClientError) {
        guard let text else { return }
        if isHeaderValue {
            guard FieldValue.isValid(text) else {
                throw .invalidConfiguration(field, "holds a control character (CR, LF, NUL, …): \(text.debugDescription)")
            }
        } else if text.utf8.contains(where: { $0 == 0 || $0 == 10 || $0 == 13 }) {
            throw .invalidConfiguration(field, "holds CR, LF or NUL: \(text.debugDescription)")
        }
    }

    /// Proxy schemes libcurl speaks.
    static let proxySchemes: Set<String> = ["http", "https", "socks4", "socks4a", "socks5", "socks5h"]

    private static func checkProxy(_ url: String) throws(HTTPClientError) {
        // An empty URL means "no proxy" to libcurl, as `.none` does.
        guard !url.isEmpty else { return }
        try checkText(url, "proxy")
        guard !url.utf8.contains(where: { $0 <= 32 || $0 == 127 }) else {
            throw .invalidConfiguration("proxy", "holds a space or control character: \(url.debugDescription)")
        }
        // libcurl reads a proxy URL without a scheme as http://; Curlew asks for the scheme.
        guard url.contains("://") else {
            throw .invalidConfiguration("proxy", "must name its scheme (\(proxySchemes.sorted().joined(separator: ", "))): \(url.debugDescription)")
        }
        let parsed: CurlURL
        do {
            parsed = try CurlURL(url, allowingAnyScheme: true)
        } catch {
            throw HTTPClientError(.invalidConfiguration, "HTTPClientConfiguration.proxy is not a URL libcurl can parse: \(url.debugDescription)",
                                  detail: "\(error)")
        }
        guard proxySchemes.contains(parsed.scheme) else {
            throw .invalidConfiguration("proxy", "has scheme \(parsed.scheme.debugDescription); use one of \(proxySchemes.sorted().joined(separator: ", "))")
        }
        guard !parsed.host.isEmpty else { throw .invalidConfiguration("proxy", "has no host: \(url.debugDescription)") }
    }
}
