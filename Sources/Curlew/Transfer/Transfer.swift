internal import HTTPTypes
internal import Logging
internal import CurlewLocks

/// The final head of a response, as the loop hands it to `execute`: raw, so that the fields
/// are made on the caller's thread (``HeadParser/Head/response``), not the loop's.
typealias ResponseHead = HeadParser.Head

/// One request's shared state: the loop thread, the awaiting tasks and the request body's
/// producer meet here, under one lock. Continuations are resumed outside the lock, exactly once
/// (the state machine hands each out once).
final class Transfer: Sendable {
    // Unsafe rather than checked continuations: the request path makes one or two per request,
    // and a checked one costs an allocation and a check each. Exactly-once is the state
    // machine's guarantee (it hands each continuation out once, and only outside the lock is it
    // resumed), and the tests hold it to that.
    typealias HeadContinuation = UnsafeContinuation<ResponseHead, any Error>
    typealias BodyContinuation = UnsafeContinuation<[UInt8]?, any Error>
    typealias ProducerContinuation = UnsafeContinuation<Void, any Error>
    typealias Machine = TransferStateMachine<HeadContinuation, BodyContinuation, [UInt8], ProducerContinuation>

    let request: TransferRequest
    let logger: Logger
    let id: HTTPClientRequestID
    /// Metrics and tracing, when the client's configuration turns them on.
    let observation: RequestObservation?
    private let state: Locked<Shared>

    private struct Shared: Sendable {
        var machine: Machine
        var metrics: HTTPClientMetrics?
    }

    init(request: TransferRequest, logger: Logger, id: HTTPClientRequestID = .next(), observation: RequestObservation? = nil) {
        self.request = request
        self.logger = logger
        self.id = id
        self.observation = observation
        var upload: UploadStateMachine<ProducerContinuation>?
        if case .stream(let length) = request.body { upload = UploadStateMachine(declaredLength: length) }
        state = Locked(Shared(machine: Machine(highWater: request.configuration.responseBufferHighWater,
                                              lowWater: request.configuration.responseBufferLowWater, upload: upload)))
    }

    // MARK: - The caller's side

    /// Registers the caller waiting for the head.
    func waitForHead(_ continuation: HeadContinuation) {
        let action = state.withLock { $0.machine.waitForHead(continuation) }
        if case .fail(let continuation, let error) = action { continuation.resume(throwing: error) }
    }

    /// Asks the loop to stop the transfer: task cancelled or body dropped (`.cancelled`), or
    /// the request body failed (`reason`). Idempotent: the first reason is kept.
    func cancel(on loop: EventLoop, reason: HTTPClientError = .cancelled) {
        let (action, producer) = state.withLock { ($0.machine.requestCancel(reason), $0.machine.upload?.fail(reason)) }
        if action == .sendCancel { loop.send(.cancel(self)) }
        producer?.resume(throwing: reason)
    }

    /// A number for a new iterator of the body: the first to read claims it.
    func newReader() -> Int { state.withLock { $0.machine.newReader() } }

    /// The next body chunk for iterator `reader`, `nil` at the end.
    nonisolated(nonsending) func nextChunk(on loop: EventLoop, reader: Int) async throws -> [UInt8]? {
        // Without suspending when a chunk (or the end) is already there.
        if let value = try readyChunk(on: loop, reader: reader) { return value }
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: BodyContinuation) in
                hand(to: continuation, on: loop, reader: reader)
            }
        } onCancel: {
            cancel(on: loop)
        }
    }

    /// The next chunk (`.some(nil)` at the end) if one is there, `nil` if the consumer must wait.
    func readyChunk(on loop: EventLoop, reader: Int? = nil) throws -> [UInt8]?? {
        try take(state.withLock { $0.machine.next(waiter: nil, reader: reader) }, on: loop)
    }

    /// Gives a waiting consumer the next chunk, the end or the failure, or registers it to be
    /// woken when bytes arrive.
    func hand(to continuation: BodyContinuation, on loop: EventLoop, reader: Int? = nil) {
        let action = state.withLock { $0.machine.next(waiter: continuation, reader: reader) }
        do {
            if let value = try take(action, on: loop) { continuation.resume(returning: value) }
        } catch {
            continuation.resume(throwing: error)
        }
    }

    /// What a consumer's `next` action yields: the chunk or the end (`.some(nil)`), a failure,
    /// or `nil` when the consumer waits (its continuation is then resumed by the loop).
    private func take(_ action: Machine.NextAction, on loop: EventLoop) throws -> [UInt8]?? {
        switch action {
        case .wait: return nil
        case .chunk(let chunk, let resume):
            if resume { loop.send(.resumeReceive(self)) }
            return .some(chunk)
        case .end: return .some(nil)
        case .fail(let error): throw error
        }
    }

    /// The metrics, once the transfer has finished.
    var metrics: HTTPClientMetrics? { state.withLock { $0.metrics } }

    /// Bytes buffered for the consumer now (for tests and diagnostics).
    var bufferedBytes: Int { state.withLock { $0.machine.buffered } }

    /// Whether the transfer has finished.
    var isFinished: Bool { state.withLock { $0.machine.phase == .finished } }

    // MARK: - The request body's producer

    /// Queues `bytes` of the request body, resuming a paused upload at once, then waits while
    /// too much is pending.
    /// - Throws: the upload's failure: ``HTTPClientError/Kind/requestBodyLengthMismatch`` past
    ///   the declared length, or the transfer's end.
    func write(_ bytes: some Collection<UInt8>, on loop: EventLoop) async throws {
        switch state.withLock({ $0.machine.upload?.write(bytes) ?? .fail(.cancelled) }) {
        case .fail(let error): throw error
        // Before waiting: the loop must drain what was just queued for the wait to end.
        case .accepted(let resume): if resume { loop.send(.resumeSend(self)) }
        }
        try await withUnsafeThrowingContinuation { (continuation: ProducerContinuation) in
            switch state.withLock({ $0.machine.upload?.waitForRoom(continuation) ?? .fail(.cancelled) }) {
            case .proceed: continuation.resume()
            case .fail(let error): continuation.resume(throwing: error)
            case .wait: break
            }
        }
    }

    /// Marks the end of the request body, resuming a paused upload so libcurl reads the end.
    /// - Throws: ``HTTPClientError/Kind/requestBodyLengthMismatch`` before the declared length.
    func endUpload(on loop: EventLoop) throws(HTTPClientError) {
        switch state.withLock({ $0.machine.upload?.end() ?? .fail(.cancelled) }) {
        case .fail(let error): throw error
        case .ended(let resume): if resume { loop.send(.resumeSend(self)) }
        }
    }

    /// The upload's failure, once it has one.
    var uploadFailure: HTTPClientError? { state.withLock { $0.machine.upload?.failure } }

    // MARK: - The loop's side

    func start() -> Machine.StartAction { state.withLock { $0.machine.start() } }

    var cancelRequested: Bool { state.withLock { $0.machine.cancelRequested } }

    /// Why the transfer is to stop, once ``cancelRequested``.
    var cancelReason: HTTPClientError { state.withLock { $0.machine.cancelReason } }

    /// Hands the final head to the caller (resumed when `resumptions` runs).
    func deliverHead(_ head: ResponseHead, _ resumptions: Resumptions) {
        observation?.headArrived(status: head.status, version: head.version)
        let action = state.withLock { $0.machine.headReceived() }
        if case .resume(let continuation) = action { resumptions.append(.head(continuation, head)) }
    }

    /// Body bytes from the write callback: `false` means "pause". A consumer waiting for bytes
    /// is woken when `resumptions` runs, and takes everything buffered by then.
    func deliverBody(_ bytes: UnsafeRawBufferPointer, _ resumptions: Resumptions) -> Bool {
        let action = state.withLock { $0.machine.bodyReceived(bytes) }
        switch action {
        case .pause: return false
        case .accepted(let waiter):
            if let waiter { resumptions.append(.bodyReady(self, waiter, resumptions.loop)) }
            return true
        }
    }

    enum ReadResult {
        case bytes(Int)
        case pause
        case abort(HTTPClientError)
    }

    /// Copies pending request body bytes into libcurl's `buffer` (the read callback).
    func readUpload(into buffer: UnsafeMutableRawBufferPointer) -> ReadResult {
        // Through optional chaining, so the pending bytes are changed in place, never copied.
        let (result, producer) = state.withLock { shared -> (ReadResult, ProducerContinuation?) in
            switch shared.machine.upload?.read(capacity: buffer.count) {
            case nil: return (.abort(.cancelled), nil)
            case .bytes(let count)?: return (.bytes(count), count > 0 ? shared.machine.upload?.copy(count, into: buffer) ?? nil : nil)
            case .pause?: return (.pause, nil)
            case .abort(let error)?: return (.abort(error), nil)
            }
        }
        producer?.resume()
        return result
    }

    /// Holds `resumption` in the loop's batch when there is one, resumes it at once otherwise.
    private func resume(_ resumption: Resumptions.Pending, _ resumptions: Resumptions?) {
        if let resumptions { resumptions.append(resumption) } else { Resumptions.resume(resumption) }
    }

    /// The loop resumes receiving (`receive`) or sending: which directions must stay paused.
    func resume(receive: Bool) -> (holdReceive: Bool, holdSend: Bool) {
        state.withLock { $0.machine.resume(receive: receive) }
    }

    /// Ends the transfer: resumes whoever waits, with the error or the end of the body; at once,
    /// or when `resumptions` runs.
    func finish(_ error: HTTPClientError?, metrics: HTTPClientMetrics?, _ resumptions: Resumptions?) {
        let action = state.withLock { shared in
            shared.metrics = metrics
            return shared.machine.finish(error)
        }
        if let (producer, error) = action.failProducer { producer.resume(throwing: error) }
        if let (continuation, error) = action.failHead { resume(.headFailure(continuation, error), resumptions) }
        if let (continuation, error) = action.resumeBody { resume(.bodyEnd(continuation, error), resumptions) }
        observation?.finished(error, metrics: metrics)
        if let error {
            logger.debug("request failed", metadata: ["url": "\(request.url)", "error": "\(error)"])
        } else {
            logger.debug("request finished", metadata: ["url": "\(request.url)"])
        }
    }
}
