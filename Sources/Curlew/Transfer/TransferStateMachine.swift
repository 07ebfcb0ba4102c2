/// One request's life, as a plain value: events in, actions out, no I/O. The ``Transfer``
/// guards it with a lock and carries out the actions outside the lock.
///
/// queued → running → streaming (head delivered) → finished. Only the finishing events resume
/// anyone for the last time, and a continuation leaves the machine when it is resumed, so each
/// is resumed exactly once. A streamed request body is the ``upload`` machine inside it, so
/// both directions' pause state is kept here, once.
struct TransferStateMachine<HeadWaiter, BodyWaiter, Chunk: RangeReplaceableCollection, Producer> {
    enum Phase: Equatable {
        /// Registered; the start command is on its way to the loop.
        case queued
        /// The easy handle is in the multi; no final head yet.
        case running
        /// The final head was handed over; the body streams.
        case streaming
        /// Done: every continuation has been resumed.
        case finished
    }

    private(set) var phase: Phase = .queued
    private(set) var cancelRequested = false
    /// Why the transfer is to stop: ``HTTPClientError/cancelled``, or the upload's failure.
    private(set) var cancelReason = HTTPClientError.cancelled
    private var headWaiter: HeadWaiter?
    /// Iterators made so far, and the one that claimed the body.
    private var readers = 0
    private var claimedBy: Int?
    private var bodyWaiter: BodyWaiter?
    /// The oldest chunk held for the consumer, then the later ones from `chunks[firstChunk]`
    /// on: a response that fits one chunk (most do) needs no array.
    private var oldest: Chunk?
    private var chunks: [Chunk] = []
    private var firstChunk = 0
    /// Bytes held for the consumer.
    private(set) var buffered = 0
    /// Whether the write callback last answered "pause" and no resume has been asked for.
    private(set) var receivePaused = false
    private var resumeRequested = false
    private var outcome: HTTPClientError?
    let highWater: Int
    let lowWater: Int
    /// Bytes that arrive while the consumer has not yet taken the last chunk are appended to it,
    /// up to this size: small pieces (HTTP/2 frames, TLS records) reach the consumer as fewer
    /// chunks. The default is libcurl's largest write (16 KiB): larger chunks were measured to
    /// be slower (`Benchmarks/`, /big at C=4: 256 KiB chunks halved MiB/s), since freeing them
    /// makes glibc hand the memory back to the kernel and fault it in again for the next.
    let coalesceLimit: Int

    /// The streamed request body, if the request has one.
    var upload: UploadStateMachine<Producer>?

    init(highWater: Int, lowWater: Int, coalesceLimit: Int = 16 << 10, upload: UploadStateMachine<Producer>? = nil) {
        self.highWater = highWater
        self.lowWater = lowWater
        self.coalesceLimit = coalesceLimit
        self.upload = upload
    }

    // MARK: - The caller's side

    /// `execute` waits for the head with `waiter`.
    enum WaitHeadAction {
        case wait
        case fail(HeadWaiter, HTTPClientError)
    }

    mutating func waitForHead(_ waiter: HeadWaiter) -> WaitHeadAction {
        switch phase {
        case .finished:
            return .fail(waiter, outcome ?? .cancelled)
        case .queued, .running, .streaming:
            headWaiter = waiter
            return .wait
        }
    }

    /// The task was cancelled or the body dropped.
    enum CancelAction: Equatable {
        /// Tell the loop to stop the transfer.
        case sendCancel
        case none
    }

    mutating func requestCancel(_ reason: HTTPClientError = .cancelled) -> CancelAction {
        guard phase != .finished, !cancelRequested else { return .none }
        cancelRequested = true
        cancelReason = reason
        return .sendCancel
    }

    /// The consumer asks for the next chunk.
    enum NextAction {
        case chunk(Chunk, resumeReceive: Bool)
        case end
        case fail(HTTPClientError)
        case wait
    }

    /// A number for a new iterator of the body (see ``next(waiter:reader:)``).
    mutating func newReader() -> Int {
        readers += 1
        return readers
    }

    /// `reader` is the iterator asking (`nil`: the loop handing bytes to the waiting reader).
    /// The first iterator to ask claims the body; any other is refused, during the body and after.
    mutating func next(waiter: BodyWaiter?, reader: Int? = nil) -> NextAction {
        if let reader {
            if claimedBy == nil { claimedBy = reader }
            if claimedBy != reader { return .fail(Self.concurrentRead) }
        }
        if let chunk = oldest {
            if firstChunk < chunks.count {
                oldest = chunks[firstChunk]
                chunks[firstChunk] = Chunk()
                firstChunk += 1
                if firstChunk == chunks.count {
                    chunks.removeAll(keepingCapacity: true)
                    firstChunk = 0
                }
            } else {
                oldest = nil
            }
            buffered -= chunk.count
            var resume = false
            if receivePaused, !resumeRequested, buffered <= lowWater {
                resumeRequested = true
                resume = true
            }
            return .chunk(chunk, resumeReceive: resume)
        }
        if phase == .finished {
            if let outcome { return .fail(outcome) }
            return .end
        }
        guard let waiter else { return .wait }
        guard bodyWaiter == nil else { return .fail(Self.concurrentRead) }
        bodyWaiter = waiter
        return .wait
    }

    /// What a second reader gets while another reads: the body is one stream, read once.
    static var concurrentRead: HTTPClientError {
        HTTPClientError(.concurrentBodyRead, "the response body is read by another iterator: a body is read once")
    }

    // MARK: - The loop's side

    /// The loop took the start command.
    enum StartAction: Equatable {
        case start
        /// Cancelled before it started: finish it without touching libcurl.
        case finishCancelled
    }

    mutating func start() -> StartAction {
        guard phase == .queued else { return .finishCancelled }
        if cancelRequested { return .finishCancelled }
        phase = .running
        return .start
    }

    /// The final head arrived.
    enum HeadAction {
        case resume(HeadWaiter)
        case none
    }

    mutating func headReceived() -> HeadAction {
        guard phase == .running else { return .none }
        phase = .streaming
        guard let waiter = headWaiter else { return .none }
        headWaiter = nil
        return .resume(waiter)
    }

    /// Body bytes arrived from the write callback.
    enum ChunkAction {
        /// Refuse them for now: answer `CURL_WRITEFUNC_PAUSE` (libcurl hands them again later).
        case pause
        /// Buffered; wake this consumer, which waited for bytes, to take them.
        case accepted(wake: BodyWaiter?)
    }

    mutating func bodyReceived<Bytes: Collection>(_ bytes: Bytes) -> ChunkAction where Bytes.Element == Chunk.Element {
        if buffered >= highWater {
            receivePaused = true
            resumeRequested = false
            return .pause
        }
        let count = bytes.count
        if firstChunk < chunks.count {
            if chunks[chunks.count - 1].count + count <= coalesceLimit {
                chunks[chunks.count - 1].append(contentsOf: bytes)
            } else {
                chunks.append(Chunk(bytes))
            }
        } else if let held = oldest?.count {
            if held + count <= coalesceLimit {
                oldest?.append(contentsOf: bytes)
            } else {
                chunks.append(Chunk(bytes))
            }
        } else {
            oldest = Chunk(bytes)
        }
        buffered += count
        guard let waiter = bodyWaiter else { return .accepted(wake: nil) }
        bodyWaiter = nil
        return .accepted(wake: waiter)
    }

    /// The loop resumes receiving (`receive`) or sending: which directions must stay paused.
    /// Receiving stays paused while the consumer has not drained the buffer; sending while the
    /// producer has written nothing new since the read callback paused.
    mutating func resume(receive: Bool) -> (holdReceive: Bool, holdSend: Bool) {
        if receive {
            receivePaused = false
            resumeRequested = false
        }
        return (receivePaused && !resumeRequested, upload?.sendPaused ?? false)
    }

    /// The transfer ended: success (`nil`) or failure.
    struct FinishAction {
        /// Resume with this error, if the head was never delivered.
        var failHead: (HeadWaiter, HTTPClientError)?
        /// Resume a waiting consumer: with the error, or with the end of the body.
        var resumeBody: (BodyWaiter, HTTPClientError?)?
        /// Fail a producer waiting to write more of the request body.
        var failProducer: (Producer, HTTPClientError)?
    }

    mutating func finish(_ error: HTTPClientError?) -> FinishAction {
        guard phase != .finished else { return FinishAction() }
        let wasStreaming = phase == .streaming
        phase = .finished
        var action = FinishAction()
        if let waiter = headWaiter {
            headWaiter = nil
            action.failHead = (waiter, error ?? HTTPClientError(.protocolError, "the transfer ended without a response head"))
        }
        if !wasStreaming, error == nil {
            outcome = HTTPClientError(.protocolError, "the transfer ended without a response head")
        } else {
            outcome = error
        }
        if let waiter = bodyWaiter {
            bodyWaiter = nil
            action.resumeBody = (waiter, outcome)
        }
        // The body stream stops too: with the transfer's error, or `.cancelled` after a success
        // (the server answered before the stream ended).
        let uploadError = error ?? .cancelled
        if let producer = upload?.fail(uploadError) { action.failProducer = (producer, uploadError) }
        return action
    }
}

extension TransferStateMachine: Sendable where HeadWaiter: Sendable, BodyWaiter: Sendable, Chunk: Sendable, Producer: Sendable {}
