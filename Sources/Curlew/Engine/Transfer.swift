internal import HTTPTypes
internal import Logging
internal import CurlewLocks

/// The final head of a response, as the loop hands it to `execute`: raw, so that the fields
/// are made on the caller's thread (``HeadParser/Head/response``), not the loop's.
typealias ResponseHead = HeadParser.Head

/// One request's shared state: the loop thread and the awaiting tasks meet here, under one
/// lock. Continuations are resumed outside the lock, exactly once (the state machine hands
/// each out once).
final class Transfer: Sendable {
    // Unsafe rather than checked continuations: the request path makes one or two per request,
    // and a checked one costs an allocation and a check each. Exactly-once is the state
    // machine's guarantee (it hands each continuation out once, and only outside the lock is it
    // resumed), and the tests hold it to that.
    typealias HeadContinuation = UnsafeContinuation<ResponseHead, any Error>
    typealias BodyContinuation = UnsafeContinuation<[UInt8]?, any Error>
    typealias Machine = TransferStateMachine<HeadContinuation, BodyContinuation, [UInt8]>

    let request: TransferRequest
    let logger: Logger
    let upload: UploadStream?
    private let state: Locked<Shared>

    private struct Shared: Sendable {
        var machine: Machine
        var metrics: HTTPClientMetrics?
    }

    init(request: TransferRequest, logger: Logger) {
        self.request = request
        self.logger = logger
        if case .stream(let length) = request.body { upload = UploadStream(declaredLength: length) } else { upload = nil }
        let configuration = request.configuration
        state = Locked(Shared(machine: Machine(highWater: configuration.responseBufferHighWater,
                                              lowWater: configuration.responseBufferLowWater)))
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
        let action = state.withLock { $0.machine.requestCancel(reason) }
        if action == .sendCancel { loop.send(.cancel(self)) }
        upload?.fail(reason)
    }

    /// The next body chunk, `nil` at the end.
    func nextChunk(on loop: EventLoop) async throws -> [UInt8]? {
        // Without suspending when a chunk (or the end) is already there.
        if let value = try readyChunk(on: loop) { return value }
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: BodyContinuation) in
                hand(to: continuation, on: loop)
            }
        } onCancel: {
            cancel(on: loop)
        }
    }

    /// The next chunk (`.some(nil)` at the end) if one is there, `nil` if the consumer must wait.
    func readyChunk(on loop: EventLoop) throws -> [UInt8]?? {
        try take(state.withLock { $0.machine.next(waiter: nil) }, on: loop)
    }

    /// Gives a waiting consumer the next chunk, the end or the failure, or registers it to be
    /// woken when bytes arrive.
    fileprivate func hand(to continuation: BodyContinuation, on loop: EventLoop) {
        let action = state.withLock { $0.machine.next(waiter: continuation) }
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

    /// Bytes buffered for the consumer now.
    var bufferedBytes: Int { state.withLock { $0.machine.buffered } }

    /// Whether the transfer has finished.
    var isFinished: Bool { state.withLock { $0.machine.phase == .finished } }

    // MARK: - The loop's side

    func start() -> Machine.StartAction { state.withLock { $0.machine.start() } }

    var cancelRequested: Bool { state.withLock { $0.machine.cancelRequested } }

    /// Why the transfer is to stop, once ``cancelRequested``.
    var cancelReason: HTTPClientError { state.withLock { $0.machine.cancelReason } }

    /// Hands the final head to the caller (resumed when `resumptions` runs).
    func deliverHead(_ head: ResponseHead, _ resumptions: Resumptions) {
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

    func receiveResumed() { state.withLock { $0.machine.receiveResumed() } }

    /// Ends the transfer: resumes whoever waits, with the error or the end of the body; at once,
    /// or when `resumptions` runs.
    func finish(_ error: HTTPClientError?, metrics: HTTPClientMetrics?, _ resumptions: Resumptions? = nil) {
        let action = state.withLock { shared in
            shared.metrics = metrics
            return shared.machine.finish(error)
        }
        upload?.fail(error ?? .cancelled)
        if let (continuation, error) = action.failHead {
            resumptions.append(.headFailure(continuation, error))
        }
        if let (continuation, error) = action.resumeBody {
            resumptions.append(.bodyEnd(continuation, error))
        }
        if let error {
            logger.debug("request failed", metadata: ["url": "\(request.url)", "error": "\(error)"])
        } else {
            logger.debug("request finished", metadata: ["url": "\(request.url)"])
        }
    }
}

/// Continuations the loop resumes after the libcurl call that produced their values has
/// returned, rather than from inside its callbacks. A small response's head, body and end
/// usually arrive in one `socket_action`: resumed together at its end, the awaiting task finds
/// all three and runs to completion after a single wake-up, instead of waking for the head and
/// then again for the rest. Loop-confined.
final class Resumptions {
    enum Pending {
        case head(Transfer.HeadContinuation, ResponseHead)
        case headFailure(Transfer.HeadContinuation, HTTPClientError)
        /// Bytes arrived for a consumer that waited: it takes what is buffered when resumed.
        case bodyReady(Transfer, Transfer.BodyContinuation, EventLoop)
        case bodyEnd(Transfer.BodyContinuation, HTTPClientError?)
    }

    let loop: EventLoop
    private var pending: [Pending] = []

    init(loop: EventLoop) { self.loop = loop }

    func append(_ resumption: Pending) { pending.append(resumption) }

    private var running: [Pending] = []

    /// Resumes everything held, in the order it was produced. Two buffers take turns (resuming
    /// can add more, for the next run), so a run allocates nothing.
    func run() {
        guard !isRunning else { return }  // the outer run takes what a nested one would
        isRunning = true
        while !pending.isEmpty {
            swap(&pending, &running)
            for resumption in running { Self.resume(resumption) }
            running.removeAll(keepingCapacity: true)
        }
        isRunning = false
    }

    private var isRunning = false

    fileprivate static func resume(_ resumption: Pending) {
        switch resumption {
        case .head(let continuation, let head): continuation.resume(returning: head)
        case .headFailure(let continuation, let error): continuation.resume(throwing: error)
        case .bodyReady(let transfer, let continuation, let loop): transfer.hand(to: continuation, on: loop)
        case .bodyEnd(let continuation, nil): continuation.resume(returning: nil)
        case .bodyEnd(let continuation, let error?): continuation.resume(throwing: error)
        }
    }
}

extension Optional where Wrapped == Resumptions {
    /// Holds the resumption when there is a batch, resumes it at once otherwise.
    func append(_ resumption: Resumptions.Pending) {
        if let batch = self { batch.append(resumption) } else { Resumptions.resume(resumption) }
    }
}
