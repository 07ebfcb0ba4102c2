/// A streamed request body on its way from the producer task to libcurl's read callback, as a
/// plain value: events in, actions out, no I/O. ``UploadStream`` guards it with a lock.
///
/// With a declared length the stream must produce exactly that many bytes and then end: a
/// write past it, or an end before it, fails the upload at once (libcurl would otherwise send
/// a body of another length than the head announced, and the connection would carry the next
/// request's bytes as this one's body). To see a stream that goes on past its length before
/// libcurl has sent the whole body, the last byte is held back until the stream has ended.
struct UploadStateMachine<Producer> {
    let declaredLength: Int64?
    /// The producer waits while more than this many bytes are pending.
    let highWater: Int
    private var pending: [UInt8] = []
    private var readOffset = 0
    /// Bytes the producer has written, and bytes handed to libcurl.
    private(set) var written: Int64 = 0
    private(set) var sent: Int64 = 0
    private(set) var ended = false
    private(set) var failure: HTTPClientError?
    /// The read callback answered "pause" and nothing has resumed it yet.
    private(set) var sendPaused = false
    private var producer: Producer?

    init(declaredLength: Int64?, highWater: Int = 256 << 10) {
        self.declaredLength = declaredLength
        self.highWater = highWater
    }

    var pendingCount: Int { pending.count - readOffset }

    // MARK: - The producer's side

    enum WriteAction: Equatable {
        /// Queued; resume a paused upload if `resumeSend`.
        case accepted(resumeSend: Bool)
        /// The upload failed (now, or earlier): the write throws this.
        case fail(HTTPClientError)
    }

    mutating func write<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> WriteAction {
        if let failure { return .fail(failure) }
        let count = Int64(bytes.count)
        if let declaredLength, written + count > declaredLength {
            let failure = HTTPClientError(
                .requestBodyLengthMismatch,
                "the request body stream produced more than its declared \(declaredLength) bytes (\(written + count) so far)")
            self.failure = failure
            return .fail(failure)
        }
        pending.append(contentsOf: bytes)
        written += count
        return .accepted(resumeSend: takePause())
    }

    enum WaitAction {
        case proceed
        case fail(HTTPClientError)
        /// Too much is pending: the producer waits; it is handed back by `read` or `fail`.
        case wait
    }

    /// After a write: whether the producer may go on, or waits with `producer`.
    mutating func waitForRoom(_ producer: Producer) -> WaitAction {
        if let failure { return .fail(failure) }
        if pendingCount <= highWater { return .proceed }
        self.producer = producer
        return .wait
    }

    enum EndAction: Equatable {
        /// Ended; resume a paused upload if `resumeSend`, so libcurl reads the end.
        case ended(resumeSend: Bool)
        case fail(HTTPClientError)
    }

    mutating func end() -> EndAction {
        if let failure { return .fail(failure) }
        if let declaredLength, written < declaredLength {
            let failure = HTTPClientError(
                .requestBodyLengthMismatch,
                "the request body stream ended after \(written) of its declared \(declaredLength) bytes")
            self.failure = failure
            return .fail(failure)
        }
        ended = true
        return .ended(resumeSend: takePause())
    }

    /// Stops the upload (the first failure is kept); returns a waiting producer to fail.
    mutating func fail(_ error: HTTPClientError) -> Producer? {
        if failure == nil { failure = error }
        defer { producer = nil }
        return producer
    }

    // MARK: - The read callback's side

    enum ReadAction {
        /// Copy this many pending bytes into libcurl's buffer (0: the end of the body).
        case bytes(Int)
        case pause
        case abort(HTTPClientError)
    }

    /// How libcurl's read callback answers, for a buffer of `capacity` bytes. Call ``copy(_:into:)``
    /// with a `.bytes` count before anything else.
    mutating func read(capacity: Int) -> ReadAction {
        if let failure { return .abort(failure) }
        var count = min(pendingCount, capacity)
        if let declaredLength, !ended, sent + Int64(count) >= declaredLength {
            count = max(0, Int(declaredLength - sent) - 1)  // the last byte waits for the end
        }
        if count > 0 { return .bytes(count) }
        if ended && pendingCount == 0 { return .bytes(0) }
        sendPaused = true
        return .pause
    }

    /// Copies `count` pending bytes out (after `read` answered `.bytes(count)`); returns a
    /// producer to resume when the pending bytes dropped to high water.
    mutating func copy(_ count: Int, into buffer: UnsafeMutableRawBufferPointer) -> Producer? {
        pending.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[readOffset..<readOffset + count]))
        }
        readOffset += count
        sent += Int64(count)
        if readOffset == pending.count {
            pending.removeAll(keepingCapacity: true)
            readOffset = 0
        } else if readOffset > highWater {
            pending.removeFirst(readOffset)
            readOffset = 0
        }
        guard pendingCount <= highWater else { return nil }
        defer { producer = nil }
        return producer
    }

    private mutating func takePause() -> Bool {
        defer { sendPaused = false }
        return sendPaused
    }
}

extension UploadStateMachine: Sendable where Producer: Sendable {}
