internal import CCurlew

/// What a write or header callback tells libcurl to do with the bytes it was handed.
public enum CurlWriteAction: Sendable {
    /// The bytes were taken; go on.
    case proceed
    /// Pause receiving (`CURL_WRITEFUNC_PAUSE`); libcurl hands the same bytes again after
    /// ``CurlEasy/pause(_:)`` resumes it.
    case pause
    /// Abort the transfer with ``CurlCode/writeError``.
    case abort
}

/// What a read callback hands libcurl.
public enum CurlReadAction: Sendable {
    /// This many bytes were written into the buffer; 0 ends the upload.
    case bytes(Int)
    /// Nothing yet: pause sending (`CURL_READFUNC_PAUSE`) until ``CurlEasy/pause(_:)`` resumes.
    case pause
    /// Abort the transfer (`CURL_READFUNC_ABORT`, ``CurlCode/abortedByCallback``).
    case abort
}

/// What a seek function answers (`CURL_SEEKFUNC_*`).
public enum CurlSeekAction: Sendable, Hashable {
    /// The next read starts at the asked offset (`CURL_SEEKFUNC_OK`).
    case ok
    /// Seeking failed: the transfer fails (`CURL_SEEKFUNC_FAIL`).
    case fail
    /// This body cannot seek (`CURL_SEEKFUNC_CANTSEEK`): libcurl may work around it by reading
    /// and discarding, or fails with ``CurlCode/sendFailRewind``.
    case cantSeek
}

/// Transfer progress as the progress callback sees it (`CURLOPT_XFERINFOFUNCTION`).
public struct CurlProgress: Sendable, Hashable {
    /// Bytes expected to be received, or 0 when unknown.
    public var downloadTotal: Int64
    /// Bytes received so far.
    public var downloadNow: Int64
    /// Bytes expected to be sent, or 0 when unknown.
    public var uploadTotal: Int64
    /// Bytes sent so far.
    public var uploadNow: Int64
}

/// The kind of text a debug callback receives (`curl_infotype`).
public enum CurlDebugType: Int, Sendable {
    /// `CURLINFO_TEXT`: libcurl's own notes, such as "Connected to …".
    case text = 0
    /// `CURLINFO_HEADER_IN`: a response head line.
    case headerIn = 1
    /// `CURLINFO_HEADER_OUT`: the request head.
    case headerOut = 2
    /// `CURLINFO_DATA_IN`: body bytes received.
    case dataIn = 3
    /// `CURLINFO_DATA_OUT`: body bytes sent.
    case dataOut = 4
    /// `CURLINFO_SSL_DATA_IN`: TLS bytes received.
    case sslDataIn = 5
    /// `CURLINFO_SSL_DATA_OUT`: TLS bytes sent.
    case sslDataOut = 6
}
