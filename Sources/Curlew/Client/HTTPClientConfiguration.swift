/// How an ``HTTPClient`` behaves. Every field has a default an experienced server engineer
/// would expect: verification on, redirects followed (up to 10), decompression on, no proxy
/// unless the environment names one, one loop thread.
public struct HTTPClientConfiguration: Sendable {
    /// Redirect handling.
    public enum RedirectPolicy: Sendable, Hashable {
        /// Return 3xx responses as they are.
        case disallow
        /// Follow up to `max` redirects (http and https only); credentials are not sent to
        /// another host.
        case follow(max: Int)
    }

    /// Which HTTP versions to use.
    public enum HTTPVersionPolicy: Sendable, Hashable {
        /// HTTP/2 over TLS where the server offers it (ALPN), HTTP/1.1 otherwise.
        case automatic
        /// HTTP/1.1 only.
        case http1Only
        /// HTTP/2 without upgrade on cleartext (h2c, prior knowledge); HTTP/2 over TLS.
        case http2PriorKnowledge
        /// HTTP/3 over QUIC for https, falling back to HTTP/2 or HTTP/1.1 over TLS when QUIC
        /// does not connect (libcurl's `CURL_HTTP_VERSION_3`); HTTP/1.1 on cleartext. Needs a
        /// libcurl built with HTTP/3 (``HTTPClientError/Kind/unsupported`` otherwise).
        case http3
        /// HTTP/3 over QUIC only (`CURL_HTTP_VERSION_3ONLY`): an https request fails when QUIC
        /// does not connect, and an http request is refused. Needs a libcurl built with HTTP/3.
        case http3Only
    }

    /// TLS settings.
    public struct TLS: Sendable, Hashable {
        /// Verify the server's certificate chain and name. On by default.
        public var verifyPeer = true
        /// A PEM file of CA certificates to trust instead of the system's.
        public var caFile: String?
        /// PEM CA certificates to trust, in memory (written to a private temporary file, since
        /// the GnuTLS build of libcurl cannot read them from memory).
        public var caPEM: [UInt8]?
        /// A client certificate file (PEM) for mutual TLS.
        public var clientCertificateFile: String?
        /// The client certificate's private key file (PEM).
        public var clientKeyFile: String?
        /// Pin the server's public key: a PEM/DER file, or `sha256//base64` hashes separated by `;`.
        public var pinnedPublicKey: String?
        /// The lowest TLS version to accept.
        public var minimumVersion: MinimumVersion = .tls1_2

        /// The lowest TLS version to accept.
        public enum MinimumVersion: Sendable, Hashable {
            /// TLS 1.2.
            case tls1_2
            /// TLS 1.3.
            case tls1_3
        }

        public init() {}
    }

    /// Proxy settings.
    public enum Proxy: Sendable, Hashable {
        /// Use `http_proxy`, `https_proxy`, `all_proxy` and `no_proxy` from the environment,
        /// as curl does.
        case environment
        /// Connect directly, whatever the environment says.
        case none
        /// Use this proxy URL: `http://`, `https://`, `socks5://` or `socks5h://`, with
        /// `user:password@` for authentication; `excluding` is a `no_proxy`-style host list.
        case url(String, excluding: String? = nil)
    }

    /// When a request body goes with `Expect: 100-continue`, so that a server can refuse it
    /// (401, 413, a redirect) before the body is sent, for a round trip.
    public enum ExpectContinuePolicy: Sendable, Hashable {
        /// Never (the default): the body follows the head at once.
        case never
        /// With every request that has a body.
        case always
        /// With bodies of more than this many bytes, and streams of unknown length.
        case above(bytes: Int64)
    }

    /// Redirect handling; `.follow(max: 10)` by default.
    public var redirects: RedirectPolicy = .follow(max: 10)
    /// HTTP versions; `.automatic` by default.
    public var httpVersion: HTTPVersionPolicy = .automatic
    /// The most seconds to wait for a connection (TCP and TLS); 30 by default. 0 is libcurl's
    /// own default (300); `.infinity` means no practical limit. NaN or negative is refused.
    public var connectTimeout: Double = 30
    /// Fail a transfer that receives nothing for this many seconds; `nil` (default) or
    /// `.infinity` for no limit. Must be above 0.
    public var idleTimeout: Double?
    /// The whole-request limit, body included, when a request gives none; `nil` for none,
    /// `.infinity` for no practical limit (clamped to 1,000 days). Must be above 0.
    public var requestTimeout: Double?
    /// Ask for compressed bodies (every encoding the linked libcurl decodes) and decode them.
    public var decompression = true
    /// The most body bytes (after decoding) a response may deliver; `nil` for no limit.
    public var maxBodySize: Int?
    /// The most connections to one host per loop; 0 for no limit. 16 by default. HTTP/1.1
    /// requests beyond it wait for a connection in the order they came, their timeout running.
    public var maxConnectionsPerHost = 16
    /// The most connections open at once per loop; 0 for no limit.
    public var maxConnections = 0
    /// Seconds an idle pooled connection may wait and still be reused (`CURLOPT_MAXAGE_CONN`);
    /// `nil` for libcurl's 118. Whole seconds (rounded up); must be above 0.
    public var maxIdleAge: Double?
    /// Seconds after it was opened that a connection is no longer reused, however busy
    /// (`CURLOPT_MAXLIFETIME_CONN`): spreads load again after a backend is added; `nil` for no
    /// limit. Whole seconds (rounded up); must be above 0.
    public var maxConnectionLifetime: Double?
    /// Idle connections kept open per loop for reuse (`CURLMOPT_MAXCONNECTS`). libcurl's own
    /// default follows the number of transfers in flight and closes connections as they end.
    public var maxIdleConnections = 512
    /// The most HTTP/2 streams per connection; 1000 by default (libcurl's own default is 100).
    /// For h2c with prior knowledge on libcurl below 8.0, at most the smaller of this and 100
    /// requests per origin are in flight at once and the rest wait in line (the curl #10634
    /// workaround; see the threading-model article). Must be at least 1.
    public var maxConcurrentStreams = 1000
    /// Loop threads; origins are pinned to one loop each so connections are reused. 1 by default.
    public var loopCount = 1
    /// TLS settings.
    public var tls = TLS()
    /// WebSocket settings: message size limit, receive buffer, close timeout.
    public var webSocket = WebSocketOptions()
    /// Proxy settings; `.environment` by default.
    public var proxy: Proxy = .environment
    /// Connect through this Unix domain socket instead of TCP.
    public var unixSocketPath: String?
    /// Retries: ``HTTPClientRetryPolicy/disabled`` by default; a request's
    /// ``HTTPClientRequestOptions/retry`` overrides it.
    public var retry = HTTPClientRetryPolicy.disabled
    /// Credentials for every request (sent to the request's own origin only); `nil` by
    /// default; a request's ``HTTPClientRequestOptions/authentication`` overrides it.
    public var authentication: HTTPClientAuthentication?
    /// The cookie jar every request uses (unless it opts out); `nil` (no cookies) by default.
    public var cookies: HTTPCookieJar?
    /// When a body goes with `Expect: 100-continue`; `.never` by default.
    public var expectContinue = ExpectContinuePolicy.never
    /// Seconds to wait for the server's `100 Continue` before sending the body anyway; 1 by
    /// default (`CURLOPT_EXPECT_100_TIMEOUT_MS`). Must be above 0.
    public var expectContinueTimeout: Double = 1
    /// The `User-Agent` sent when a request has none.
    public var userAgent = "Curlew/0.1"
    /// Bytes of response body buffered per request before reading from the network pauses.
    public var responseBufferHighWater = 1 << 20
    /// Bytes the buffer must drain to before reading resumes.
    public var responseBufferLowWater = 256 << 10
    /// libcurl's receive buffer size (`CURLOPT_BUFFERSIZE`); larger helps large downloads.
    public var receiveBufferSize = 256 << 10

    /// Record each request in swift-metrics (the bootstrapped `MetricsSystem`), named after
    /// OpenTelemetry's HTTP client conventions; off by default, when it costs nothing.
    public var metricsEnabled = false
    /// Trace each request with the bootstrapped tracer (`InstrumentationSystem`): a client span
    /// per request, the current context injected into its header fields; off by default.
    public var tracingEnabled = false
    /// Seconds that `run()`, as a ServiceLifecycle service, lets requests in flight finish
    /// after graceful shutdown begins; 5 by default. Must be 0 or more.
    public var shutdownGracePeriod: Double = 5

    /// The defaults.
    public init() {}
}
