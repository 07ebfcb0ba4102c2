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
    /// for more while 256 KiB are waiting to be sent. With `length` nil the body is sent chunked.
    /// A sequence that ends before `length` bytes fails the request.
    public static func stream<Chunks: AsyncSequence & Sendable>(
        _ sequence: Chunks, length: Int64? = nil
    ) -> HTTPClientRequestBody where Chunks.Element: Collection & Sendable, Chunks.Element.Element == UInt8 {
        HTTPClientRequestBody(storage: .stream(length: length) { upload in
            for try await chunk in sequence {
                try await upload.write(chunk)
            }
            upload.end()
        })
    }
}
