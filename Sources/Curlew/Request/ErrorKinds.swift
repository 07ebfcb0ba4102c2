internal import LibCurl

extension HTTPClientError.Kind {
    /// The kind of a libcurl result, decided from what the code means for an HTTP client.
    /// `detail` is the error buffer's text: two codes cover failures of two kinds, and only
    /// libcurl's words tell them apart.
    init(curl code: CurlCode, detail: String) {
        switch code {
        case .couldntConnect, .quicConnectError:
            self = .connectionRefused
        case .couldntResolveHost:
            self = .dnsFailure
        case .couldntResolveProxy, .proxy:
            self = .proxyFailure
        case .sslConnectError, .sslEngineNotFound, .sslEngineSetFailed, .sslCertProblem, .sslCipher,
             .peerFailedVerification, .useSSLFailed, .sslEngineInitFailed, .sslCACertBadFile,
             .sslShutdownFailed, .sslCRLBadFile, .sslIssuerError, .sslPinnedPubKeyNotMatch,
             .sslInvalidCertStatus, .sslClientCert, .echRequired:
            self = .tlsFailure
        case .operationTimedOut:
            self = .timeout
        case .tooManyRedirects:
            self = .tooManyRedirects
        case .filesizeExceeded:
            self = .bodyTooLarge
        case .partialFile:
            self = .truncatedBody
        // CURLE_UNSUPPORTED_PROTOCOL is a scheme Curlew does not follow (a redirect to ftp://),
        // and also a reply that is not HTTP, which libcurl reads as HTTP/0.9 and refuses.
        case .unsupportedProtocol:
            self = detail.contains("HTTP/0.9") ? .protocolError : .unsupported
        case .weirdServerReply, .http2, .http2Stream, .http3, .badContentEncoding, .tooLarge:
            self = .protocolError
        // CURLE_RECV_ERROR is both a failed recv() and a chunked body that does not parse.
        case .recvError:
            self = detail.lowercased().contains("chunk") ? .protocolError : .networkError
        case .sendError, .gotNothing, .uploadFailed, .interfaceFailed, .unrecoverablePoll:
            self = .networkError
        case .urlMalformat, .setoptOptionSyntax:
            self = .invalidRequest
        case .notBuiltIn, .unknownOption:
            self = .unsupported
        case .abortedByCallback:
            self = .cancelled
        default:
            self = .other
        }
    }
}
