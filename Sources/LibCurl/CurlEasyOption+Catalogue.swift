internal import CCurlew

// The options Curlew names. Any other option of a family can be made with `init?(rawValue:)`,
// which checks the family against libcurl's own option table (`curl_easy_option_by_id`).

// MARK: - Options taking a `long` used as a flag

extension CurlEasyOption where Value == Bool {
    /// Print libcurl's protocol trace to stderr (or the debug callback). The C option is `CURLOPT_VERBOSE`.
    public static var verbose: Self { Self(CURLOPT_VERBOSE) }
    /// Do not call the progress callback; `false` turns it on. The C option is `CURLOPT_NOPROGRESS`.
    public static var noProgress: Self { Self(CURLOPT_NOPROGRESS) }
    /// Ask for the head only (HEAD for HTTP). The C option is `CURLOPT_NOBODY`.
    public static var noBody: Self { Self(CURLOPT_NOBODY) }
    /// Fail with `CURLE_HTTP_RETURNED_ERROR` on a status of 400 or more. The C option is `CURLOPT_FAILONERROR`.
    public static var failOnError: Self { Self(CURLOPT_FAILONERROR) }
    /// Send a body read from the read callback (PUT for HTTP). The C option is `CURLOPT_UPLOAD`.
    public static var upload: Self { Self(CURLOPT_UPLOAD) }
    /// Make an HTTP POST. The C option is `CURLOPT_POST`.
    public static var post: Self { Self(CURLOPT_POST) }
    /// Go back to an HTTP GET. The C option is `CURLOPT_HTTPGET`.
    public static var httpGet: Self { Self(CURLOPT_HTTPGET) }
    /// Follow `Location:` redirects. The C option is `CURLOPT_FOLLOWLOCATION`.
    public static var followLocation: Self { Self(CURLOPT_FOLLOWLOCATION) }
    /// Send credentials to every host a redirect goes to. The C option is `CURLOPT_UNRESTRICTED_AUTH`.
    public static var unrestrictedAuth: Self { Self(CURLOPT_UNRESTRICTED_AUTH) }
    /// Set `Referer:` when following a redirect. The C option is `CURLOPT_AUTOREFERER`.
    public static var autoReferer: Self { Self(CURLOPT_AUTOREFERER) }
    /// Verify the server's certificate chain. The C option is `CURLOPT_SSL_VERIFYPEER`.
    public static var sslVerifyPeer: Self { Self(CURLOPT_SSL_VERIFYPEER) }
    /// Verify the certificate's OCSP status. The C option is `CURLOPT_SSL_VERIFYSTATUS`.
    public static var sslVerifyStatus: Self { Self(CURLOPT_SSL_VERIFYSTATUS) }
    /// Verify an HTTPS proxy's certificate chain. The C option is `CURLOPT_PROXY_SSL_VERIFYPEER`.
    public static var proxySSLVerifyPeer: Self { Self(CURLOPT_PROXY_SSL_VERIFYPEER) }
    /// Use the TLS session cache. The C option is `CURLOPT_SSL_SESSIONID_CACHE`.
    public static var sslSessionIDCache: Self { Self(CURLOPT_SSL_SESSIONID_CACHE) }
    /// Disable Nagle's algorithm. The C option is `CURLOPT_TCP_NODELAY`.
    public static var tcpNoDelay: Self { Self(CURLOPT_TCP_NODELAY) }
    /// Send TCP keep-alive probes. The C option is `CURLOPT_TCP_KEEPALIVE`.
    public static var tcpKeepAlive: Self { Self(CURLOPT_TCP_KEEPALIVE) }
    /// Use a new connection for this transfer. The C option is `CURLOPT_FRESH_CONNECT`.
    public static var freshConnect: Self { Self(CURLOPT_FRESH_CONNECT) }
    /// Close the connection after this transfer. The C option is `CURLOPT_FORBID_REUSE`.
    public static var forbidReuse: Self { Self(CURLOPT_FORBID_REUSE) }
    /// Wait for a connection that can multiplex rather than open a new one. The C option is `CURLOPT_PIPEWAIT`.
    public static var pipeWait: Self { Self(CURLOPT_PIPEWAIT) }
    /// Decode a `Content-Encoding` libcurl asked for. The C option is `CURLOPT_HTTP_CONTENT_DECODING`.
    public static var httpContentDecoding: Self { Self(CURLOPT_HTTP_CONTENT_DECODING) }
    /// Decode chunked transfer encoding. The C option is `CURLOPT_HTTP_TRANSFER_DECODING`.
    public static var httpTransferDecoding: Self { Self(CURLOPT_HTTP_TRANSFER_DECODING) }
    /// Hide a proxy's CONNECT response heads. The C option is `CURLOPT_SUPPRESS_CONNECT_HEADERS`.
    public static var suppressConnectHeaders: Self { Self(CURLOPT_SUPPRESS_CONNECT_HEADERS) }
    /// Send `/../` and `/./` in paths as they are. The C option is `CURLOPT_PATH_AS_IS`.
    public static var pathAsIs: Self { Self(CURLOPT_PATH_AS_IS) }
    /// Collect the peer's certificate chain. The C option is `CURLOPT_CERTINFO`.
    public static var certInfo: Self { Self(CURLOPT_CERTINFO) }
    /// Ignore `Content-Length:`. The C option is `CURLOPT_IGNORE_CONTENT_LENGTH`.
    public static var ignoreContentLength: Self { Self(CURLOPT_IGNORE_CONTENT_LENGTH) }
    /// Accept HTTP/0.9 responses. The C option is `CURLOPT_HTTP09_ALLOWED`.
    public static var http09Allowed: Self { Self(CURLOPT_HTTP09_ALLOWED) }
    /// Use TCP Fast Open. The C option is `CURLOPT_TCP_FASTOPEN`.
    public static var tcpFastOpen: Self { Self(CURLOPT_TCP_FASTOPEN) }
    /// Keep sending the body after an error status. The C option is `CURLOPT_KEEP_SENDING_ON_ERROR`.
    public static var keepSendingOnError: Self { Self(CURLOPT_KEEP_SENDING_ON_ERROR) }
    /// Send a HAProxy PROXY protocol v1 header. The C option is `CURLOPT_HAPROXYPROTOCOL`.
    public static var haProxyProtocol: Self { Self(CURLOPT_HAPROXYPROTOCOL) }
    /// Shuffle the resolved addresses. The C option is `CURLOPT_DNS_SHUFFLE_ADDRESSES`.
    public static var dnsShuffleAddresses: Self { Self(CURLOPT_DNS_SHUFFLE_ADDRESSES) }
    /// ASCII transfer mode (FTP). The C option is `CURLOPT_TRANSFERTEXT`.
    public static var transferText: Self { Self(CURLOPT_TRANSFERTEXT) }
    /// Convert LF to CRLF in uploads. The C option is `CURLOPT_CRLF`.
    public static var crlf: Self { Self(CURLOPT_CRLF) }
    /// Pass the headers to the write callback too. The C option is `CURLOPT_HEADER`.
    public static var header: Self { Self(CURLOPT_HEADER) }
    /// Start a new cookie session. The C option is `CURLOPT_COOKIESESSION`.
    public static var cookieSession: Self { Self(CURLOPT_COOKIESESSION) }
    /// Offer ALPN in the TLS handshake. The C option is `CURLOPT_SSL_ENABLE_ALPN`.
    public static var sslEnableALPN: Self { Self(CURLOPT_SSL_ENABLE_ALPN) }
}

// MARK: - Options taking a `long`

extension CurlEasyOption where Value == Int {
    /// The most redirects to follow; -1 for no limit. The C option is `CURLOPT_MAXREDIRS`.
    public static var maxRedirs: Self { Self(CURLOPT_MAXREDIRS) }
    /// The whole transfer's limit in milliseconds; 0 for none. The C option is `CURLOPT_TIMEOUT_MS`.
    public static var timeoutMS: Self { Self(CURLOPT_TIMEOUT_MS) }
    /// The connect phase's limit in milliseconds. The C option is `CURLOPT_CONNECTTIMEOUT_MS`.
    public static var connectTimeoutMS: Self { Self(CURLOPT_CONNECTTIMEOUT_MS) }
    /// Bytes per second below which the transfer counts as too slow. The C option is `CURLOPT_LOW_SPEED_LIMIT`.
    public static var lowSpeedLimit: Self { Self(CURLOPT_LOW_SPEED_LIMIT) }
    /// Seconds below `lowSpeedLimit` before aborting. The C option is `CURLOPT_LOW_SPEED_TIME`.
    public static var lowSpeedTime: Self { Self(CURLOPT_LOW_SPEED_TIME) }
    /// 2 to check the certificate's name against the host, 0 not to. The C option is `CURLOPT_SSL_VERIFYHOST`.
    public static var sslVerifyHost: Self { Self(CURLOPT_SSL_VERIFYHOST) }
    /// 2 to check an HTTPS proxy's certificate name, 0 not to. The C option is `CURLOPT_PROXY_SSL_VERIFYHOST`.
    public static var proxySSLVerifyHost: Self { Self(CURLOPT_PROXY_SSL_VERIFYHOST) }
    /// The HTTP version to use: a `CURL_HTTP_VERSION_*` value (see ``CurlHTTPVersion``). The C option is `CURLOPT_HTTP_VERSION`.
    public static var httpVersion: Self { Self(CURLOPT_HTTP_VERSION) }
    /// 1 to stop after connecting (then ``CurlEasy/activeSocket()``); 2 to stop after a
    /// `ws://`/`wss://` upgrade, for ``CurlEasy/wsSend(_:flags:fragmentSize:)`` and
    /// ``CurlEasy/wsRecv(into:)``. The C option is `CURLOPT_CONNECT_ONLY`.
    public static var connectOnly: Self { Self(CURLOPT_CONNECT_ONLY) }
    /// WebSocket behaviour bits: ``CurlWebSocketOptions``. The C option is `CURLOPT_WS_OPTIONS`.
    public static var webSocketOptions: Self { Self(CURLOPT_WS_OPTIONS) }
    /// The remote port, overriding the URL's. The C option is `CURLOPT_PORT`.
    public static var port: Self { Self(CURLOPT_PORT) }
    /// The local port to bind. The C option is `CURLOPT_LOCALPORT`.
    public static var localPort: Self { Self(CURLOPT_LOCALPORT) }
    /// The receive buffer's size in bytes. The C option is `CURLOPT_BUFFERSIZE`.
    public static var bufferSize: Self { Self(CURLOPT_BUFFERSIZE) }
    /// The upload buffer's size in bytes. The C option is `CURLOPT_UPLOAD_BUFFERSIZE`.
    public static var uploadBufferSize: Self { Self(CURLOPT_UPLOAD_BUFFERSIZE) }
    /// Which IP versions to resolve: 0 whatever, 1 IPv4, 2 IPv6. The C option is `CURLOPT_IPRESOLVE`.
    public static var ipResolve: Self { Self(CURLOPT_IPRESOLVE) }
    /// The lowest (and highest) TLS version: `CURL_SSLVERSION_*`. The C option is `CURLOPT_SSLVERSION`.
    public static var sslVersion: Self { Self(CURLOPT_SSLVERSION) }
    /// The TLS versions for an HTTPS proxy. The C option is `CURLOPT_PROXY_SSLVERSION`.
    public static var proxySSLVersion: Self { Self(CURLOPT_PROXY_SSLVERSION) }
    /// The proxy's kind: `CURLPROXY_*`. The C option is `CURLOPT_PROXYTYPE`.
    public static var proxyType: Self { Self(CURLOPT_PROXYTYPE) }
    /// The proxy's port. The C option is `CURLOPT_PROXYPORT`.
    public static var proxyPort: Self { Self(CURLOPT_PROXYPORT) }
    /// Which redirects keep a POST a POST: `CURL_REDIR_POST_*` bits. The C option is `CURLOPT_POSTREDIR`.
    public static var postRedir: Self { Self(CURLOPT_POSTREDIR) }
    /// Which HTTP authentication methods to use: `CURLAUTH_*` bits. The C option is `CURLOPT_HTTPAUTH`.
    public static var httpAuth: Self { Self(CURLOPT_HTTPAUTH) }
    /// Which proxy authentication methods to use. The C option is `CURLOPT_PROXYAUTH`.
    public static var proxyAuth: Self { Self(CURLOPT_PROXYAUTH) }
    /// How long to wait for `100 Continue`. The C option is `CURLOPT_EXPECT_100_TIMEOUT_MS`.
    public static var expect100TimeoutMS: Self { Self(CURLOPT_EXPECT_100_TIMEOUT_MS) }
    /// Seconds a DNS cache entry lives; -1 forever. The C option is `CURLOPT_DNS_CACHE_TIMEOUT`.
    public static var dnsCacheTimeout: Self { Self(CURLOPT_DNS_CACHE_TIMEOUT) }
    /// The connection cache's size for a handle used alone. The C option is `CURLOPT_MAXCONNECTS`.
    public static var maxConnects: Self { Self(CURLOPT_MAXCONNECTS) }
    /// The most seconds an idle connection is reused after. The C option is `CURLOPT_MAXAGE_CONN`.
    public static var maxAgeConn: Self { Self(CURLOPT_MAXAGE_CONN) }
    /// Seconds idle before keep-alive probes. The C option is `CURLOPT_TCP_KEEPIDLE`.
    public static var tcpKeepIdle: Self { Self(CURLOPT_TCP_KEEPIDLE) }
    /// Seconds between keep-alive probes. The C option is `CURLOPT_TCP_KEEPINTVL`.
    public static var tcpKeepInterval: Self { Self(CURLOPT_TCP_KEEPINTVL) }
    /// Head start of IPv6 over IPv4. The C option is `CURLOPT_HAPPY_EYEBALLS_TIMEOUT_MS`.
    public static var happyEyeballsTimeoutMS: Self { Self(CURLOPT_HAPPY_EYEBALLS_TIMEOUT_MS) }
    /// The HTTP/2 stream weight. The C option is `CURLOPT_STREAM_WEIGHT`.
    public static var streamWeight: Self { Self(CURLOPT_STREAM_WEIGHT) }
    /// `CURLSSLOPT_*` bits. The C option is `CURLOPT_SSL_OPTIONS`.
    public static var sslOptions: Self { Self(CURLOPT_SSL_OPTIONS) }
    /// `CURLSSLOPT_*` bits for an HTTPS proxy. The C option is `CURLOPT_PROXY_SSL_OPTIONS`.
    public static var proxySSLOptions: Self { Self(CURLOPT_PROXY_SSL_OPTIONS) }
    /// SOCKS5 authentication methods: `CURLAUTH_BASIC` and/or `CURLAUTH_GSSAPI`. The C option is `CURLOPT_SOCKS5_AUTH`.
    public static var socks5Auth: Self { Self(CURLOPT_SOCKS5_AUTH) }
    /// How `timeValue` is used: `CURL_TIMECOND_*`. The C option is `CURLOPT_TIMECONDITION`.
    public static var timeCondition: Self { Self(CURLOPT_TIMECONDITION) }
    /// TLS for protocols that upgrade: `CURLUSESSL_*`. The C option is `CURLOPT_USE_SSL`.
    public static var useSSL: Self { Self(CURLOPT_USE_SSL) }
    /// The most seconds since a connection was made that it is reused. The C option is `CURLOPT_MAXLIFETIME_CONN`.
    public static var maxLifetimeConn: Self { Self(CURLOPT_MAXLIFETIME_CONN) }
    /// How often connection upkeep runs. The C option is `CURLOPT_UPKEEP_INTERVAL_MS`.
    public static var upkeepIntervalMS: Self { Self(CURLOPT_UPKEEP_INTERVAL_MS) }
    /// Seconds to wait for a server response (FTP, SFTP, IMAP, …). The C option is `CURLOPT_SERVER_RESPONSE_TIMEOUT`.
    public static var serverResponseTimeout: Self { Self(CURLOPT_SERVER_RESPONSE_TIMEOUT) }
    /// Verify the DNS-over-HTTPS server's certificate. The C option is `CURLOPT_DOH_SSL_VERIFYPEER`.
    public static var doHSSLVerifyPeer: Self { Self(CURLOPT_DOH_SSL_VERIFYPEER) }
}

// MARK: - Options taking a `curl_off_t`

extension CurlEasyOption where Value == Int64 {
    /// The size of the POST body. The C option is `CURLOPT_POSTFIELDSIZE_LARGE`.
    public static var postFieldSizeLarge: Self { Self(CURLOPT_POSTFIELDSIZE_LARGE) }
    /// The size of the upload, or -1 for unknown (chunked). The C option is `CURLOPT_INFILESIZE_LARGE`.
    public static var inFileSizeLarge: Self { Self(CURLOPT_INFILESIZE_LARGE) }
    /// The largest download accepted. The C option is `CURLOPT_MAXFILESIZE_LARGE`.
    public static var maxFileSizeLarge: Self { Self(CURLOPT_MAXFILESIZE_LARGE) }
    /// The offset to resume a transfer from. The C option is `CURLOPT_RESUME_FROM_LARGE`.
    public static var resumeFromLarge: Self { Self(CURLOPT_RESUME_FROM_LARGE) }
    /// Receive rate cap in bytes per second. The C option is `CURLOPT_MAX_RECV_SPEED_LARGE`.
    public static var maxRecvSpeedLarge: Self { Self(CURLOPT_MAX_RECV_SPEED_LARGE) }
    /// Send rate cap in bytes per second. The C option is `CURLOPT_MAX_SEND_SPEED_LARGE`.
    public static var maxSendSpeedLarge: Self { Self(CURLOPT_MAX_SEND_SPEED_LARGE) }
    /// The time for `timeCondition`, in seconds since the epoch. The C option is `CURLOPT_TIMEVALUE_LARGE`.
    public static var timeValueLarge: Self { Self(CURLOPT_TIMEVALUE_LARGE) }
}

// MARK: - Options taking a string, which libcurl copies

extension CurlEasyOption where Value == String {
    /// The URL to transfer. The C option is `CURLOPT_URL`.
    public static var url: Self { Self(CURLOPT_URL) }
    /// The request method to send instead of the default. The C option is `CURLOPT_CUSTOMREQUEST`.
    public static var customRequest: Self { Self(CURLOPT_CUSTOMREQUEST) }
    /// The `User-Agent:` header. The C option is `CURLOPT_USERAGENT`.
    public static var userAgent: Self { Self(CURLOPT_USERAGENT) }
    /// The `Referer:` header. The C option is `CURLOPT_REFERER`.
    public static var referer: Self { Self(CURLOPT_REFERER) }
    /// The encodings to ask for and decode; empty for all built in. The C option is `CURLOPT_ACCEPT_ENCODING`.
    public static var acceptEncoding: Self { Self(CURLOPT_ACCEPT_ENCODING) }
    /// A `Cookie:` header's content. The C option is `CURLOPT_COOKIE`.
    public static var cookie: Self { Self(CURLOPT_COOKIE) }
    /// A cookie file to read; empty turns the cookie engine on. The C option is `CURLOPT_COOKIEFILE`.
    public static var cookieFile: Self { Self(CURLOPT_COOKIEFILE) }
    /// A cookie file to write at cleanup. The C option is `CURLOPT_COOKIEJAR`.
    public static var cookieJar: Self { Self(CURLOPT_COOKIEJAR) }
    /// A cookie line, or `ALL`, `SESS`, `FLUSH`, `RELOAD`. The C option is `CURLOPT_COOKIELIST`.
    public static var cookieList: Self { Self(CURLOPT_COOKIELIST) }
    /// `user:password` for authentication. The C option is `CURLOPT_USERPWD`.
    public static var userPwd: Self { Self(CURLOPT_USERPWD) }
    /// The user name for authentication. The C option is `CURLOPT_USERNAME`.
    public static var username: Self { Self(CURLOPT_USERNAME) }
    /// The password for authentication. The C option is `CURLOPT_PASSWORD`.
    public static var password: Self { Self(CURLOPT_PASSWORD) }
    /// The proxy's URL. The C option is `CURLOPT_PROXY`.
    public static var proxy: Self { Self(CURLOPT_PROXY) }
    /// Hosts not to reach through the proxy, comma-separated. The C option is `CURLOPT_NOPROXY`.
    public static var noProxy: Self { Self(CURLOPT_NOPROXY) }
    /// `user:password` for the proxy. The C option is `CURLOPT_PROXYUSERPWD`.
    public static var proxyUserPwd: Self { Self(CURLOPT_PROXYUSERPWD) }
    /// The proxy's user name. The C option is `CURLOPT_PROXYUSERNAME`.
    public static var proxyUsername: Self { Self(CURLOPT_PROXYUSERNAME) }
    /// The proxy's password. The C option is `CURLOPT_PROXYPASSWORD`.
    public static var proxyPassword: Self { Self(CURLOPT_PROXYPASSWORD) }
    /// A SOCKS proxy before the HTTP proxy. The C option is `CURLOPT_PRE_PROXY`.
    public static var preProxy: Self { Self(CURLOPT_PRE_PROXY) }
    /// A CA bundle file to verify peers with. The C option is `CURLOPT_CAINFO`.
    public static var caInfo: Self { Self(CURLOPT_CAINFO) }
    /// A directory of CA certificates. The C option is `CURLOPT_CAPATH`.
    public static var caPath: Self { Self(CURLOPT_CAPATH) }
    /// A CA bundle file for an HTTPS proxy. The C option is `CURLOPT_PROXY_CAINFO`.
    public static var proxyCAInfo: Self { Self(CURLOPT_PROXY_CAINFO) }
    /// The client certificate file. The C option is `CURLOPT_SSLCERT`.
    public static var sslCert: Self { Self(CURLOPT_SSLCERT) }
    /// The client certificate's format: `PEM`, `DER`, `P12`. The C option is `CURLOPT_SSLCERTTYPE`.
    public static var sslCertType: Self { Self(CURLOPT_SSLCERTTYPE) }
    /// The client private key file. The C option is `CURLOPT_SSLKEY`.
    public static var sslKey: Self { Self(CURLOPT_SSLKEY) }
    /// The private key's format. The C option is `CURLOPT_SSLKEYTYPE`.
    public static var sslKeyType: Self { Self(CURLOPT_SSLKEYTYPE) }
    /// The private key's pass phrase. The C option is `CURLOPT_KEYPASSWD`.
    public static var keyPassword: Self { Self(CURLOPT_KEYPASSWD) }
    /// A public key file, or `sha256//` hashes, the peer must match. The C option is `CURLOPT_PINNEDPUBLICKEY`.
    public static var pinnedPublicKey: Self { Self(CURLOPT_PINNEDPUBLICKEY) }
    /// The TLS cipher list (priority string with GnuTLS). The C option is `CURLOPT_SSL_CIPHER_LIST`.
    public static var sslCipherList: Self { Self(CURLOPT_SSL_CIPHER_LIST) }
    /// The TLS 1.3 cipher suites. The C option is `CURLOPT_TLS13_CIPHERS`.
    public static var tls13Ciphers: Self { Self(CURLOPT_TLS13_CIPHERS) }
    /// Connect through this Unix domain socket. The C option is `CURLOPT_UNIX_SOCKET_PATH`.
    public static var unixSocketPath: Self { Self(CURLOPT_UNIX_SOCKET_PATH) }
    /// Connect through this abstract Unix socket. The C option is `CURLOPT_ABSTRACT_UNIX_SOCKET`.
    public static var abstractUnixSocket: Self { Self(CURLOPT_ABSTRACT_UNIX_SOCKET) }
    /// The interface, address or host to send from. The C option is `CURLOPT_INTERFACE`.
    public static var interface: Self { Self(CURLOPT_INTERFACE) }
    /// A byte range to ask for, such as `0-99`. The C option is `CURLOPT_RANGE`.
    public static var range: Self { Self(CURLOPT_RANGE) }
    /// The POST body, copied by libcurl. The C option is `CURLOPT_COPYPOSTFIELDS`.
    public static var copyPostFields: Self { Self(CURLOPT_COPYPOSTFIELDS) }
    /// The scheme for URLs without one. The C option is `CURLOPT_DEFAULT_PROTOCOL`.
    public static var defaultProtocol: Self { Self(CURLOPT_DEFAULT_PROTOCOL) }
    /// The schemes allowed, comma-separated, such as `http,https`. The C option is `CURLOPT_PROTOCOLS_STR`.
    public static var protocolsString: Self { Self(CURLOPT_PROTOCOLS_STR) }
    /// The schemes a redirect may go to. The C option is `CURLOPT_REDIR_PROTOCOLS_STR`.
    public static var redirectProtocolsString: Self { Self(CURLOPT_REDIR_PROTOCOLS_STR) }
    /// An OAuth 2 bearer token. The C option is `CURLOPT_XOAUTH2_BEARER`.
    public static var xoauth2Bearer: Self { Self(CURLOPT_XOAUTH2_BEARER) }
    /// The request target to send instead of the URL's path. The C option is `CURLOPT_REQUEST_TARGET`.
    public static var requestTarget: Self { Self(CURLOPT_REQUEST_TARGET) }
    /// A DNS-over-HTTPS server's URL. The C option is `CURLOPT_DOH_URL`.
    public static var doHURL: Self { Self(CURLOPT_DOH_URL) }
    /// DNS servers to use (c-ares builds only). The C option is `CURLOPT_DNS_SERVERS`.
    public static var dnsServers: Self { Self(CURLOPT_DNS_SERVERS) }
    /// An alt-svc cache file. The C option is `CURLOPT_ALTSVC`.
    public static var altSvc: Self { Self(CURLOPT_ALTSVC) }
    /// An HSTS cache file. The C option is `CURLOPT_HSTS`.
    public static var hsts: Self { Self(CURLOPT_HSTS) }
    /// The crypto engine to use. The C option is `CURLOPT_SSLENGINE`.
    public static var sslEngine: Self { Self(CURLOPT_SSLENGINE) }
    /// AWS V4 signature parameters. The C option is `CURLOPT_AWS_SIGV4`.
    public static var aws4Signature: Self { Self(CURLOPT_AWS_SIGV4) }
    /// Login options (IMAP, POP3, SMTP). The C option is `CURLOPT_LOGIN_OPTIONS`.
    public static var loginOptions: Self { Self(CURLOPT_LOGIN_OPTIONS) }
    /// The authentication service name. The C option is `CURLOPT_SERVICE_NAME`.
    public static var serviceName: Self { Self(CURLOPT_SERVICE_NAME) }
    /// The proxy authentication service name. The C option is `CURLOPT_PROXY_SERVICE_NAME`.
    public static var proxyServiceName: Self { Self(CURLOPT_PROXY_SERVICE_NAME) }
    /// The client certificate for an HTTPS proxy. The C option is `CURLOPT_PROXY_SSLCERT`.
    public static var proxySSLCert: Self { Self(CURLOPT_PROXY_SSLCERT) }
    /// The private key for an HTTPS proxy. The C option is `CURLOPT_PROXY_SSLKEY`.
    public static var proxySSLKey: Self { Self(CURLOPT_PROXY_SSLKEY) }
    /// The public key an HTTPS proxy must match. The C option is `CURLOPT_PROXY_PINNEDPUBLICKEY`.
    public static var proxyPinnedPublicKey: Self { Self(CURLOPT_PROXY_PINNEDPUBLICKEY) }
    /// The key exchange curves. The C option is `CURLOPT_SSL_EC_CURVES`.
    public static var sslECCurves: Self { Self(CURLOPT_SSL_EC_CURVES) }
}

// MARK: - Options taking a `curl_slist`, which the handle keeps alive

extension CurlEasyOption where Value == [String] {
    /// Request headers to add, replace (`Name: value`) or remove (`Name:`). The C option is `CURLOPT_HTTPHEADER`.
    public static var httpHeader: Self { Self(CURLOPT_HTTPHEADER) }
    /// Headers for the proxy. The C option is `CURLOPT_PROXYHEADER`.
    public static var proxyHeader: Self { Self(CURLOPT_PROXYHEADER) }
    /// `host:port:address` entries placed in the DNS cache. The C option is `CURLOPT_RESOLVE`.
    public static var resolve: Self { Self(CURLOPT_RESOLVE) }
    /// `host:port:connect-host:connect-port` redirections of connections. The C option is `CURLOPT_CONNECT_TO`.
    public static var connectTo: Self { Self(CURLOPT_CONNECT_TO) }
    /// Status lines to treat as `HTTP/1.0 200 OK`. The C option is `CURLOPT_HTTP200ALIASES`.
    public static var http200Aliases: Self { Self(CURLOPT_HTTP200ALIASES) }
    /// SMTP recipients. The C option is `CURLOPT_MAIL_RCPT`.
    public static var mailRecipients: Self { Self(CURLOPT_MAIL_RCPT) }
    /// Commands sent before the transfer (FTP, SFTP). The C option is `CURLOPT_QUOTE`.
    public static var quote: Self { Self(CURLOPT_QUOTE) }
}

// MARK: - Options taking a `curl_blob`, which libcurl copies

extension CurlEasyOption where Value == [UInt8] {
    /// A PEM CA bundle in memory (not every TLS backend supports it: GnuTLS does not in 7.88.1). The C option is `CURLOPT_CAINFO_BLOB`.
    public static var caInfoBlob: Self { Self(CURLOPT_CAINFO_BLOB) }
    /// The client certificate in memory. The C option is `CURLOPT_SSLCERT_BLOB`.
    public static var sslCertBlob: Self { Self(CURLOPT_SSLCERT_BLOB) }
    /// The client private key in memory. The C option is `CURLOPT_SSLKEY_BLOB`.
    public static var sslKeyBlob: Self { Self(CURLOPT_SSLKEY_BLOB) }
    /// The issuer certificate in memory. The C option is `CURLOPT_ISSUERCERT_BLOB`.
    public static var issuerCertBlob: Self { Self(CURLOPT_ISSUERCERT_BLOB) }
}
