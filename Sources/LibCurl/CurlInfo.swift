internal import CCurlew

/// A `CURLINFO_*` value typed by its result family: `easy.getinfo(.responseCode)` is an `Int`,
/// `easy.getinfo(.effectiveURL)` a `String?`. PycURL spells these `pycurl.RESPONSE_CODE`, … on
/// `Curl.getinfo`.
public struct CurlInfo<Value>: Hashable, Sendable {
    /// The numeric `CURLINFO`.
    public let rawValue: UInt32

    init(_ info: CURLINFO) { self.rawValue = info.rawValue }

    var info: CURLINFO { CURLINFO(rawValue: rawValue) }

    /// The family bits of a `CURLINFO` number (`CURLINFO_TYPEMASK`).
    static func family(of rawValue: UInt32) -> UInt32 { rawValue & 0xF0_0000 }
}

extension CurlInfo where Value == Int {
    /// A `long` result by number; `nil` when the number is not in the `long` family.
    public init?(rawValue: UInt32) {
        guard Self.family(of: rawValue) == UInt32(CURLINFO_LONG) else { return nil }
        self.rawValue = rawValue
    }

    /// The last status code received (`CURLINFO_RESPONSE_CODE`); 0 when none.
    public static var responseCode: Self { Self(CURLINFO_RESPONSE_CODE) }
    /// The HTTP version used (`CURLINFO_HTTP_VERSION`): a ``CurlHTTPVersion`` raw value.
    public static var httpVersion: Self { Self(CURLINFO_HTTP_VERSION) }
    /// The proxy's CONNECT status code (`CURLINFO_HTTP_CONNECTCODE`).
    public static var httpConnectCode: Self { Self(CURLINFO_HTTP_CONNECTCODE) }
    /// Bytes of all headers received (`CURLINFO_HEADER_SIZE`).
    public static var headerSize: Self { Self(CURLINFO_HEADER_SIZE) }
    /// Bytes of requests sent (`CURLINFO_REQUEST_SIZE`).
    public static var requestSize: Self { Self(CURLINFO_REQUEST_SIZE) }
    /// The certificate verification result (`CURLINFO_SSL_VERIFYRESULT`).
    public static var sslVerifyResult: Self { Self(CURLINFO_SSL_VERIFYRESULT) }
    /// Redirects followed (`CURLINFO_REDIRECT_COUNT`).
    public static var redirectCount: Self { Self(CURLINFO_REDIRECT_COUNT) }
    /// New connections made for the last transfer (`CURLINFO_NUM_CONNECTS`); 0 when one was reused.
    public static var numConnects: Self { Self(CURLINFO_NUM_CONNECTS) }
    /// The errno of the last connect failure (`CURLINFO_OS_ERRNO`).
    public static var osErrno: Self { Self(CURLINFO_OS_ERRNO) }
    /// The remote port of the last connection (`CURLINFO_PRIMARY_PORT`).
    public static var primaryPort: Self { Self(CURLINFO_PRIMARY_PORT) }
    /// The local port of the last connection (`CURLINFO_LOCAL_PORT`).
    public static var localPort: Self { Self(CURLINFO_LOCAL_PORT) }
    /// 1 when a time condition was not met (`CURLINFO_CONDITION_UNMET`).
    public static var conditionUnmet: Self { Self(CURLINFO_CONDITION_UNMET) }
    /// The SOCKS proxy's error (`CURLINFO_PROXY_ERROR`): a `CURLPX_*` value.
    public static var proxyError: Self { Self(CURLINFO_PROXY_ERROR) }
    /// The authentication methods the server offered (`CURLINFO_HTTPAUTH_AVAIL`).
    public static var httpAuthAvailable: Self { Self(CURLINFO_HTTPAUTH_AVAIL) }
}

extension CurlInfo where Value == Int64 {
    /// A `curl_off_t` result by number; `nil` when the number is not in that family.
    public init?(rawValue: UInt32) {
        guard Self.family(of: rawValue) == UInt32(CURLINFO_OFF_T) else { return nil }
        self.rawValue = rawValue
    }

    /// Body bytes received (`CURLINFO_SIZE_DOWNLOAD_T`).
    public static var sizeDownload: Self { Self(CURLINFO_SIZE_DOWNLOAD_T) }
    /// Body bytes sent (`CURLINFO_SIZE_UPLOAD_T`).
    public static var sizeUpload: Self { Self(CURLINFO_SIZE_UPLOAD_T) }
    /// Average download speed, bytes per second (`CURLINFO_SPEED_DOWNLOAD_T`).
    public static var speedDownload: Self { Self(CURLINFO_SPEED_DOWNLOAD_T) }
    /// Average upload speed, bytes per second (`CURLINFO_SPEED_UPLOAD_T`).
    public static var speedUpload: Self { Self(CURLINFO_SPEED_UPLOAD_T) }
    /// The `Content-Length:` of the download, or -1 (`CURLINFO_CONTENT_LENGTH_DOWNLOAD_T`).
    public static var contentLengthDownload: Self { Self(CURLINFO_CONTENT_LENGTH_DOWNLOAD_T) }
    /// The size of the upload, or -1 (`CURLINFO_CONTENT_LENGTH_UPLOAD_T`).
    public static var contentLengthUpload: Self { Self(CURLINFO_CONTENT_LENGTH_UPLOAD_T) }
    /// Microseconds from start to name resolved (`CURLINFO_NAMELOOKUP_TIME_T`).
    public static var nameLookupTime: Self { Self(CURLINFO_NAMELOOKUP_TIME_T) }
    /// Microseconds from start to connected (`CURLINFO_CONNECT_TIME_T`).
    public static var connectTime: Self { Self(CURLINFO_CONNECT_TIME_T) }
    /// Microseconds from start to the TLS handshake done (`CURLINFO_APPCONNECT_TIME_T`).
    public static var appConnectTime: Self { Self(CURLINFO_APPCONNECT_TIME_T) }
    /// Microseconds from start to about to send (`CURLINFO_PRETRANSFER_TIME_T`).
    public static var preTransferTime: Self { Self(CURLINFO_PRETRANSFER_TIME_T) }
    /// Microseconds from start to the first response byte (`CURLINFO_STARTTRANSFER_TIME_T`).
    public static var startTransferTime: Self { Self(CURLINFO_STARTTRANSFER_TIME_T) }
    /// Microseconds of the whole transfer (`CURLINFO_TOTAL_TIME_T`).
    public static var totalTime: Self { Self(CURLINFO_TOTAL_TIME_T) }
    /// Microseconds spent following redirects (`CURLINFO_REDIRECT_TIME_T`).
    public static var redirectTime: Self { Self(CURLINFO_REDIRECT_TIME_T) }
    /// The `Retry-After:` seconds, or 0 (`CURLINFO_RETRY_AFTER`).
    public static var retryAfter: Self { Self(CURLINFO_RETRY_AFTER) }
    /// The remote file's time, or -1 (`CURLINFO_FILETIME_T`).
    public static var fileTime: Self { Self(CURLINFO_FILETIME_T) }
}

extension CurlInfo where Value == Double {
    /// A `double` result by number; `nil` when the number is not in that family.
    public init?(rawValue: UInt32) {
        guard Self.family(of: rawValue) == UInt32(CURLINFO_DOUBLE) else { return nil }
        self.rawValue = rawValue
    }

    /// Seconds of the whole transfer (`CURLINFO_TOTAL_TIME`).
    public static var totalTimeSeconds: Self { Self(CURLINFO_TOTAL_TIME) }
    /// Seconds from start to connected (`CURLINFO_CONNECT_TIME`).
    public static var connectTimeSeconds: Self { Self(CURLINFO_CONNECT_TIME) }
    /// Seconds from start to the first response byte (`CURLINFO_STARTTRANSFER_TIME`).
    public static var startTransferTimeSeconds: Self { Self(CURLINFO_STARTTRANSFER_TIME) }
}

extension CurlInfo where Value == String? {
    /// A string result by number; `nil` when the number is not in that family (or is
    /// `CURLINFO_PRIVATE`, a pointer that only shares the family's number).
    public init?(rawValue: UInt32) {
        guard Self.family(of: rawValue) == UInt32(CURLINFO_STRING), rawValue != CURLINFO_PRIVATE.rawValue else { return nil }
        self.rawValue = rawValue
    }

    /// The last URL used (`CURLINFO_EFFECTIVE_URL`).
    public static var effectiveURL: Self { Self(CURLINFO_EFFECTIVE_URL) }
    /// The last request's method (`CURLINFO_EFFECTIVE_METHOD`).
    public static var effectiveMethod: Self { Self(CURLINFO_EFFECTIVE_METHOD) }
    /// The `Content-Type:` received (`CURLINFO_CONTENT_TYPE`).
    public static var contentType: Self { Self(CURLINFO_CONTENT_TYPE) }
    /// The URL a redirect would go to (`CURLINFO_REDIRECT_URL`).
    public static var redirectURL: Self { Self(CURLINFO_REDIRECT_URL) }
    /// The remote address of the last connection (`CURLINFO_PRIMARY_IP`).
    public static var primaryIP: Self { Self(CURLINFO_PRIMARY_IP) }
    /// The local address of the last connection (`CURLINFO_LOCAL_IP`).
    public static var localIP: Self { Self(CURLINFO_LOCAL_IP) }
    /// The scheme used (`CURLINFO_SCHEME`).
    public static var scheme: Self { Self(CURLINFO_SCHEME) }
    /// The `Referer:` sent (`CURLINFO_REFERER`).
    public static var referer: Self { Self(CURLINFO_REFERER) }
}

extension CurlInfo where Value == [String] {
    /// A list result by number: `CURLINFO_COOKIELIST` or `CURLINFO_SSL_ENGINES`. Other numbers
    /// of the family are pointers to libcurl's own structures, not lists, and give `nil`.
    public init?(rawValue: UInt32) {
        guard rawValue == CURLINFO_COOKIELIST.rawValue || rawValue == CURLINFO_SSL_ENGINES.rawValue else { return nil }
        self.rawValue = rawValue
    }

    /// The cookies the handle knows, in Netscape format (`CURLINFO_COOKIELIST`).
    public static var cookieList: Self { Self(CURLINFO_COOKIELIST) }
    /// The crypto engines available (`CURLINFO_SSL_ENGINES`).
    public static var sslEngines: Self { Self(CURLINFO_SSL_ENGINES) }
}

/// The TLS library's session behind a transfer (`CURLINFO_TLS_SSL_PTR`).
public struct CurlTLSSession {
    /// The backend: a `CURLSSLBACKEND_*` value (`CURLSSLBACKEND_GNUTLS` is 2).
    public let backend: Int
    /// The backend's own session object (a `gnutls_session_t` with GnuTLS); valid only while the
    /// transfer's connection is open, and only on the thread using the handle.
    public let internals: UnsafeMutableRawPointer?
}

/// What ``CurlEasy/transferInfo()`` reads of the last transfer.
public struct CurlTransferInfo: Sendable, Hashable {
    /// `CURLINFO_NAMELOOKUP_TIME_T`: start to name resolved.
    public var nameLookupMicroseconds: Int64
    /// `CURLINFO_CONNECT_TIME_T`: start to TCP connected.
    public var connectMicroseconds: Int64
    /// `CURLINFO_APPCONNECT_TIME_T`: start to TLS handshake done (0 without TLS).
    public var appConnectMicroseconds: Int64
    /// `CURLINFO_STARTTRANSFER_TIME_T`: start to first response byte.
    public var startTransferMicroseconds: Int64
    /// `CURLINFO_TOTAL_TIME_T`: the whole transfer.
    public var totalMicroseconds: Int64
    /// `CURLINFO_SIZE_DOWNLOAD_T`: body bytes received (as sent, before decoding).
    public var sizeDownload: Int64
    /// `CURLINFO_SIZE_UPLOAD_T`: body bytes sent.
    public var sizeUpload: Int64 = 0
    /// `CURLINFO_CONTENT_LENGTH_DOWNLOAD_T`: the announced length, -1 when unknown.
    public var contentLengthDownload: Int64
    /// `CURLINFO_RESPONSE_CODE`: the last status, 0 without a response.
    public var responseCode: Int
    /// `CURLINFO_NUM_CONNECTS`: connections opened for the transfer (0: one was reused).
    public var numConnects: Int
    /// `CURLINFO_REDIRECT_COUNT`: redirects followed.
    public var redirectCount: Int
    /// `CURLINFO_PRIMARY_IP`: the address of the last connection, if any.
    public var primaryIP: String?
}
