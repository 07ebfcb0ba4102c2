internal import HTTPTypes

/// The method × body rules: what is sent for each method with each kind of body.
///
/// - A non-empty body is sent with every method but HEAD and TRACE (which refuse one), with
///   `Content-Length` when its length is known and `Transfer-Encoding: chunked` (HTTP/1.1)
///   when not.
/// - POST, PUT and PATCH always carry a body: an empty one is sent as `Content-Length: 0`.
/// - Other methods with no body, or an empty one, send no framing at all.
/// - The method is always the one asked for (`CURLOPT_CUSTOMREQUEST` where libcurl's mode
///   would name another); CONNECT is refused.
struct Framing {
    var mode: TransferRequest.SendMode
    var customMethod: String?
    /// The size option's value: -1 for chunked.
    var length: Int64
    var body: TransferRequest.Body
    /// Whether libcurl writes the framing (`Content-Length` or chunked) itself.
    var writesLength: Bool { mode == .post || mode == .upload }
    /// Whether body bytes may go on the wire (a known non-zero length, or chunked).
    var carriesBytes: Bool { writesLength && length != 0 }

    /// - Parameters:
    ///   - declaredLength: the request's `Content-Length` field, if any: it must agree with the
    ///     body, and gives a stream of unknown length its length.
    ///   - declaresChunked: whether the request has `Transfer-Encoding: chunked`: only a
    ///     stream of unknown length may.
    init(method: HTTPRequest.Method, body: HTTPClientRequestBody, declaredLength: Int64? = nil, declaresChunked: Bool = false) throws(HTTPClientError) {
        // The body's length: nil for none, -1 for a stream of unknown length.
        var length: Int64?
        var transferBody = TransferRequest.Body.none
        switch body.storage {
        case .none:
            length = nil
        case .bytes(let bytes):
            length = bytes.isEmpty ? nil : Int64(bytes.count)
            transferBody = bytes.isEmpty ? .none : .bytes(bytes)
        case .segments(let segments):
            if let problem = segments.problem { throw .invalidRequest(problem) }
            length = segments.length == 0 ? nil : segments.length
            transferBody = segments.length == 0 ? .none : .segments(segments)
        case .stream(let streamLength, _):
            if let streamLength, streamLength < 0 {
                throw .invalidRequest("the body stream's length must be 0 or more, not \(streamLength)")
            }
            let known = streamLength ?? declaredLength
            length = known ?? -1
            transferBody = .stream(length: known)
        }
        if let declaredLength, declaredLength != (length ?? 0) {
            let actual = length.map { $0 < 0 ? "has an unknown length" : "has \($0) bytes" } ?? "is empty"
            throw .invalidRequest("the Content-Length field says \(declaredLength) bytes, but the body \(actual)")
        }
        if declaresChunked, length != -1 {
            throw .invalidRequest("a Transfer-Encoding: chunked field needs a body stream of unknown length")
        }
        switch method {
        case .head, .trace:
            guard length == nil || length == 0 else {
                throw .invalidRequest("a \(method.rawValue) request cannot have a body")
            }
            mode = method == .head ? .head : .bodiless
            self.length = 0
        case .put:
            mode = .upload
            self.length = length ?? 0
        case .post, .patch:
            mode = .post
            self.length = length ?? 0
        default:
            if let length, length != 0 {
                mode = .post
                self.length = length
            } else {
                mode = .bodiless
                self.length = 0
            }
        }
        switch (mode, method) {
        case (.bodiless, .get), (.head, .head), (.upload, .put), (.post, .post): customMethod = nil
        default: customMethod = method.rawValue
        }
        self.body = mode == .post || mode == .upload ? transferBody : .none
    }
}

/// HTTP field values (RFC 9110 §5.5): visible characters, obs-text, space and tab.
enum FieldValue {
    static func isValid(_ value: String) -> Bool {
        !value.utf8.contains { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }
    }
}
