/// A whole WebSocket message, as sent or received (fragments are reassembled).
public enum WebSocketMessage: Sendable, Hashable {
    /// A text message (UTF-8 on the wire).
    case text(String)
    /// A binary message.
    case binary([UInt8])
}

/// A close frame's status code (RFC 6455 §7.4).
public struct WebSocketCloseCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// 1000: the purpose was fulfilled.
    public static let normal = Self(rawValue: 1000)
    /// 1001: an endpoint is going away (a client shutting down, a cancelled task).
    public static let goingAway = Self(rawValue: 1001)
    /// 1002: the peer broke the protocol.
    public static let protocolError = Self(rawValue: 1002)
    /// 1003: a kind of data the endpoint cannot accept.
    public static let unsupportedData = Self(rawValue: 1003)
    /// 1005 (never sent): the close frame carried no code.
    public static let noStatus = Self(rawValue: 1005)
    /// 1006 (never sent): the connection ended without a close frame.
    public static let abnormal = Self(rawValue: 1006)
    /// 1007: a text message was not UTF-8.
    public static let invalidPayload = Self(rawValue: 1007)
    /// 1008: a message broke the endpoint's policy.
    public static let policyViolation = Self(rawValue: 1008)
    /// 1009: a message was larger than the endpoint accepts.
    public static let messageTooBig = Self(rawValue: 1009)
    /// 1011: the server met an unexpected condition.
    public static let internalError = Self(rawValue: 1011)

    /// Whether an endpoint may put this code in a close frame: 1000–1003, 1007–1014 and
    /// 3000–4999 (RFC 6455 §7.4.1, and the IANA registry).
    public var isSendable: Bool {
        switch rawValue {
        case 1000...1003, 1007...1014, 3000...4999: return true
        default: return false
        }
    }

    public var description: String { "\(rawValue)" }
}

/// How a WebSocket closed: the code and reason of the peer's close frame, or of ours when the
/// client closed first and the peer echoed it.
public struct WebSocketClose: Sendable, Hashable {
    /// The close code; ``WebSocketCloseCode/noStatus`` when the frame carried none.
    public var code: WebSocketCloseCode
    /// The reason, possibly empty.
    public var reason: String

    public init(code: WebSocketCloseCode, reason: String = "") {
        self.code = code
        self.reason = reason
    }

    /// A close frame's payload: the code (big-endian) and the UTF-8 reason.
    var payload: [UInt8] {
        [UInt8(code.rawValue >> 8), UInt8(code.rawValue & 0xFF)] + Array(reason.utf8)
    }

    /// Parses a close frame's payload; `nil` when it is malformed (one byte, a reason that is
    /// not UTF-8, or a code no endpoint may send).
    init?(payload: [UInt8]) {
        if payload.isEmpty {
            self.init(code: .noStatus)
            return
        }
        guard payload.count >= 2 else { return nil }
        let code = WebSocketCloseCode(rawValue: UInt16(payload[0]) << 8 | UInt16(payload[1]))
        guard code.isSendable, let reason = String(validating: payload[2...], as: UTF8.self) else { return nil }
        self.init(code: code, reason: reason)
    }
}

/// WebSocket settings of an ``HTTPClient`` (``HTTPClientConfiguration/webSocket``).
public struct WebSocketOptions: Sendable, Hashable {
    /// The largest message accepted, fragments reassembled; a larger one closes the socket with
    /// 1009 and fails the reader with ``HTTPClientError/Kind/bodyTooLarge``. 16 MiB by default.
    public var maxMessageSize = 16 << 20
    /// Bytes of received messages buffered before reading from the network pauses (the peer
    /// is then held back by TCP); reading resumes when the reader has taken them. 1 MiB by
    /// default; a single message larger than this is still taken whole.
    public var receiveBufferHighWater = 1 << 20
    /// Seconds to wait for the peer's close frame after ours, before the connection is
    /// dropped. 5 by default.
    public var closeTimeout: Double = 5

    public init() {}
}
