/// A `multipart/form-data` body (RFC 7578): text fields, byte parts and files, in the order
/// added. Files are streamed from disk when the request is sent; the form's length is known,
/// so it goes with `Content-Length`, and it can be sent again (redirects, retries).
///
/// ```swift
/// var form = MultipartForm()
/// form.append("title", "Holiday")
/// try form.appendFile("photo", path: "/tmp/beach.jpg", contentType: "image/jpeg")
/// let response = try await client.execute(try HTTPClient.request(.post, url), body: .multipart(form))
/// ```
public struct MultipartForm: Sendable {
    private enum Content: Sendable {
        case bytes([UInt8])
        case file(path: String, length: Int64)
    }

    private struct Part: Sendable {
        var name: String
        var filename: String?
        var contentType: String?
        var content: Content
    }

    private var parts: [Part] = []
    /// Why the form cannot be sent (a content type with a control character): the request
    /// fails with ``HTTPClientError/Kind/invalidRequest`` before anything is sent.
    private var problem: String?
    /// The boundary between parts: random unless given.
    public let boundary: String

    /// An empty form with a random boundary.
    public init() {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
        boundary = "curlew-" + String(decoding: (0..<32).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] }, as: UTF8.self)
    }

    /// An empty form with this boundary: 1 to 70 characters from RFC 2046's set, which must not
    /// occur in any part (the caller's to ensure).
    /// - Throws: ``HTTPClientError/Kind/invalidRequest`` for a boundary outside those rules.
    public init(boundary: String) throws(HTTPClientError) {
        guard Self.isValidBoundary(boundary) else {
            throw .invalidRequest("the boundary \(boundary.debugDescription) is not 1 to 70 of RFC 2046's characters")
        }
        self.boundary = boundary
    }

    /// The `Content-Type` field's value: `multipart/form-data; boundary=…`.
    public var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    /// Adds a text field.
    public mutating func append(_ name: String, _ value: String) {
        parts.append(Part(name: name, content: .bytes(Array(value.utf8))))
    }

    /// Adds a part of `bytes`, as a file upload when `filename` is given.
    public mutating func append(_ name: String, bytes: some Collection<UInt8>, filename: String? = nil, contentType: String? = nil) {
        check(contentType)
        parts.append(Part(name: name, filename: filename, contentType: contentType ?? (filename == nil ? nil : "application/octet-stream"),
                          content: .bytes(Array(bytes))))
    }

    /// Adds the regular file at `path` as a file upload, streamed when sent; `filename`
    /// defaults to the path's last component, `contentType` to `application/octet-stream`.
    /// Its size is read now: a file that shrinks before it is sent fails the request with
    /// ``HTTPClientError/Kind/requestBodyLengthMismatch``.
    /// - Throws: ``HTTPClientError/Kind/fileError`` when the file cannot be read.
    public mutating func appendFile(_ name: String, path: String, filename: String? = nil, contentType: String? = nil) throws(HTTPClientError) {
        let length = try BodySegments.regularFileSize(path)
        check(contentType)
        let lastComponent = path.split(separator: "/").last.map(String.init) ?? path
        parts.append(Part(name: name, filename: filename ?? lastComponent, contentType: contentType ?? "application/octet-stream",
                          content: .file(path: path, length: length)))
    }

    private mutating func check(_ contentType: String?) {
        if let contentType, !FieldValue.isValid(contentType) {
            problem = problem ?? "a form part's content type \(contentType.debugDescription) holds a control character"
        }
    }

    /// The body's pieces: each part's head in memory, its content in memory or on disk.
    func segments() -> BodySegments {
        var segments: [BodySegments.Segment] = []
        for (index, part) in parts.enumerated() {
            var head = index == 0 ? "" : "\r\n"
            head += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(Self.escape(part.name))\""
            if let filename = part.filename { head += "; filename=\"\(Self.escape(filename))\"" }
            head += "\r\n"
            if let contentType = part.contentType { head += "Content-Type: \(contentType)\r\n" }
            head += "\r\n"
            segments.append(.bytes(Array(head.utf8)))
            switch part.content {
            case .bytes(let bytes): segments.append(.bytes(bytes))
            case .file(let path, let length): segments.append(.file(path: path, length: length))
            }
        }
        segments.append(.bytes(Array("\(parts.isEmpty ? "" : "\r\n")--\(boundary)--\r\n".utf8)))
        // Adjacent pieces in memory merge, so the reader crosses fewer of them.
        var merged: [BodySegments.Segment] = []
        for segment in segments {
            if case .bytes(let next) = segment, case .bytes(let previous)? = merged.last {
                merged[merged.count - 1] = .bytes(previous + next)
            } else {
                merged.append(segment)
            }
        }
        return BodySegments(merged, problem: problem)
    }

    /// A name or file name inside a quoted parameter, as browsers write it (WHATWG HTML):
    /// `"`, CR and LF percent-encoded.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "%22"
            case "\r": escaped += "%0D"
            case "\n": escaped += "%0A"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    static func isValidBoundary(_ boundary: String) -> Bool {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'()+_,-./:=?")
        return (1...70).contains(boundary.count) && boundary.allSatisfy { allowed.contains($0) }
    }
}
