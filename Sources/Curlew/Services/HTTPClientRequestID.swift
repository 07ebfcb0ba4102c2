internal import Synchronization

/// The identity of one request: the same on its log lines (`curlew.request.id`), its span
/// (attribute `curlew.request.id`) and its response (``HTTPClientResponse/requestID``).
///
/// Process-unique: a random 32-bit prefix chosen when the process first makes one, then a
/// counter, rendered as `1f3a9c04-2a`. Making one costs an atomic increment; the text is made
/// only when asked for.
public struct HTTPClientRequestID: Sendable, Hashable, CustomStringConvertible {
    /// The counter part, unique within the process.
    public let number: UInt64

    private static let counter = Atomic<UInt64>(0)
    private static let prefix = String(UInt32.random(in: .min ... .max), radix: 16)

    /// The next identity.
    static func next() -> HTTPClientRequestID {
        HTTPClientRequestID(number: counter.wrappingAdd(1, ordering: .relaxed).newValue)
    }

    public var description: String { "\(Self.prefix)-\(String(number, radix: 16))" }
}
