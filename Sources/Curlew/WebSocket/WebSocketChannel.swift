internal import CurlewLocks

/// What a WebSocket's loop and its reader share: the received messages not yet read (a
/// bounded buffer: the loop stops reading from the network while it is full), the waiting
/// reader, and how the socket ended. The loop puts, the reader takes; both under one lock,
/// with continuations resumed after it is released.
final class WebSocketChannel: Sendable {
    /// How the stream of received messages ended.
    enum End: Sendable {
        /// The close handshake finished: the peer's close, or `nil` when the peer never sent one
        /// (the client closed and the peer did not answer in time).
        case closed(WebSocketClose?)
        case failed(HTTPClientError)
    }

    private struct State: Sendable {
        var messages: [WebSocketMessage] = []
        var head = 0
        var bufferedBytes = 0
        /// The most bytes ever buffered at once (for tests of the bound).
        var peakBufferedBytes = 0
        var reader: UnsafeContinuation<WebSocketMessage?, any Error>?
        /// Whether an iterator took the messages (one reader per socket).
        var hasIterator = false
        var end: End?
        /// Whether the loop stopped reading because the buffer was full.
        var receivePaused = false
    }

    private let state = Locked(State())
    private let highWater: Int

    init(highWater: Int) {
        self.highWater = max(1, highWater)
    }

    // MARK: - The loop's side

    /// Hands a received message over; returns whether the loop should stop reading (the
    /// buffer is full) until ``WebSocketCommand/resumeReceive(_:)``.
    func put(_ message: WebSocketMessage) -> Bool {
        // The waiting reader is resumed under the lock, as ``resume(_:with:)`` says why.
        state.withLock { state in
            if let reader = state.reader {
                state.reader = nil
                reader.resume(returning: message)
                return false
            }
            state.messages.append(message)
            state.bufferedBytes += message.byteCount
            state.peakBufferedBytes = max(state.peakBufferedBytes, state.bufferedBytes)
            state.receivePaused = state.bufferedBytes >= highWater
            return state.receivePaused
        }
    }

    /// No message will come after those buffered; the first end wins.
    func finish(_ end: End) {
        state.withLock { state in
            guard state.end == nil else { return }
            state.end = end
            state.reader?.resume(with: Self.result(of: end))
            state.reader = nil
        }
    }

    // MARK: - Resuming where ThreadSanitizer sees it

    /// Resumes `continuation` while holding this channel's lock; the awaiting task calls
    /// ``synchronize()`` once it returns.
    ///
    /// Why: the loop often resumes a WebSocket's continuation within microseconds (a send the
    /// socket takes at once), before the awaiting task has suspended. The Swift runtime then
    /// takes the fast path of `swift_continuation_await` ("already resumed"), whose ordering is
    /// an atomic load in an uninstrumented library with no ThreadSanitizer annotation (the
    /// enqueue path has one), so the sanitizer reported the task's next frame, written where the
    /// continuation's context was, as racing with `resume`. Resuming under a mutex the task then
    /// takes makes the order one ThreadSanitizer sees: the task can only return after the
    /// resume, which is inside the loop's critical section, so its lock comes after.
    func resume<T: Sendable>(_ continuation: UnsafeContinuation<T, any Error>, with result: sending Result<T, any Error>) {
        state.withLock { _ in continuation.resume(with: result) }
    }

    /// Orders the awaiting task after a ``resume(_:with:)`` (see there).
    func synchronize() {
        state.withLock { _ in }
    }

    /// The most bytes of unread messages held at once so far.
    var peakBufferedBytes: Int { state.withLock { $0.peakBufferedBytes } }

    /// The end, once known.
    var end: End? { state.withLock { $0.end } }

    // MARK: - The reader's side

    /// Claims the messages for an iterator; `false` when another has them.
    func claimIterator() -> Bool {
        state.withLock { state in
            defer { state.hasIterator = true }
            return !state.hasIterator
        }
    }

    /// The next message, `nil` after a clean close. `resume` is called (outside the lock) when
    /// taking a message drained a paused buffer, so that the loop reads again; `onCancel` when
    /// the waiting task is cancelled (it then throws ``HTTPClientError/Kind/cancelled``).
    func next(resume: @Sendable () -> Void, onCancel: @escaping @Sendable () -> Void) async throws -> WebSocketMessage? {
        let (ready, drained) = state.withLock { poll(&$0) }
        if drained { resume() }
        if let ready { return try ready.get() }
        defer { synchronize() }
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<WebSocketMessage?, any Error>) in
                // A message or the end may have come since the poll above: take it now.
                let (ready, drained) = state.withLock { state in
                    let polled = poll(&state)
                    if polled.0 == nil { state.reader = continuation }
                    return polled
                }
                if drained { resume() }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            state.withLock { state in
                state.reader?.resume(throwing: HTTPClientError(.cancelled, "the task reading the WebSocket was cancelled"))
                state.reader = nil
            }
            onCancel()
        }
    }

    /// A buffered message or the end, and whether taking it drained a paused buffer; `nil`
    /// when the reader must wait. Under the lock.
    private func poll(_ state: inout State) -> (Result<WebSocketMessage?, any Error>?, Bool) {
        if state.head < state.messages.count {
            let message = Self.pop(&state)
            let drained = state.receivePaused && state.bufferedBytes <= highWater / 4
            if drained { state.receivePaused = false }
            return (.success(message), drained)
        }
        if let end = state.end { return (Self.result(of: end), false) }
        return (nil, false)
    }

    private static func pop(_ state: inout State) -> WebSocketMessage {
        let message = state.messages[state.head]
        state.head += 1
        state.bufferedBytes -= message.byteCount
        if state.head == state.messages.count {
            state.messages.removeAll(keepingCapacity: state.messages.count <= 64)
            state.head = 0
        }
        return message
    }

    private static func result(of end: End) -> Result<WebSocketMessage?, any Error> {
        switch end {
        case .closed: return .success(nil)
        case .failed(let error): return .failure(error)
        }
    }
}

extension WebSocketMessage {
    /// The payload's size in bytes.
    var byteCount: Int {
        switch self {
        case .text(let text): return text.utf8.count
        case .binary(let bytes): return bytes.count
        }
    }
}
