internal import LibCurl

/// Sets an easy handle up for one request. Runs on the loop thread (NOSIGNAL and the error
/// buffer are always set by LibCurl).
enum EasyConfigurator {
    /// Sets `easy` up for `loopTransfer`. `previous` is the shape the handle was last set up
    /// for, if its last request succeeded; the handle is reset unless the shapes match.
    /// Returns the shape it is set up for now.
    /// `h2cRole` is the transfer's part in the curl #10634 workaround, if it has one.
    static func configure(
        _ easy: CurlEasy, for loopTransfer: LoopTransfer, h2cRole: H2CRole?, share: CurlShare, previous: EasyShape?,
        callbacks: EasyCallbacks, sockets: CurlSocketCounter? = nil
    ) throws -> EasyShape {
        let request = loopTransfer.request
        let shape = EasyShape(request, h2cRole: h2cRole)
        if let previous, previous == shape {
            try configurePerRequest(easy, for: request)
        } else {
            if previous != nil { try easy.reset() }
            try configureFully(easy, for: request, h2cRole: h2cRole, share: share)
            try setCallbacks(easy, delivering: callbacks)
            if request.progress != nil { try easy.setProgressFunction { callbacks.transfer.value?.progress($0) ?? true } }
            if let sockets { try easy.countSockets(in: sockets) }
        }
        if let jar = request.cookieJar {
            // A handle of its own (never pooled: its engine would keep the cookies), given the
            // jar's cookies; what it knows at the end is merged back.
            try easy.setopt(.cookieFile, "")
            let cookies = jar.cookiesToSend()
            for cookie in cookies { try easy.setopt(.cookieList, cookie.netscapeLine) }
            loopTransfer.cookiesSent = cookies
        }
        callbacks.transfer.value = loopTransfer
        return shape
    }

    /// What changes from one request of a shape to the next.
    private static func configurePerRequest(_ easy: CurlEasy, for request: TransferRequest) throws {
        try easy.setopt(.url, request.url)
        try easy.setopt(.timeoutMS, request.deadlineMS.map { max(1, $0) } ?? 0)
        try setBodySize(easy, for: request)
    }

    /// The body's size for the send mode's own option (-1: chunked).
    private static func setBodySize(_ easy: CurlEasy, for request: TransferRequest) throws {
        switch request.sendMode {
        case .upload: try easy.setopt(.inFileSizeLarge, request.bodyLength)
        case .post: try easy.setopt(.postFieldSizeLarge, request.bodyLength)
        case .bodiless, .head: break
        }
    }

    private static func setCallbacks(_ easy: CurlEasy, delivering callbacks: EasyCallbacks) throws {
        try easy.setHeaderFunction { callbacks.transfer.value?.headerLine($0) ?? .proceed }
        try easy.setWriteFunction { callbacks.transfer.value?.body($0) ?? .proceed }
        try easy.setReadFunction { callbacks.transfer.value?.read($0) ?? .abort }
        try easy.setSeekFunction { callbacks.transfer.value?.seek($0) ?? .fail }
    }

    /// A WebSocket upgrade (`CONNECT_ONLY` 2) on a fresh handle: the request's settings, the
    /// ws schemes only, HTTP/1.1, and a header callback for the 101 head. No write callback:
    /// after the upgrade, frames are read with `curl_ws_recv`.
    static func configureWebSocket(
        _ easy: CurlEasy, for request: TransferRequest, share: CurlShare, headerLine: @escaping (UnsafeRawBufferPointer) -> CurlWriteAction
    ) throws {
        try configureFully(easy, for: request, h2cRole: nil, share: share)
        try easy.setopt(.protocolsString, "ws,wss")
        try easy.setopt(.pipeWait, false)
        try easy.setopt(.connectOnly, 2)
        // Pings are answered by LoopWebSocket, between frames: libcurl 8.14's own pong is sent
        // even while a frame of ours is half-sent, and breaks it (curl #16706, fixed in 8.16).
        if webSocketAnswersPings { try easy.setopt(.webSocketOptions, CurlWebSocketOptions.noAutoPong.rawValue) }
        try easy.setHeaderFunction(headerLine)
    }

    /// Whether Curlew answers WebSocket pings itself: where libcurl has `CURLWS_NOAUTOPONG`
    /// (8.14.0); below that, libcurl answers them.
    static let webSocketAnswersPings = !CurlWebSocketOptions.noAutoPong.isEmpty && CurlVersion.current.versionNumber >= 0x08_0E_00

    private static func setAuthentication(_ easy: CurlEasy, _ authentication: HTTPClientAuthentication) throws {
        let scheme: CurlAuth
        switch authentication {
        case .basic(let username, let password), .digest(let username, let password),
             .ntlm(let username, let password), .any(let username, let password):
            try easy.setopt(.username, username)
            try easy.setopt(.password, password)
            switch authentication {
            case .basic: scheme = .basic
            case .digest: scheme = .digest
            case .ntlm: scheme = .ntlm
            default: scheme = .any
            }
        case .bearer(let token):
            try easy.setopt(.xoauth2Bearer, token)
            scheme = .bearer
        }
        try easy.setopt(.httpAuth, Int(scheme.rawValue))
    }

    /// Everything, on a handle fresh from `curl_easy_init` or `curl_easy_reset`.
    private static func configureFully(_ easy: CurlEasy, for request: TransferRequest, h2cRole: H2CRole?, share: CurlShare) throws {
        let configuration = request.configuration
        try easy.setShare(share)
        try easy.setopt(.url, request.url)
        try easy.setopt(.protocolsString, "http,https")
        try easy.setopt(.redirectProtocolsString, "http,https")
        try easy.setopt(.suppressConnectHeaders, true)
        // A hint only: 7.88.1 refuses it (CURLE_BAD_FUNCTION_ARGUMENT) on a reused handle that
        // still holds a receive buffer from a failed transfer, which then keeps that buffer.
        try? easy.setopt(.bufferSize, configuration.receiveBufferSize)
        try easy.setopt(.tcpNoDelay, true)

        // The method and the body's framing (see `Framing`).
        switch request.sendMode {
        case .bodiless: try easy.setopt(.httpGet, true)
        case .head: try easy.setopt(.noBody, true)
        case .upload: try easy.setopt(.upload, true)
        case .post: try easy.setopt(.post, true)
        }
        try setBodySize(easy, for: request)
        if let method = request.customMethod { try easy.setopt(.customRequest, method) }
        if !request.headerLines.isEmpty { try easy.setopt(.httpHeader, request.headerLines) }
        try easy.setopt(.userAgent, configuration.userAgent)

        // Redirects.
        if let max = request.maxRedirects {
            try easy.setopt(.followLocation, true)
            try easy.setopt(.maxRedirs, max)
        }

        // Versions. PIPEWAIT only for https: on cleartext it can stall a second transfer (7.88.1).
        switch configuration.httpVersion {
        case .automatic:
            try easy.setopt(.httpVersion, (request.isTLS ? CurlHTTPVersion.http2TLS : .http1_1).rawValue)
        case .http1Only:
            try easy.setopt(.httpVersion, CurlHTTPVersion.http1_1.rawValue)
        case .http2PriorKnowledge where request.isTLS:
            try easy.setopt(.httpVersion, CurlHTTPVersion.http2TLS.rawValue)
        case .http2PriorKnowledge:
            // Below libcurl 8.0 only the primer opens the connection with prior knowledge, on a
            // connection of its own (see H2CPriming); from 8.0 every request goes as asked.
            let version: CurlHTTPVersion = h2cRole == .follower ? .http2 : .http2PriorKnowledge
            try easy.setopt(.httpVersion, version.rawValue)
            if h2cRole == .primer { try easy.setopt(.freshConnect, true) }
        case .http3 where request.isTLS:
            try easy.setopt(.httpVersion, CurlHTTPVersion.http3.rawValue)
        case .http3Only where request.isTLS:
            try easy.setopt(.httpVersion, CurlHTTPVersion.http3Only.rawValue)
        case .http3, .http3Only:
            // HTTP/3 is over TLS only; TransferRequest refuses http3Only on cleartext.
            try easy.setopt(.httpVersion, CurlHTTPVersion.http1_1.rawValue)
        }
        // PIPEWAIT (wait for a connection that may multiplex rather than open another) only for
        // https: on cleartext it can stall a second transfer (7.88.1), and with h2c on 8.14.1 a
        // request whose 64 KiB header nginx refused waited forever. h2c connections multiplex
        // once open; a burst before the first is open may open up to maxConnectionsPerHost.
        if request.isTLS { try easy.setopt(.pipeWait, true) }

        // Timeouts.
        // 0 is libcurl's default (300 s); `.infinity` is clamped to TimeLimit.maxMilliseconds.
        if configuration.connectTimeout > 0 {
            try easy.setopt(.connectTimeoutMS, TimeLimit.milliseconds(configuration.connectTimeout))
        }
        if let deadline = request.deadlineMS {
            try easy.setopt(.timeoutMS, max(1, deadline))
        }
        if let idle = configuration.idleTimeout, idle.isFinite {
            try easy.setopt(.lowSpeedLimit, 1)
            try easy.setopt(.lowSpeedTime, TimeLimit.seconds(idle))
        }

        if request.decompression { try easy.setopt(.acceptEncoding, "") }
        if configuration.expectContinue != .never {
            try easy.setopt(.expect100TimeoutMS, TimeLimit.milliseconds(configuration.expectContinueTimeout))
        }

        // Credentials: to the request's own origin only (UNRESTRICTED_AUTH stays off).
        if let authentication = request.authentication { try setAuthentication(easy, authentication) }

        // Connection lifetime.
        if let age = configuration.maxIdleAge { try easy.setopt(.maxAgeConn, TimeLimit.seconds(age)) }
        if let lifetime = configuration.maxConnectionLifetime { try easy.setopt(.maxLifetimeConn, TimeLimit.seconds(lifetime)) }

        // TLS.
        let tls = configuration.tls
        try easy.setopt(.sslVerifyPeer, tls.verifyPeer)
        try easy.setopt(.sslVerifyHost, tls.verifyPeer ? 2 : 0)
        if let caFile = request.caFile { try easy.setopt(.caInfo, caFile) }
        if let certificate = tls.clientCertificateFile { try easy.setopt(.sslCert, certificate) }
        if let key = tls.clientKeyFile { try easy.setopt(.sslKey, key) }
        if let pin = tls.pinnedPublicKey { try easy.setopt(.pinnedPublicKey, pin) }
        let minimum: CurlSSLVersion = tls.minimumVersion == .tls1_3 ? .tls1_3 : .tls1_2
        try easy.setopt(.sslVersion, minimum.rawValue)

        // Proxies and sockets.
        switch configuration.proxy {
        case .environment:
            break  // libcurl reads http_proxy, https_proxy, all_proxy and no_proxy itself
        case .none:
            try easy.setopt(.proxy, "")
        case .url(let url, let excluding):
            try easy.setopt(.proxy, url)
            if let excluding { try easy.setopt(.noProxy, excluding) }
            if url.hasPrefix("https://") { try easy.setopt(.proxyCAInfo, request.caFile) }
        }
        if let path = configuration.unixSocketPath { try easy.setopt(.unixSocketPath, path) }
    }
}
