internal import CCurlew

/// A libcurl easy-interface result code (`CURLcode`).
///
/// The named statics cover the codes an HTTP client meets; any other value libcurl returns is
/// still carried, by its number.
public struct CurlCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The numeric `CURLcode`.
    public let rawValue: Int32
    /// Wraps a numeric `CURLcode`.
    public init(rawValue: Int32) { self.rawValue = rawValue }
    init(_ code: CURLcode) { self.rawValue = Int32(bitPattern: code.rawValue) }

    /// `CURLE_OK`.
    public static let ok = CurlCode(rawValue: 0)
    /// `CURLE_UNSUPPORTED_PROTOCOL`.
    public static let unsupportedProtocol = CurlCode(rawValue: 1)
    /// `CURLE_URL_MALFORMAT`.
    public static let urlMalformat = CurlCode(rawValue: 3)
    /// `CURLE_NOT_BUILT_IN`.
    public static let notBuiltIn = CurlCode(rawValue: 4)
    /// `CURLE_COULDNT_RESOLVE_PROXY`.
    public static let couldntResolveProxy = CurlCode(rawValue: 5)
    /// `CURLE_COULDNT_RESOLVE_HOST`.
    public static let couldntResolveHost = CurlCode(rawValue: 6)
    /// `CURLE_COULDNT_CONNECT`.
    public static let couldntConnect = CurlCode(rawValue: 7)
    /// `CURLE_WEIRD_SERVER_REPLY`.
    public static let weirdServerReply = CurlCode(rawValue: 8)
    /// `CURLE_HTTP2`.
    public static let http2 = CurlCode(rawValue: 16)
    /// `CURLE_PARTIAL_FILE`.
    public static let partialFile = CurlCode(rawValue: 18)
    /// `CURLE_HTTP_RETURNED_ERROR`.
    public static let httpReturnedError = CurlCode(rawValue: 22)
    /// `CURLE_WRITE_ERROR`: a write or header callback refused the data.
    public static let writeError = CurlCode(rawValue: 23)
    /// `CURLE_UPLOAD_FAILED`.
    public static let uploadFailed = CurlCode(rawValue: 25)
    /// `CURLE_READ_ERROR`: the read callback aborted.
    public static let readError = CurlCode(rawValue: 26)
    /// `CURLE_OUT_OF_MEMORY`.
    public static let outOfMemory = CurlCode(rawValue: 27)
    /// `CURLE_OPERATION_TIMEDOUT`.
    public static let operationTimedOut = CurlCode(rawValue: 28)
    /// `CURLE_RANGE_ERROR`.
    public static let rangeError = CurlCode(rawValue: 33)
    /// `CURLE_SSL_CONNECT_ERROR`.
    public static let sslConnectError = CurlCode(rawValue: 35)
    /// `CURLE_ABORTED_BY_CALLBACK`: the progress callback aborted.
    public static let abortedByCallback = CurlCode(rawValue: 42)
    /// `CURLE_BAD_FUNCTION_ARGUMENT`; also used for calls on a closed ``CurlEasy``.
    public static let badFunctionArgument = CurlCode(rawValue: 43)
    /// `CURLE_TOO_MANY_REDIRECTS`.
    public static let tooManyRedirects = CurlCode(rawValue: 47)
    /// `CURLE_UNKNOWN_OPTION`.
    public static let unknownOption = CurlCode(rawValue: 48)
    /// `CURLE_GOT_NOTHING`.
    public static let gotNothing = CurlCode(rawValue: 52)
    /// `CURLE_SEND_ERROR`.
    public static let sendError = CurlCode(rawValue: 55)
    /// `CURLE_RECV_ERROR`.
    public static let recvError = CurlCode(rawValue: 56)
    /// `CURLE_SSL_CERTPROBLEM`.
    public static let sslCertProblem = CurlCode(rawValue: 58)
    /// `CURLE_SSL_CIPHER`.
    public static let sslCipher = CurlCode(rawValue: 59)
    /// `CURLE_PEER_FAILED_VERIFICATION`.
    public static let peerFailedVerification = CurlCode(rawValue: 60)
    /// `CURLE_BAD_CONTENT_ENCODING`.
    public static let badContentEncoding = CurlCode(rawValue: 61)
    /// `CURLE_FILESIZE_EXCEEDED`.
    public static let filesizeExceeded = CurlCode(rawValue: 63)
    /// `CURLE_SEND_FAIL_REWIND`.
    public static let sendFailRewind = CurlCode(rawValue: 65)
    /// `CURLE_SSL_CACERT_BADFILE`.
    public static let sslCACertBadFile = CurlCode(rawValue: 77)
    /// `CURLE_AGAIN`.
    public static let again = CurlCode(rawValue: 81)
    /// `CURLE_SSL_ISSUER_ERROR`.
    public static let sslIssuerError = CurlCode(rawValue: 83)
    /// `CURLE_CHUNK_FAILED`.
    public static let chunkFailed = CurlCode(rawValue: 88)
    /// `CURLE_SSL_PINNEDPUBKEYNOTMATCH`.
    public static let sslPinnedPubKeyNotMatch = CurlCode(rawValue: 90)
    /// `CURLE_HTTP2_STREAM`.
    public static let http2Stream = CurlCode(rawValue: 92)
    /// `CURLE_RECURSIVE_API_CALL`: a call made from inside a callback where it is not allowed.
    public static let recursiveAPICall = CurlCode(rawValue: 93)
    /// `CURLE_PROXY`.
    public static let proxy = CurlCode(rawValue: 97)
    /// `CURLE_FAILED_INIT`.
    public static let failedInit = CurlCode(rawValue: 2)
    /// `CURLE_REMOTE_ACCESS_DENIED`.
    public static let remoteAccessDenied = CurlCode(rawValue: 9)
    /// `CURLE_HTTP_POST_ERROR`.
    public static let httpPostError = CurlCode(rawValue: 34)
    /// `CURLE_BAD_DOWNLOAD_RESUME`.
    public static let badDownloadResume = CurlCode(rawValue: 36)
    /// `CURLE_FILE_COULDNT_READ_FILE`.
    public static let fileCouldntReadFile = CurlCode(rawValue: 37)
    /// `CURLE_INTERFACE_FAILED`.
    public static let interfaceFailed = CurlCode(rawValue: 45)
    /// `CURLE_SETOPT_OPTION_SYNTAX`.
    public static let setoptOptionSyntax = CurlCode(rawValue: 49)
    /// `CURLE_SSL_ENGINE_NOTFOUND`.
    public static let sslEngineNotFound = CurlCode(rawValue: 53)
    /// `CURLE_SSL_ENGINE_SETFAILED`.
    public static let sslEngineSetFailed = CurlCode(rawValue: 54)
    /// `CURLE_USE_SSL_FAILED`.
    public static let useSSLFailed = CurlCode(rawValue: 64)
    /// `CURLE_SSL_ENGINE_INITFAILED`.
    public static let sslEngineInitFailed = CurlCode(rawValue: 66)
    /// `CURLE_LOGIN_DENIED`.
    public static let loginDenied = CurlCode(rawValue: 67)
    /// `CURLE_REMOTE_FILE_NOT_FOUND`.
    public static let remoteFileNotFound = CurlCode(rawValue: 78)
    /// `CURLE_SSH`.
    public static let ssh = CurlCode(rawValue: 79)
    /// `CURLE_SSL_SHUTDOWN_FAILED`.
    public static let sslShutdownFailed = CurlCode(rawValue: 80)
    /// `CURLE_SSL_CRL_BADFILE`.
    public static let sslCRLBadFile = CurlCode(rawValue: 82)
    /// `CURLE_NO_CONNECTION_AVAILABLE`.
    public static let noConnectionAvailable = CurlCode(rawValue: 89)
    /// `CURLE_SSL_INVALIDCERTSTATUS`.
    public static let sslInvalidCertStatus = CurlCode(rawValue: 91)
    /// `CURLE_AUTH_ERROR`.
    public static let authError = CurlCode(rawValue: 94)
    /// `CURLE_HTTP3`.
    public static let http3 = CurlCode(rawValue: 95)
    /// `CURLE_QUIC_CONNECT_ERROR`.
    public static let quicConnectError = CurlCode(rawValue: 96)
    /// `CURLE_SSL_CLIENTCERT`.
    public static let sslClientCert = CurlCode(rawValue: 98)
    /// `CURLE_UNRECOVERABLE_POLL`.
    public static let unrecoverablePoll = CurlCode(rawValue: 99)
    /// `CURLE_TOO_LARGE` (libcurl 8.6 and later).
    public static let tooLarge = CurlCode(rawValue: 100)
    /// `CURLE_ECH_REQUIRED` (libcurl 8.8 and later).
    public static let echRequired = CurlCode(rawValue: 101)

    /// libcurl's text for the code (`curl_easy_strerror`).
    public var message: String { String(cString: curl_easy_strerror(CURLcode(UInt32(bitPattern: rawValue)))) }
    public var description: String { "CURLE(\(rawValue))" }
}

/// An error from a ``CurlEasy`` call: libcurl's code and text, and the handle's error-buffer
/// detail (`CURLOPT_ERRORBUFFER`), which names the host, the errno or the TLS alert.
public struct CurlError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The result code.
    public let code: CurlCode
    /// libcurl's text for ``code`` (`curl_easy_strerror`).
    public let message: String
    /// The error buffer's text for this failure, or Curlew's explanation of a misuse; may be empty.
    public let detail: String

    /// An error for `code`, with libcurl's message and the given detail.
    public init(_ code: CurlCode, detail: String = "") {
        self.code = code
        self.message = code.message
        self.detail = detail
    }

    public var description: String {
        detail.isEmpty ? "curl error \(code.rawValue): \(message)" : "curl error \(code.rawValue): \(message): \(detail)"
    }

    static func closed(_ call: String) -> CurlError {
        CurlError(.badFunctionArgument, detail: "cannot invoke \(call)(): the CurlEasy is closed")
    }
}

/// A libcurl multi-interface result code (`CURLMcode`).
public struct CurlMultiCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The numeric `CURLMcode`.
    public let rawValue: Int32
    /// Wraps a numeric `CURLMcode`.
    public init(rawValue: Int32) { self.rawValue = rawValue }
    init(_ code: CURLMcode) { self.rawValue = code.rawValue }

    /// `CURLM_OK`.
    public static let ok = CurlMultiCode(rawValue: 0)
    /// `CURLM_BAD_HANDLE`; also used for calls on a closed ``CurlMulti``.
    public static let badHandle = CurlMultiCode(rawValue: 1)
    /// `CURLM_BAD_EASY_HANDLE`: the easy is closed, or not in this multi.
    public static let badEasyHandle = CurlMultiCode(rawValue: 2)
    /// `CURLM_OUT_OF_MEMORY`.
    public static let outOfMemory = CurlMultiCode(rawValue: 3)
    /// `CURLM_INTERNAL_ERROR`.
    public static let internalError = CurlMultiCode(rawValue: 4)
    /// `CURLM_BAD_SOCKET`: the socket is not one libcurl knows.
    public static let badSocket = CurlMultiCode(rawValue: 5)
    /// `CURLM_UNKNOWN_OPTION`.
    public static let unknownOption = CurlMultiCode(rawValue: 6)
    /// `CURLM_ADDED_ALREADY`: the easy is already in a multi.
    public static let addedAlready = CurlMultiCode(rawValue: 7)
    /// `CURLM_RECURSIVE_API_CALL`: called from inside this multi's own callback.
    public static let recursiveAPICall = CurlMultiCode(rawValue: 8)
    /// `CURLM_BAD_FUNCTION_ARGUMENT`: an argument out of range, such as `infoRead(max: 0)` or a
    /// negative `select` timeout.
    public static let badFunctionArgument = CurlMultiCode(rawValue: 10)

    /// libcurl's text for the code (`curl_multi_strerror`).
    public var message: String { String(cString: curl_multi_strerror(CURLMcode(rawValue: rawValue))) }
    public var description: String { "CURLM(\(rawValue))" }
}

/// An error from a ``CurlMulti`` call: libcurl's code and text, and Curlew's detail.
public struct CurlMultiError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The result code.
    public let code: CurlMultiCode
    /// libcurl's text for ``code`` (`curl_multi_strerror`).
    public let message: String
    /// What was being done, or why Curlew refused the call; may be empty.
    public let detail: String

    /// An error for `code`, with libcurl's message and the given detail.
    public init(_ code: CurlMultiCode, detail: String = "") {
        self.code = code
        self.message = code.message
        self.detail = detail
    }

    public var description: String {
        detail.isEmpty ? "curl multi error \(code.rawValue): \(message)" : "curl multi error \(code.rawValue): \(message): \(detail)"
    }
}

/// A libcurl share-interface result code (`CURLSHcode`).
public struct CurlShareCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The numeric `CURLSHcode`.
    public let rawValue: Int32
    /// Wraps a numeric `CURLSHcode`.
    public init(rawValue: Int32) { self.rawValue = rawValue }
    init(_ code: CURLSHcode) { self.rawValue = Int32(bitPattern: code.rawValue) }

    /// `CURLSHE_OK`.
    public static let ok = CurlShareCode(rawValue: 0)
    /// `CURLSHE_BAD_OPTION`.
    public static let badOption = CurlShareCode(rawValue: 1)
    /// `CURLSHE_IN_USE`: easy handles are attached.
    public static let inUse = CurlShareCode(rawValue: 2)
    /// `CURLSHE_INVALID`; also used for calls on a closed ``CurlShare``.
    public static let invalid = CurlShareCode(rawValue: 3)
    /// `CURLSHE_NOMEM`.
    public static let noMemory = CurlShareCode(rawValue: 4)
    /// `CURLSHE_NOT_BUILT_IN`: the linked libcurl cannot share this data.
    public static let notBuiltIn = CurlShareCode(rawValue: 5)

    /// libcurl's text for the code (`curl_share_strerror`).
    public var message: String { String(cString: curl_share_strerror(CURLSHcode(UInt32(bitPattern: rawValue)))) }
    public var description: String { "CURLSHE(\(rawValue))" }
}

/// An error from a ``CurlShare`` call: libcurl's code and text, and Curlew's detail.
public struct CurlShareError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The result code.
    public let code: CurlShareCode
    /// libcurl's text for ``code`` (`curl_share_strerror`).
    public let message: String
    /// What was being done, or why Curlew refused the call; may be empty.
    public let detail: String

    /// An error for `code`, with libcurl's message and the given detail.
    public init(_ code: CurlShareCode, detail: String = "") {
        self.code = code
        self.message = code.message
        self.detail = detail
    }

    public var description: String {
        detail.isEmpty ? "curl share error \(code.rawValue): \(message)" : "curl share error \(code.rawValue): \(message): \(detail)"
    }
}
