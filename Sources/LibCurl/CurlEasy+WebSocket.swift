internal import CCurlew
internal import CurlewLocks
#if canImport(Glibc)
internal import Glibc
#endif

/// The flags of a WebSocket frame, received or to send (`CURLWS_*`).
public struct CurlWebSocketFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `CURLWS_TEXT`: a text frame (UTF-8).
    public static let text = Self(rawValue: UInt32(CURLWS_TEXT))
    /// `CURLWS_BINARY`: a binary frame.
    public static let binary = Self(rawValue: UInt32(CURLWS_BINARY))
    /// `CURLWS_CONT`: more fragments of this message follow (the frame's FIN bit is clear).
    public static let cont = Self(rawValue: UInt32(CURLWS_CONT))
    /// `CURLWS_CLOSE`: a close frame; its payload is a 2-byte code and a UTF-8 reason.
    public static let close = Self(rawValue: UInt32(CURLWS_CLOSE))
    /// `CURLWS_PING`: a ping.
    public static let ping = Self(rawValue: UInt32(CURLWS_PING))
    /// `CURLWS_PONG`: a pong.
    public static let pong = Self(rawValue: UInt32(CURLWS_PONG))
    /// `CURLWS_OFFSET` (sending only): this call carries part of a frame whose whole size was
    /// given as `fragmentSize` by the call that began it.
    public static let offset = Self(rawValue: UInt32(CURLWS_OFFSET))
}

/// What libcurl says about the frame a received chunk belongs to (`struct curl_ws_frame`).
public struct CurlWebSocketFrame: Sendable, Hashable {
    /// The frame's flags.
    public var flags: CurlWebSocketFlags
    /// Where this chunk starts in the frame's payload.
    public var offset: Int64
    /// Payload bytes of this frame still to come after this chunk.
    public var bytesLeft: Int64
    /// Bytes in this chunk.
    public var length: Int

    init(_ frame: ccurlew_ws_frame) {
        flags = CurlWebSocketFlags(rawValue: UInt32(bitPattern: frame.flags))
        offset = Int64(frame.offset)
        bytesLeft = Int64(frame.bytesleft)
        length = frame.len
    }
}

/// Bits of ``CurlEasyOption/webSocketOptions`` (`CURLOPT_WS_OPTIONS`).
public struct CurlWebSocketOptions: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// `CURLWS_RAW_MODE`: frames are neither decoded nor encoded; the write callback sees the
    /// wire bytes.
    public static let rawMode = Self(rawValue: Int(CURLWS_RAW_MODE))
    /// `CURLWS_NOAUTOPONG` (libcurl 8.14): pings are handed over, not answered by libcurl.
    /// 0 (no effect) on a libcurl built without it.
    public static let noAutoPong = Self(rawValue: ccurlew_ws_noautopong())
}

/// A WebSocket call refused by the seed's thread rule, or failed in libcurl.
public enum CurlWebSocketError: Error, Hashable, Sendable, CustomStringConvertible {
    /// libcurl's result: ``CurlCode/again`` when nothing can move now (the socket is not ready),
    /// ``CurlCode/notBuiltIn`` on a libcurl without WebSocket, ``CurlCode/gotNothing`` or
    /// ``CurlCode/recvError`` when the peer closed the connection, ``CurlCode/badFunctionArgument``
    /// on a closed handle or one with no WebSocket connection.
    case curl(CurlError)
    /// Called from a thread other than the one in ``CurlEasy/perform()`` on this handle.
    case otherThreadDuringPerform(call: String)
    /// Called on the thread in ``CurlEasy/perform()``, but outside this handle's write callback.
    case outsideWriteCallback(call: String)

    /// libcurl's code, when the failure is libcurl's.
    public var code: CurlCode? {
        if case .curl(let error) = self { return error.code }
        return nil
    }

    public var description: String {
        switch self {
        case .curl(let error): return error.description
        case .otherThreadDuringPerform(let call):
            return "\(call) refused: perform() is running on another thread (a WebSocket handle is used by one thread at a time)"
        case .outsideWriteCallback(let call):
            return "\(call) refused: inside perform(), WebSocket calls are allowed only from the handle's write callback"
        }
    }
}

/// The WebSocket calls of one ``CurlEasy``, safe to use from any thread: PycURL's
/// `Curl.ws_send`, `Curl.ws_recv` and `Curl.ws_meta` under the seed's rule.
///
/// ## The rule, enforced
/// The seed: "A WebSocket handle (CONNECT_ONLY=2 plus ws_send/ws_recv) follows the same
/// one-handle-one-thread rule: do not call ws_send from one thread while ws_recv runs on
/// another. Serialise access with a lock. Calls from another thread while perform() is running
/// are unsafe unless they happen inside that handle's active WRITEFUNCTION callback."
/// - Every call holds this handle's WebSocket lock while it is in libcurl, so a send on one
///   thread and a receive on another take turns, never overlap.
/// - While ``CurlEasy/perform()`` runs, a call from any other thread throws
///   ``CurlWebSocketError/otherThreadDuringPerform(call:)``; on the performing thread, a call
///   outside the handle's write callback (from its progress callback, say) throws
///   ``CurlWebSocketError/outsideWriteCallback(call:)``; inside the write callback it goes on.
/// - ``CurlEasy/close()`` takes the same lock, so it waits for a call in progress, and every
///   later call throws ``CurlCode/badFunctionArgument`` instead of touching a freed handle.
///
/// A handle driven by a ``CurlMulti`` follows that multi's rule instead: calls on the thread
/// that drives the multi, after the transfer's `CURLMSG_DONE` (for `CONNECT_ONLY` 2), while
/// the handle stays in the multi.
public final class CurlWebSocket: Sendable {
    /// The C handle, as an address that may cross threads: only used under `state`'s lock.
    struct Handle: @unchecked Sendable {
        // @unchecked Sendable: the pointer is dereferenced (by libcurl) only inside
        // `state.withLock`, and the owning CurlEasy clears it under the same lock before
        // curl_easy_cleanup, so no call reaches a freed handle and no two calls overlap.
        let pointer: UnsafeMutableRawPointer
    }

    struct State: Sendable {
        var handle: Handle?
        /// The thread inside ``CurlEasy/perform()``, if one is.
        var performer: pthread_t?
        /// How deep the performer is in the handle's write callback (the performer alone
        /// changes it, under the lock).
        var writeCallbackDepth = 0
    }

    private let state: Locked<State>

    init(handle: UnsafeMutableRawPointer, performer: pthread_t?, writeCallbackDepth: Int) {
        state = Locked(State(handle: Handle(pointer: handle), performer: performer, writeCallbackDepth: writeCallbackDepth))
    }

    // MARK: - Hooks from CurlEasy, on its own thread

    func beginPerform() { state.withLock { $0.performer = pthread_self() } }
    func endPerform() { state.withLock { $0.performer = nil } }
    func enterWriteCallback() { state.withLock { $0.writeCallbackDepth += 1 } }
    func leaveWriteCallback() { state.withLock { $0.writeCallbackDepth -= 1 } }
    /// The handle is about to be freed: waits for a call in progress, then refuses the rest.
    func handleClosed() { state.withLock { $0.handle = nil } }

    // MARK: - The calls

    /// Runs `body` with the C handle under the lock, after the rule's checks.
    private func withHandle<R>(_ call: String, _ body: (UnsafeMutableRawPointer) -> Result<R, CurlWebSocketError>) throws(CurlWebSocketError) -> R {
        guard CurlVersion.current.supportsWebSocket else {
            throw .curl(CurlError(.notBuiltIn, detail: "\(call): libcurl \(CurlVersion.current.version) is built without WebSocket"))
        }
        return try state.withLock { (state) throws(CurlWebSocketError) -> R in
            if let performer = state.performer {
                guard pthread_equal(performer, pthread_self()) != 0 else { throw .otherThreadDuringPerform(call: call) }
                guard state.writeCallbackDepth > 0 else { throw .outsideWriteCallback(call: call) }
            }
            guard let handle = state.handle else { throw .curl(CurlError.closed(call)) }
            return try body(handle.pointer).get()
        }
    }

    /// Sends `bytes` as (part of) a frame. PycURL's `Curl.ws_send(data, flags, fragsize)`.
    ///
    /// The corresponding C function is `curl_ws_send`. Returns how many of the bytes libcurl
    /// took, which may be fewer than given on a non-blocking connection; call again with the
    /// rest (and the same flags) until all are taken.
    /// - Parameters:
    ///   - flags: ``CurlWebSocketFlags/text``, `.binary`, `.ping`, `.pong` or `.close`, with
    ///     `.cont` for a fragment that is not the message's last.
    ///   - fragmentSize: with ``CurlWebSocketFlags/offset``, the whole frame's size, given on
    ///     the call that begins the frame; 0 otherwise.
    /// - Throws: ``CurlWebSocketError``: `.curl` with ``CurlCode/again`` when the socket takes
    ///   nothing now, or the rule's refusals.
    public func send(_ bytes: UnsafeRawBufferPointer, flags: CurlWebSocketFlags, fragmentSize: Int64 = 0) throws(CurlWebSocketError) -> Int {
        try withHandle("ws_send") { handle in
            var sent = 0
            let code = curl_ws_send(handle, bytes.baseAddress, bytes.count, &sent, curl_off_t(fragmentSize), flags.rawValue)
            guard code == CURLE_OK else { return .failure(.curl(CurlError(CurlCode(code), detail: "curl_ws_send failed after \(sent) bytes"))) }
            return .success(sent)
        }
    }

    /// Receives the next bytes of the frame in progress, at most `buffer.count`. PycURL's
    /// `Curl.ws_recv()`.
    ///
    /// The corresponding C function is `curl_ws_recv`. A frame larger than the buffer comes in
    /// several calls: ``CurlWebSocketFrame/bytesLeft`` says how much of it is still to come.
    /// - Throws: ``CurlWebSocketError``: `.curl` with ``CurlCode/again`` when nothing has
    ///   arrived, ``CurlCode/gotNothing`` or ``CurlCode/recvError`` when the connection ended,
    ///   or the rule's refusals.
    public func receive(into buffer: UnsafeMutableRawBufferPointer) throws(CurlWebSocketError) -> (count: Int, frame: CurlWebSocketFrame) {
        try withHandle("ws_recv") { handle in
            var received = 0
            var frame = ccurlew_ws_frame()
            let code = ccurlew_ws_recv(handle, buffer.baseAddress, buffer.count, &received, &frame)
            guard code == CURLE_OK else { return .failure(.curl(CurlError(CurlCode(code), detail: "curl_ws_recv failed"))) }
            return .success((received, CurlWebSocketFrame(frame)))
        }
    }

    /// The frame the bytes in the running write callback belong to, or `nil` outside a
    /// WebSocket transfer's write callback. PycURL's `Curl.ws_meta()`.
    ///
    /// The corresponding C function is `curl_ws_meta`.
    /// - Throws: the rule's refusals, or `.curl` for a closed handle.
    public func meta() throws(CurlWebSocketError) -> CurlWebSocketFrame? {
        try withHandle("ws_meta") { handle in
            var frame = ccurlew_ws_frame()
            return .success(ccurlew_ws_meta(handle, &frame) != 0 ? CurlWebSocketFrame(frame) : nil)
        }
    }
}

extension CurlEasy {
    /// This handle's WebSocket calls as a `Sendable` object other threads may hold, under the
    /// seed's rule (see ``CurlWebSocket``). The same object every time.
    /// - Throws: ``CurlError`` with `.badFunctionArgument` on a closed handle.
    public func webSocket() throws(CurlError) -> CurlWebSocket {
        if let webSocketView { return webSocketView }
        let view = CurlWebSocket(handle: try liveHandle("webSocket"), performer: isPerforming ? pthread_self() : nil,
                                 writeCallbackDepth: writeCallbackDepth)
        webSocketView = view
        return view
    }

    /// `curl_ws_send` on this thread: ``CurlWebSocket/send(_:flags:fragmentSize:)``.
    public func wsSend(_ bytes: UnsafeRawBufferPointer, flags: CurlWebSocketFlags, fragmentSize: Int64 = 0) throws(CurlWebSocketError) -> Int {
        try webSocketOrThrow("ws_send").send(bytes, flags: flags, fragmentSize: fragmentSize)
    }

    /// `curl_ws_recv` on this thread: ``CurlWebSocket/receive(into:)``.
    public func wsRecv(into buffer: UnsafeMutableRawBufferPointer) throws(CurlWebSocketError) -> (count: Int, frame: CurlWebSocketFrame) {
        try webSocketOrThrow("ws_recv").receive(into: buffer)
    }

    /// `curl_ws_meta` on this thread: ``CurlWebSocket/meta()``.
    public func wsMeta() throws(CurlWebSocketError) -> CurlWebSocketFrame? {
        try webSocketOrThrow("ws_meta").meta()
    }

    private func webSocketOrThrow(_ call: String) throws(CurlWebSocketError) -> CurlWebSocket {
        do { return try webSocket() } catch { throw .curl(error) }
    }
}
