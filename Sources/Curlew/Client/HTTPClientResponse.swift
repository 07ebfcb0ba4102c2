public import HTTPTypes

/// A response: its final head (1xx and followed redirects skipped) and a body that streams
/// after it.
public struct HTTPClientResponse: Sendable {
    /// The HTTP version a response came over.
    public enum Version: String, Sendable, Hashable {
        /// HTTP/1.0.
        case http1_0 = "HTTP/1.0"
        /// HTTP/1.1.
        case http1_1 = "HTTP/1.1"
        /// HTTP/2 (over TLS, or h2c).
        case http2 = "HTTP/2"
        /// HTTP/3.
        case http3 = "HTTP/3"
    }

    /// The status and header fields.
    public var head: HTTPResponse
    /// The version the response came over.
    public var version: Version
    /// The body, read once.
    public var body: ResponseBody
    /// The request's identity, also on its log lines and span.
    public var requestID: HTTPClientRequestID
    /// The URL this response answers: the request's, or the last redirect's.
    public var url: String
    /// Redirects followed to reach this response.
    public var redirectCount: Int
    /// Attempts made to get it: 1 unless a retry policy sent the request again.
    public var attempts = 1

    /// The status.
    public var status: HTTPResponse.Status { head.status }
    /// The header fields.
    public var headerFields: HTTPFields { head.headerFields }
}

/// Timings and connection facts of one response, read from libcurl when it finished.
public struct HTTPClientMetrics: Sendable, Hashable {
    /// Seconds from start until the name was resolved.
    public var nameLookup: Double
    /// Seconds from start until the TCP connection was made.
    public var connect: Double
    /// Seconds from start until the TLS handshake finished (0 without TLS).
    public var tlsHandshake: Double
    /// Seconds from start until the first response byte.
    public var firstByte: Double
    /// Seconds for the whole transfer.
    public var total: Double
    /// Whether an existing connection carried the request.
    public var connectionReused: Bool
    /// Whether the TLS session was resumed, where the TLS backend tells (GnuTLS does); `nil`
    /// without TLS or when unknown.
    public var tlsSessionResumed: Bool?
    /// Redirects followed.
    public var redirectCount: Int
    /// The remote address.
    public var remoteAddress: String?
    /// Request body bytes sent.
    public var bodyBytesSent = 0
    /// Response body bytes received, as they came over the wire (before decoding).
    public var bodyBytesReceived = 0
}

/// A response body: an `AsyncSequence` of byte chunks over a bounded buffer. Reading from the
/// network pauses while the buffer is full and resumes as it drains. Dropping the body before
/// its end cancels the transfer.
public struct ResponseBody: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    public typealias Failure = any Error

    let owner: BodyOwner

    /// The chunks, in order.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let owner: BodyOwner
        let reader: Int
        /// The next chunk, or `nil` at the end of the body.
        /// - Throws: ``HTTPClientError`` when the transfer fails (truncated, reset, timeout…), or
        ///   ``HTTPClientError/Kind/concurrentBodyRead`` when another iterator reads the body.
        public nonisolated(nonsending) mutating func next() async throws -> [UInt8]? {
            try await owner.transfer.nextChunk(on: owner.loop, reader: reader)
        }
    }

    /// An iterator over the body. The body is read once: the first iterator to ask for a chunk
    /// reads it, and any other gets ``HTTPClientError/Kind/concurrentBodyRead``.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(owner: owner, reader: owner.transfer.newReader()) }

    /// Reads the whole body, failing if it exceeds `maxBytes`.
    /// - Throws: ``HTTPClientError`` with ``HTTPClientError/Kind/bodyTooLarge`` past `maxBytes`
    ///   (the transfer is cancelled), or the transfer's failure.
    public func collect(upTo maxBytes: Int) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in self {
            guard bytes.count + chunk.count <= maxBytes else {
                owner.transfer.cancel(on: owner.loop)
                throw HTTPClientError(.bodyTooLarge, "the response body exceeds \(maxBytes) bytes")
            }
            bytes.append(contentsOf: chunk)
        }
        return bytes
    }

    /// The response's timings and connection facts; `nil` until the body has been read to its end.
    public var metrics: HTTPClientMetrics? { owner.transfer.metrics }
}

/// Owned only by a response body and its iterators: when the last goes before the transfer
/// finished, the transfer is cancelled.
final class BodyOwner: Sendable {
    let transfer: Transfer
    let loop: EventLoop

    init(transfer: Transfer, loop: EventLoop) {
        self.transfer = transfer
        self.loop = loop
    }

    deinit {
        if !transfer.isFinished { transfer.cancel(on: loop) }
    }
}
