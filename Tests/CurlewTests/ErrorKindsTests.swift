@testable import Curlew
import LibCurl
import Testing

/// The code → kind table, code by code: what a caller switches on for each libcurl result.
@Suite("Error kinds: libcurl codes")
struct ErrorKindsTests {
    static let table: [(CurlCode, HTTPClientError.Kind)] = [
        (.couldntConnect, .connectionRefused), (.quicConnectError, .connectionRefused),
        (.couldntResolveHost, .dnsFailure),
        (.couldntResolveProxy, .proxyFailure), (.proxy, .proxyFailure),
        (.sslConnectError, .tlsFailure), (.sslEngineNotFound, .tlsFailure), (.sslEngineSetFailed, .tlsFailure),
        (.sslCertProblem, .tlsFailure), (.sslCipher, .tlsFailure), (.peerFailedVerification, .tlsFailure),
        (.useSSLFailed, .tlsFailure), (.sslEngineInitFailed, .tlsFailure), (.sslCACertBadFile, .tlsFailure),
        (.sslShutdownFailed, .tlsFailure), (.sslCRLBadFile, .tlsFailure), (.sslIssuerError, .tlsFailure),
        (.sslPinnedPubKeyNotMatch, .tlsFailure), (.sslInvalidCertStatus, .tlsFailure), (.sslClientCert, .tlsFailure),
        (.echRequired, .tlsFailure),
        (.operationTimedOut, .timeout),
        (.tooManyRedirects, .tooManyRedirects),
        (.filesizeExceeded, .bodyTooLarge),
        (.partialFile, .truncatedBody),
        (.weirdServerReply, .protocolError), (.http2, .protocolError), (.http2Stream, .protocolError),
        (.http3, .protocolError), (.badContentEncoding, .protocolError), (.tooLarge, .protocolError),
        (.sendError, .networkError), (.gotNothing, .networkError), (.uploadFailed, .networkError),
        (.interfaceFailed, .networkError), (.unrecoverablePoll, .networkError),
        (.urlMalformat, .invalidRequest), (.setoptOptionSyntax, .invalidRequest),
        (.notBuiltIn, .unsupported), (.unknownOption, .unsupported),
        (.abortedByCallback, .cancelled),
        (.failedInit, .other), (.writeError, .other), (.readError, .other), (.outOfMemory, .other),
        (.badFunctionArgument, .other), (.recursiveAPICall, .other), (.again, .other), (.rangeError, .other),
        (.sendFailRewind, .other), (.loginDenied, .other), (.authError, .other), (.httpReturnedError, .other),
        (.noConnectionAvailable, .other), (.remoteAccessDenied, .other), (.ssh, .other),
    ]

    @Test("each code maps to the kind its meaning gives", arguments: table.map { ($0.0.rawValue, $0.1) })
    func kind(_ code: Int32, _ kind: HTTPClientError.Kind) {
        let error = HTTPClientError(curl: CurlCode(rawValue: code), detail: "")
        #expect(error.kind == kind, "CURLE \(code)")
        #expect(error.curlCode?.rawValue == code)
        #expect(!error.message.isEmpty)
    }

    @Test("the two codes that cover two kinds are told apart by libcurl's words")
    func sharedCodes() {
        #expect(HTTPClientError.Kind(curl: .recvError, detail: "Recv failure: Connection reset by peer") == .networkError)
        #expect(HTTPClientError.Kind(curl: .recvError, detail: "chunk hex-length char not a hex digit: 0x7a") == .protocolError)
        #expect(HTTPClientError.Kind(curl: .recvError, detail: "Malformed encoding found in chunked-encoding") == .protocolError)
        #expect(HTTPClientError.Kind(curl: .unsupportedProtocol, detail: "Received HTTP/0.9 when not allowed") == .protocolError)
        #expect(HTTPClientError.Kind(curl: .unsupportedProtocol, detail: "Protocol \"ftp\" not supported") == .unsupported)
    }

    @Test("a code with no name is carried, as .other")
    func unnamed() {
        let error = HTTPClientError(curl: CurlCode(rawValue: 12345), detail: "x")
        #expect(error.kind == .other)
        #expect(error.curlCode?.rawValue == 12345)
    }
}
