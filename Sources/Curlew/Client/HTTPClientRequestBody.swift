/// A request body: none, bytes, or a stream of chunks of known or unknown length (sent chunked).
public struct HTTPClientRequestBody: Sendable {
    enum Storage: Sendable {
        case none
        case bytes([UInt8])
        case stream(length: Int64?, produce: @Sendable (UploadStream) async throws -> Void)
    }

    let storage: Storage

    /// No body.
    public static let none = HTTPClientRequestBody(storage: .none)

    /// A body of these bytes.
    public static func bytes(_ bytes: some Collection<UInt8>) -> HTTPClientRequestBody {
        HTTPClientRequestBody(storage: .bytes(Array(bytes)))
    }

    /// A body of this text, UTF-8 encoded.
    public static func string(_ text: String) -> HTTPClientRequestBody {
        HTTPClientRequestBody(storage: .bytes(Array(text.utf8)))
    }

    /// A body read from `sequence` as it is sent, with backpressure: the sequence is not asked
    /// for more while 256 KiB are waiting to be sent. With `length` nil the body is sent chunked
    /// over HTTP/1.1 (a request's `Content-Length` field, if it has one, gives the length).
    ///
    /// A sequence that produces more or fewer bytes than `length` fails the request at once with
    /// ``HTTPClientError/Kind/requestBodyLengthMismatch``, and one that throws fails it with
    /// ``HTTPClientError/Kind/requestBodyFailed`` carrying the error; either way the connection
    /// is closed, never reused.
    public static func stream<Chunks: AsyncSequence & Sendable>(
        _ sequence: Chunks, length: Int64? = nil
    ) -> HTTPClientRequestBody where Chunks.Element: Collection & Sendable, Chunks.Element.Element == UInt8 {
        HTTPClientRequestBody(storage: .stream(length: length) { upload in
            for try await chunk in sequence {
                try await upload.write(chunk)
            }
            try upload.end()
        })
    }
}
