internal import Foundation

/// A request body: none, bytes, a file, a multipart form, or a stream of chunks of known or
/// unknown length (sent chunked).
///
/// Bytes, files and forms can be sent again: a 307 or 308 redirect, an authentication round
/// (digest, NTLM) or a retry replays them from the start. A stream is read once; a request
/// that needs it again fails with ``HTTPClientError/Kind/requestBodyNotReplayable``.
public struct HTTPClientRequestBody: Sendable {
    enum Storage: Sendable {
        case none
        case bytes([UInt8])
        case segments(BodySegments)
        case stream(length: Int64?, produce: @Sendable (UploadStream) async throws -> Void)
    }

    let storage: Storage
    /// The `Content-Type` the body implies (a form's boundary), sent unless the request has one.
    let contentType: String?

    init(storage: Storage, contentType: String? = nil) {
        self.storage = storage
        self.contentType = contentType
    }

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

    /// The contents of the regular file at `path`, streamed from disk as libcurl sends it (the
    /// file is never held in memory), with `Content-Length` its size now. A file that shrinks
    /// before it is sent fails the request with ``HTTPClientError/Kind/requestBodyLengthMismatch``;
    /// bytes it grows by are not sent.
    /// - Throws: ``HTTPClientError/Kind/fileError`` when the file cannot be read or is not a
    ///   regular file.
    public static func file(_ path: String) throws(HTTPClientError) -> HTTPClientRequestBody {
        let length = try BodySegments.regularFileSize(path)
        return HTTPClientRequestBody(storage: .segments(BodySegments([.file(path: path, length: length)])))
    }

    /// A `multipart/form-data` body of `form`'s fields and files, files streamed from disk;
    /// `Content-Type` names its boundary unless the request sets its own.
    public static func multipart(_ form: MultipartForm) -> HTTPClientRequestBody {
        HTTPClientRequestBody(storage: .segments(form.segments()), contentType: form.contentType)
    }

    /// A body read from `sequence` as it is sent, with backpressure: the sequence is not asked
    /// for more while 256 KiB are waiting to be sent. With `length` nil the body is sent chunked
    /// over HTTP/1.1 (a request's `Content-Length` field, if it has one, gives the length).
    ///
    /// A sequence that produces more or fewer bytes than `length` fails the request at once with
    /// ``HTTPClientError/Kind/requestBodyLengthMismatch``, and one that throws fails it with
    /// ``HTTPClientError/Kind/requestBodyFailed`` carrying the error; either way the connection
    /// is closed, never reused. A stream is read once: it is not retried, and a redirect that
    /// needs the body again (307, 308) fails with ``HTTPClientError/Kind/requestBodyNotReplayable``.
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

    /// Whether the body can be sent again from its start.
    var isReplayable: Bool {
        if case .stream = storage { return false }
        return true
    }
}

/// A body of known length made of pieces in memory and ranges of files, read in order by the
/// loop as libcurl asks (see ``SegmentReader``), and from the start again when it rewinds.
struct BodySegments: Sendable {
    enum Segment: Sendable {
        case bytes([UInt8])
        /// The first `length` bytes of the file at `path`.
        case file(path: String, length: Int64)

        var length: Int64 {
            switch self {
            case .bytes(let bytes): return Int64(bytes.count)
            case .file(_, let length): return length
            }
        }
    }

    let segments: [Segment]
    let length: Int64
    /// Why the body cannot be sent, found when it was made; the request then fails with
    /// ``HTTPClientError/Kind/invalidRequest`` before anything is sent.
    let problem: String?

    init(_ segments: [Segment], problem: String? = nil) {
        self.segments = segments
        self.problem = problem
        length = segments.reduce(0) { $0 + $1.length }
    }

    /// The size of the regular file at `path`.
    /// - Throws: ``HTTPClientError/Kind/fileError`` when it cannot be read or is not a regular file.
    static func regularFileSize(_ path: String) throws(HTTPClientError) -> Int64 {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw HTTPClientError(.fileError, "cannot read the file \(path.debugDescription)", detail: String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw HTTPClientError(.fileError, "\(path.debugDescription) is not a regular file")
        }
        guard access(path, R_OK) == 0 else {
            throw HTTPClientError(.fileError, "cannot read the file \(path.debugDescription)", detail: String(cString: strerror(errno)))
        }
        return Int64(info.st_size)
    }
}
