internal import CCurlew

/// A `CURLOPT_*` option typed by the C argument family it takes, so that a value of the wrong
/// type does not compile: `easy.setopt(.url, "http://…")`, `easy.setopt(.maxRedirs, 5)`.
///
/// `Value` is `Bool` or `Int` for `long` options, `Int64` for `curl_off_t`, `String` for strings
/// (libcurl copies them), `[String]` for `curl_slist` options (the handle keeps the list alive),
/// `[UInt8]` for blobs (copied). Callbacks and the share handle have their own calls on
/// ``CurlEasy``. PycURL spells these `pycurl.URL`, `pycurl.MAXREDIRS`, … on `Curl.setopt`.
public struct CurlEasyOption<Value>: Hashable, Sendable {
    /// The numeric `CURLoption`.
    public let rawValue: UInt32

    init(_ option: CURLoption) { self.rawValue = option.rawValue }

    var option: CURLoption { CURLoption(rawValue: rawValue) }

    /// The option's name in libcurl's table, such as `URL`, or `nil` when libcurl does not know it.
    public var name: String? {
        guard let entry = curl_easy_option_by_id(option) else { return nil }
        return String(cString: entry.pointee.name)
    }

    /// Checks `rawValue` against libcurl's option table (`curl_easy_option_by_id`).
    static func validated(_ rawValue: UInt32, as types: Set<UInt32>) -> Self? {
        // NOSIGNAL stays on: signals do not work in a threaded process.
        guard rawValue != CURLOPT_NOSIGNAL.rawValue, let entry = curl_easy_option_by_id(CURLoption(rawValue: rawValue)),
              types.contains(entry.pointee.type.rawValue)
        else { return nil }
        return Self(CURLoption(rawValue: rawValue))
    }
}

extension CurlEasyOption where Value == Bool {
    /// A `long` option used as a flag, by number; `nil` when libcurl knows no such `long` option.
    public init?(rawValue: UInt32) {
        guard let option = Self.validated(rawValue, as: [CURLOT_LONG.rawValue, CURLOT_VALUES.rawValue]) else { return nil }
        self = option
    }
}

extension CurlEasyOption where Value == Int {
    /// A `long` option by number; `nil` when libcurl knows no such `long` option.
    public init?(rawValue: UInt32) {
        guard let option = Self.validated(rawValue, as: [CURLOT_LONG.rawValue, CURLOT_VALUES.rawValue]) else { return nil }
        self = option
    }
}

extension CurlEasyOption where Value == Int64 {
    /// A `curl_off_t` option by number; `nil` when libcurl knows no such option.
    public init?(rawValue: UInt32) {
        guard let option = Self.validated(rawValue, as: [CURLOT_OFF_T.rawValue]) else { return nil }
        self = option
    }
}

extension CurlEasyOption where Value == String {
    /// A string option by number; `nil` when libcurl knows no such string option.
    public init?(rawValue: UInt32) {
        guard let option = Self.validated(rawValue, as: [CURLOT_STRING.rawValue]) else { return nil }
        self = option
    }
}

extension CurlEasyOption where Value == [String] {
    /// A `curl_slist` option by number; `nil` when libcurl knows no such list option.
    public init?(rawValue: UInt32) {
        guard let option = Self.validated(rawValue, as: [CURLOT_SLIST.rawValue]) else { return nil }
        self = option
    }
}

extension CurlEasyOption where Value == [UInt8] {
    /// A blob option by number; `nil` when libcurl knows no such blob option.
    public init?(rawValue: UInt32) {
        guard let option = Self.validated(rawValue, as: [CURLOT_BLOB.rawValue]) else { return nil }
        self = option
    }
}

/// Values for ``CurlEasyOption/httpVersion``.
public enum CurlHTTPVersion: Int, Sendable {
    /// `CURL_HTTP_VERSION_NONE`: libcurl's default (HTTP/2 over TLS where it can, else 1.1).
    case none = 0
    /// `CURL_HTTP_VERSION_1_0`.
    case http1_0 = 1
    /// `CURL_HTTP_VERSION_1_1`.
    case http1_1 = 2
    /// `CURL_HTTP_VERSION_2_0`: HTTP/2, with an `Upgrade:` offer on cleartext.
    case http2 = 3
    /// `CURL_HTTP_VERSION_2TLS`: HTTP/2 over TLS, HTTP/1.1 on cleartext.
    case http2TLS = 4
    /// `CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE`: HTTP/2 without upgrade (h2c on cleartext).
    case http2PriorKnowledge = 5
    /// `CURL_HTTP_VERSION_3`: HTTP/3 over QUIC, falling back to HTTP/2 or HTTP/1.1 over TLS.
    case http3 = 30
    /// `CURL_HTTP_VERSION_3ONLY`: HTTP/3 over QUIC, failing when QUIC does not connect.
    case http3Only = 31
}

/// Values for ``CurlEasyOption/sslVersion``: the lowest TLS version to accept.
public enum CurlSSLVersion: Int, Sendable {
    /// `CURL_SSLVERSION_DEFAULT`.
    case `default` = 0
    /// `CURL_SSLVERSION_TLSv1_2`.
    case tls1_2 = 6
    /// `CURL_SSLVERSION_TLSv1_3`.
    case tls1_3 = 7
}

/// HTTP authentication methods for ``CurlEasyOption/httpAuth``: `CURLAUTH_*` bits.
public struct CurlAuth: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// `CURLAUTH_BASIC`.
    public static let basic = CurlAuth(rawValue: 1 << 0)
    /// `CURLAUTH_DIGEST`.
    public static let digest = CurlAuth(rawValue: 1 << 1)
    /// `CURLAUTH_NEGOTIATE`.
    public static let negotiate = CurlAuth(rawValue: 1 << 2)
    /// `CURLAUTH_NTLM`.
    public static let ntlm = CurlAuth(rawValue: 1 << 3)
    /// `CURLAUTH_BEARER`: the token of ``CurlEasyOption/xoauth2Bearer``.
    public static let bearer = CurlAuth(rawValue: 1 << 6)
    /// `CURLAUTH_ANY`: every method but `CURLAUTH_DIGEST_IE`, the server's strongest chosen.
    public static let any = CurlAuth(rawValue: ~(1 << 4))
}

/// The pause directions of ``CurlEasy/pause(_:)``: `CURLPAUSE_*`.
public struct CurlPause: OptionSet, Sendable, Hashable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// `CURLPAUSE_RECV`: pause receiving.
    public static let receive = CurlPause(rawValue: 1 << 0)
    /// `CURLPAUSE_SEND`: pause sending.
    public static let send = CurlPause(rawValue: 1 << 2)
    /// `CURLPAUSE_ALL`: pause both directions.
    public static let all: CurlPause = [.receive, .send]
    /// `CURLPAUSE_CONT`: resume both directions (the empty set).
    public static let resume: CurlPause = []
}
