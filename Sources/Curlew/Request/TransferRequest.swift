internal import HTTPTypes
internal import LibCurl

/// Everything the loop needs to set an easy handle up for one request; built and checked by
/// ``init(_:body:timeout:redirects:defaults:)`` before anything is sent, and immutable after.
/// A class: the transfer, its loop half and the easy handle's shape all read it, and as a
/// struct of some twenty fields it was copied (and its references retained) at each of them.
final class TransferRequest: Sendable {
    enum Body: Sendable {
        case none
        case bytes([UInt8])
        /// Files and bytes of known length, read by the loop (``SegmentReader``); replayable.
        case segments(BodySegments)
        /// Fed by a producer task through ``UploadStream``; `length` nil means chunked.
        case stream(length: Int64?)
    }

    /// How libcurl is told to send the request: the mode decides the request line's default
    /// method and the framing, ``customMethod`` (`CURLOPT_CUSTOMREQUEST`) the method itself.
    enum SendMode: Equatable {
        /// No body, no framing (`CURLOPT_HTTPGET`).
        case bodiless
        /// `CURLOPT_NOBODY`: a HEAD request, no body expected in the response.
        case head
        /// `CURLOPT_UPLOAD` with `CURLOPT_INFILESIZE_LARGE` = ``TransferRequest/bodyLength``.
        case upload
        /// `CURLOPT_POST` with `CURLOPT_POSTFIELDSIZE_LARGE` = ``TransferRequest/bodyLength``.
        case post
    }

    let url: String
    let method: HTTPRequest.Method
    /// `Name: value` lines for `CURLOPT_HTTPHEADER`, with the removals of libcurl's defaults.
    let headerLines: [String]
    let body: Body
    let sendMode: SendMode
    /// The method for `CURLOPT_CUSTOMREQUEST`, when the mode's own is not it.
    let customMethod: String?
    /// The body's length for the mode's size option: -1 for chunked, 0 for an empty body.
    let bodyLength: Int64
    let maxRedirects: Int?
    let deadlineMS: Int?
    /// The client's configuration (``Defaults/configuration``).
    var configuration: HTTPClientConfiguration { sharedConfiguration.value }
    private let sharedConfiguration: SharedConfiguration
    /// The CA file to use (a file written for `caPEM`, or `tls.caFile`).
    let caFile: String?
    /// `scheme://host[:port]`, lowercased, default port dropped: what pins the request to a
    /// loop among several and groups h2c requests; empty when neither applies.
    let originKey: String
    /// Whether the scheme is https.
    let isTLS: Bool
    let decompression: Bool
    /// Credentials, the request's or the client's.
    let authentication: HTTPClientAuthentication?
    /// The jar whose cookies go with the request, when cookies are on for it.
    let cookieJar: HTTPCookieJar?
    /// Called with the transfer's progress, and the least milliseconds between calls.
    let progress: (@Sendable (HTTPClientProgress) -> Void)?
    let progressIntervalMS: Int

    /// Whether the request is held to ``HTTPClientConfiguration/maxConnectionsPerHost`` in
    /// Curlew's own first-come-first-served queue: HTTP/1.1 for certain (cleartext without
    /// prior knowledge, or HTTP/1.1 only), where each transfer needs a connection of its own.
    /// libcurl's queue for the limit (`CURLMOPT_MAX_HOST_CONNECTIONS`) is not fair: with 64
    /// transfers over 16 connections, some waited 5 s while later ones went ahead.
    let queuesForConnection: Bool

    /// Whether this request goes as h2c with prior knowledge (cleartext, HTTP/2 asked for).
    var usesH2CPriorKnowledge: Bool { !isTLS && configuration.httpVersion == .http2PriorKnowledge }

    /// A configuration made once and shared by every request that uses it, rather than a
    /// struct of several hundred bytes copied into each request, and into each async frame and
    /// object that holds one (with the split of `HTTPClient.attempt`: 21.4 to 17.0 KiB per
    /// request in flight, `Benchmarks/` in-flight row).
    final class SharedConfiguration: Sendable {
        let value: HTTPClientConfiguration
        init(_ value: HTTPClientConfiguration) { self.value = value }
    }

    /// What a client adds to each of its requests.
    struct Defaults: Sendable {
        /// The client's configuration; each request shares this one copy.
        var configuration: HTTPClientConfiguration {
            get { shared.value }
            set { shared = SharedConfiguration(newValue) }
        }
        private(set) var shared: SharedConfiguration
        var caFile: String?
        /// Whether the origin key is needed (several loops, or h2c).
        var needsOriginKey: Bool
        /// Whether a cleartext request may go through an HTTP proxy: one is configured, or the
        /// environment names one (read when the client starts, as libcurl reads it per request).
        var mayUseHTTPProxy: Bool

        init(configuration: HTTPClientConfiguration, caFile: String?, needsOriginKey: Bool, environment: [String: String]) {
            shared = SharedConfiguration(configuration)
            self.caFile = caFile
            self.needsOriginKey = needsOriginKey
            switch configuration.proxy {
            case .none: mayUseHTTPProxy = false
            case .url(let url, _): mayUseHTTPProxy = url.lowercased().hasPrefix("http")
            case .environment:
                mayUseHTTPProxy = ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"].contains { !(environment[$0] ?? "").isEmpty }
            }
        }
    }

    /// The most bytes of method, URL and header lines a request may have: libcurl builds the
    /// request head in a buffer of at most 1 MiB (`DYN_HTTP_REQUEST`) and fails a larger one
    /// as "out of memory"; 16 KiB are left for the fields it adds itself.
    static let maxHeadBytes = (1 << 20) - (16 << 10)

    /// The header lines of a request without fields of its own and without a body.
    private static let acceptRemoved = ["Accept:"]

    /// What the checks read of a request: an `HTTPRequest`'s method, pseudo-header fields and
    /// fields, or the same taken from a URL by ``URLSplitter`` (`HTTPClient.get` with a common
    /// URL makes no `HTTPRequest`, whose storage is an allocation of its own).
    struct Target {
        var method: HTTPRequest.Method
        var scheme: String?
        var authority: String?
        var path: String?
        var headerFields: HTTPFields
    }

    /// Checks `request` and turns it into what the loop sets up, through its ``Target``.
    convenience init(
        _ request: HTTPRequest, body: HTTPClientRequestBody, timeout: Duration?,
        redirects: HTTPClientConfiguration.RedirectPolicy?, options: HTTPClientRequestOptions = HTTPClientRequestOptions(),
        defaults: Defaults, urlScheme: String? = nil
    ) throws(HTTPClientError) {
        try self.init(Target(request), body: body, timeout: timeout, redirects: redirects, options: options, defaults: defaults,
                      urlScheme: urlScheme)
    }

    /// Checks `request` and turns it into what the loop sets up.
    /// - Throws: ``HTTPClientError/Kind/invalidRequest`` (nothing was sent) for a scheme other
    ///   than http and https, a bad authority or path, a method that cannot have the body it
    ///   was given, framing fields that contradict the body, a header value with a control
    ///   character, a head too large, or a timeout or redirect limit out of range.
    /// `urlScheme`: the scheme written into ``url`` when it is not the request's own (a
    /// WebSocket's `ws`/`wss`, sent as its http/https upgrade).
    init(
        _ request: Target, body: HTTPClientRequestBody, timeout: Duration?,
        redirects: HTTPClientConfiguration.RedirectPolicy?, options: HTTPClientRequestOptions = HTTPClientRequestOptions(),
        defaults: Defaults, urlScheme: String? = nil
    ) throws(HTTPClientError) {
        // Read through the shared object, not copied into a local: a copy of the whole
        // configuration (and retains of its references) per request.
        let configuration = defaults.shared
        guard let scheme = request.scheme?.lowercased() else { throw .invalidRequest("the request has no scheme") }
        switch scheme {
        case "http", "https": break
        case "ws", "wss":
            throw HTTPClientError(.unsupported, "WebSocket requests are not supported by HTTPClient.execute")
        default:
            throw .invalidRequest("unsupported scheme \(scheme.debugDescription): only http and https")
        }
        if configuration.value.httpVersion == .http3 || configuration.value.httpVersion == .http3Only {
            try Self.checkHTTP3(isTLS: scheme == "https", only: configuration.value.httpVersion == .http3Only)
        }
        guard let authority = request.authority else { throw .invalidRequest("the request has no authority (host)") }
        let host = try Authority.host(of: authority)
        let path = request.path ?? "/"
        guard path.hasPrefix("/") || path == "*", !path.utf8.contains(where: { $0 <= 32 || $0 == 127 || $0 == UInt8(ascii: "#") }) else {
            throw .invalidRequest("the path \(path.debugDescription) holds invalid characters")
        }
        if request.method == .connect {
            throw .invalidRequest("CONNECT is not supported: configure a proxy instead")
        }

        // The request's own fields, then removals of the fields libcurl would add by itself.
        var lines: [String] = []
        if !request.headerFields.isEmpty { lines.reserveCapacity(request.headerFields.count + 3) }
        var declaredLength: Int64?, declaresChunked = false
        var has = (expect: false, acceptEncoding: false, accept: false, contentType: false)
        var headBytes = request.method.rawValue.utf8.count + authority.utf8.count + path.utf8.count + configuration.value.userAgent.utf8.count
        for field in request.headerFields {
            let value = field.value
            guard FieldValue.isValid(value) else {
                throw .invalidRequest("the value of header \(field.name) holds a control character (CR, LF, NUL, …)")
            }
            headBytes += field.name.rawName.utf8.count + value.utf8.count + 4
            switch field.name {
            // Framing is the client's to write, from the body: fields that agree with the body
            // are taken out (libcurl writes them), fields that contradict it are refused.
            case .contentLength:
                guard let length = Int64(value), length >= 0, declaredLength == nil || declaredLength == length else {
                    throw .invalidRequest("the Content-Length field \(value.debugDescription) is not one length of 0 or more")
                }
                declaredLength = length
                continue
            case .transferEncoding:
                guard value.lowercased() == "chunked" else {
                    throw .invalidRequest("the Transfer-Encoding field \(value.debugDescription) is not supported: only chunked, which the client writes itself")
                }
                declaresChunked = true
                continue
            case .expect: has.expect = true
            case .acceptEncoding: has.acceptEncoding = true
            case .accept: has.accept = true
            case .contentType: has.contentType = true
            default: break
            }
            lines.append(value.isEmpty ? "\(field.name.rawName);" : "\(field.name.rawName): \(value)")
        }
        guard headBytes <= Self.maxHeadBytes else {
            throw .invalidRequest("the request head is \(headBytes) bytes, more than the \(Self.maxHeadBytes) libcurl can send")
        }

        // The body, its framing, and how libcurl is told to send it.
        let framing = try Framing(method: request.method, body: body, declaredLength: declaredLength, declaresChunked: declaresChunked)
        // No header the caller did not ask for: libcurl's `Accept: */*` and, for POST mode, its
        // `Content-Type: application/x-www-form-urlencoded` are removed (as async-http-client
        // and URLSession send none); no 100-continue round trip before a body.
        if let declaredLength, !framing.writesLength { lines.append("Content-Length: \(declaredLength)") }
        if !has.accept {
            // Shared by the requests that carry no field of their own: no array per request.
            if lines.isEmpty { lines = Self.acceptRemoved } else { lines.append("Accept:") }
        }
        if framing.carriesBytes && !has.expect {
            lines.append(Self.expectsContinue(configuration.value.expectContinue, length: framing.length) ? "Expect: 100-continue" : "Expect:")
        }
        if let contentType = body.contentType, !has.contentType, framing.carriesBytes {
            lines.append("Content-Type: \(contentType)")
            has.contentType = true
        }
        if framing.mode == .post && !has.contentType { lines.append("Content-Type:") }
        // libcurl's `Proxy-Connection: Keep-Alive` to an HTTP proxy: a header no standard defines.
        if scheme == "http" && defaults.mayUseHTTPProxy { lines.append("Proxy-Connection:") }

        let policy = redirects ?? configuration.value.redirects
        var maxRedirects: Int?
        if case .follow(let max) = policy {
            guard max >= 0 else { throw .invalidRequest("the redirect limit must be 0 or more, not \(max)") }
            maxRedirects = max
        }
        var deadlineMS: Int?
        if let timeout {
            deadlineMS = try TimeLimit.milliseconds(timeout)
        } else if let seconds = configuration.value.requestTimeout {
            deadlineMS = TimeLimit.milliseconds(seconds)
        }
        let isHTTP1 = configuration.value.httpVersion == .http1Only || (scheme == "http" && configuration.value.httpVersion != .http2PriorKnowledge)
        let queues = isHTTP1 && configuration.value.maxConnectionsPerHost > 0
        var originKey = ""
        if defaults.needsOriginKey || queues {
            var origin = host.lowercased()
            let defaultPort = scheme == "https" ? ":443" : ":80"
            if origin.hasSuffix(defaultPort) { origin.removeLast(defaultPort.count) }
            originKey = "\(scheme)://\(origin)"
        }
        self.url = "\(urlScheme ?? scheme)://\(authority)\(path == "*" ? "/" : path)"
        self.method = request.method
        self.headerLines = lines
        self.body = framing.body
        self.sendMode = framing.mode
        self.customMethod = framing.customMethod
        self.bodyLength = framing.length
        self.maxRedirects = maxRedirects
        self.deadlineMS = deadlineMS
        self.sharedConfiguration = defaults.shared
        self.caFile = defaults.caFile
        self.originKey = originKey
        self.queuesForConnection = queues
        self.isTLS = scheme == "https"
        self.decompression = configuration.value.decompression && !has.acceptEncoding
        let authentication = options.authentication ?? configuration.value.authentication
        if let authentication, options.authentication != nil { try authentication.validate() }
        if case .ntlm = authentication, !CurlVersion.current.supportsNTLM {
            throw HTTPClientError(.unsupported, "NTLM authentication is not built into libcurl \(CurlVersion.current.version)")
        }
        self.authentication = authentication
        self.cookieJar = options.usesCookies ? configuration.value.cookies : nil
        self.progress = options.progress
        self.progressIntervalMS = options.progress != nil ? Int(TimeLimit.graceSeconds(options.progressInterval) * 1000) : 100
    }

    /// Whether a body of `length` bytes (-1: unknown) goes with `Expect: 100-continue`.
    static func expectsContinue(_ policy: HTTPClientConfiguration.ExpectContinuePolicy, length: Int64) -> Bool {
        switch policy {
        case .never: return false
        case .always: return true
        case .above(let bytes): return length < 0 || length > bytes
        }
    }
}

extension TransferRequest.Target {
    // In an extension, so that the memberwise initializer stays synthesized.
    init(_ request: HTTPRequest) {
        self.init(method: request.method, scheme: request.scheme, authority: request.authority, path: request.path,
                  headerFields: request.headerFields)
    }
}
