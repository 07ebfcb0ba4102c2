internal import CCurlew

/// What libcurl wants to wait for on a socket, as the socket callback is told (`CURL_POLL_*`).
public enum CurlPoll: Int32, Sendable {
    /// `CURL_POLL_NONE`: nothing for now.
    case none = 0
    /// `CURL_POLL_IN`: readable.
    case `in` = 1
    /// `CURL_POLL_OUT`: writable.
    case out = 2
    /// `CURL_POLL_INOUT`: readable or writable.
    case inOut = 3
    /// `CURL_POLL_REMOVE`: libcurl is done with the socket; its assignment is dropped after the
    /// callback returns.
    case remove = 4
}

/// Which events happened on a socket, for ``CurlMulti/socketAction(_:events:)``: `CURL_CSELECT_*`.
public struct CurlSelect: OptionSet, Sendable, Hashable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// `CURL_CSELECT_IN`: the socket is readable.
    public static let `in` = CurlSelect(rawValue: 1)
    /// `CURL_CSELECT_OUT`: the socket is writable.
    public static let out = CurlSelect(rawValue: 2)
    /// `CURL_CSELECT_ERR`: the socket has an error.
    public static let err = CurlSelect(rawValue: 4)
}

/// A `CURLMOPT_*` option typed by the argument it takes. PycURL spells these `pycurl.M_*`.
///
/// `Value` is `Int` for `long` options, and a closure type for the socket and timer functions.
/// `CURLMOPT_SOCKETDATA` and `CURLMOPT_TIMERDATA` are the multi's own and cannot be set.
public struct CurlMultiOption<Value>: Hashable, Sendable {
    /// The numeric `CURLMoption`.
    public let rawValue: UInt32

    init(_ option: CURLMoption) { self.rawValue = option.rawValue }

    var option: CURLMoption { CURLMoption(rawValue: rawValue) }
}

extension CurlMultiOption where Value == Int {
    /// `CURLMOPT_MAXCONNECTS`: the connection cache's size.
    public static var maxConnects: Self { Self(CURLMOPT_MAXCONNECTS) }
    /// `CURLMOPT_MAX_TOTAL_CONNECTIONS`: the most connections open at once; 0 for no limit.
    public static var maxTotalConnections: Self { Self(CURLMOPT_MAX_TOTAL_CONNECTIONS) }
    /// `CURLMOPT_MAX_HOST_CONNECTIONS`: the most connections to one host; 0 for no limit.
    public static var maxHostConnections: Self { Self(CURLMOPT_MAX_HOST_CONNECTIONS) }
    /// `CURLMOPT_MAX_CONCURRENT_STREAMS`: the most HTTP/2 streams per connection (default 100).
    public static var maxConcurrentStreams: Self { Self(CURLMOPT_MAX_CONCURRENT_STREAMS) }
    /// `CURLMOPT_PIPELINING`: 2 (`CURLPIPE_MULTIPLEX`, the default) multiplexes HTTP/2, 0 not.
    public static var pipelining: Self { Self(CURLMOPT_PIPELINING) }
}

extension CurlMultiOption where Value == CurlMulti.SocketFunction? {
    /// `CURLMOPT_SOCKETFUNCTION`: told which events libcurl wants on each socket.
    public static var socketFunction: Self { Self(CURLMOPT_SOCKETFUNCTION) }
}

extension CurlMultiOption where Value == CurlMulti.TimerFunction? {
    /// `CURLMOPT_TIMERFUNCTION`: told when libcurl wants ``CurlMulti/socketAction(_:events:)``
    /// called with ``CurlMulti/socketTimeout``.
    public static var timerFunction: Self { Self(CURLMOPT_TIMERFUNCTION) }
}
