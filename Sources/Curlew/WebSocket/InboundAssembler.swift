internal import LibCurl

/// Turns the chunks `curl_ws_recv` hands over into whole messages and control frames: data
/// fragments are joined up to a limit, text is checked to be UTF-8, control frames (which may
/// come between fragments) are kept apart. A value type with no I/O, so each rule is tested
/// alone.
struct InboundAssembler {
    /// What a chunk completed.
    enum Event: Equatable {
        case message(WebSocketMessage)
        /// The peer's close frame; `nil` when its payload was malformed.
        case close(WebSocketClose?)
        case ping([UInt8])
        case pong([UInt8])
    }

    /// Why the stream cannot go on; each maps to the close code sent to the peer.
    enum Failure: Error, Equatable {
        /// A message grew past the limit (1009).
        case tooBig(limit: Int)
        /// A text message was not UTF-8 (1007).
        case invalidText
        /// A frame with neither a data nor a control kind, or a control frame over 125 bytes
        /// (1002).
        case malformed(String)

        var closeCode: WebSocketCloseCode {
            switch self {
            case .tooBig: return .messageTooBig
            case .invalidText: return .invalidPayload
            case .malformed: return .protocolError
            }
        }
    }

    let maxMessageSize: Int
    private var message: [UInt8] = []
    private var messageIsText: Bool?
    private var control: [UInt8] = []

    init(maxMessageSize: Int) {
        self.maxMessageSize = maxMessageSize
    }

    /// Whether a data message is part-way in.
    var isMidMessage: Bool { messageIsText != nil }

    /// Takes one chunk and the frame it belongs to; returns the event the chunk completed.
    mutating func take(_ chunk: UnsafeRawBufferPointer, frame: CurlWebSocketFrame) throws(Failure) -> Event? {
        let flags = frame.flags
        if !flags.isDisjoint(with: [.close, .ping, .pong]) {
            guard control.count + chunk.count <= 125 else { throw .malformed("a control frame longer than 125 bytes") }
            control.append(contentsOf: chunk)
            guard frame.bytesLeft == 0 else { return nil }
            defer { control.removeAll(keepingCapacity: true) }
            if flags.contains(.close) { return .close(WebSocketClose(payload: control)) }
            return flags.contains(.ping) ? .ping(control) : .pong(control)
        }
        // A data frame: its kind is the message's (libcurl 8 repeats it on continuation frames;
        // a bare continuation takes the kind of the message in progress).
        let isText: Bool
        if flags.contains(.text) {
            isText = true
        } else if flags.contains(.binary) {
            isText = false
        } else if let current = messageIsText {
            isText = current
        } else {
            throw .malformed("a continuation frame with no message in progress")
        }
        messageIsText = isText
        guard message.count + chunk.count <= maxMessageSize else { throw .tooBig(limit: maxMessageSize) }
        message.append(contentsOf: chunk)
        guard frame.bytesLeft == 0, !flags.contains(.cont) else { return nil }
        // The message's last byte.
        let bytes = message
        message = []
        messageIsText = nil
        guard isText else { return .message(.binary(bytes)) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .invalidText }
        return .message(.text(text))
    }
}
