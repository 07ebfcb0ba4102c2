internal import CurlewLocks

/// The bytes of a streamed request body on their way from the producer task to libcurl's read
/// callback: an ``UploadStateMachine`` under a lock, its actions carried out outside it. The
/// producer waits while more than `highWater` bytes are pending; the read callback answers
/// "pause" while none are, and the producer's next write resumes it.
final class UploadStream: Sendable {
    typealias Machine = UploadStateMachine<CheckedContinuation<Void, any Error>>

    private let state: Locked<Machine>
    private let resumeHandler = Locked<(@Sendable () -> Void)?>(nil)

    init(declaredLength: Int64?) {
        state = Locked(Machine(declaredLength: declaredLength))
    }

    /// Sets what asks the loop to resume sending.
    func setResumeHandler(_ handler: @escaping @Sendable () -> Void) {
        resumeHandler.withLock { $0 = handler }
    }

    private func requestResume() {
        resumeHandler.withLock { $0 }?()
    }

    /// The upload's failure, once it has one.
    var failure: HTTPClientError? { state.withLock { $0.failure } }

    // MARK: - The producer's side

    /// Queues `bytes`, resuming a paused upload at once, then waits while too much is pending.
    /// - Throws: the upload's failure: ``HTTPClientError/Kind/requestBodyLengthMismatch`` past
    ///   the declared length, or the transfer's end.
    func write(_ bytes: some Collection<UInt8>) async throws {
        switch state.withLock({ $0.write(bytes) }) {
        case .fail(let error): throw error
        // Before waiting: the loop must drain what was just queued for the wait to end.
        case .accepted(let resume): if resume { requestResume() }
        }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            switch state.withLock({ $0.waitForRoom(continuation) }) {
            case .proceed: continuation.resume()
            case .fail(let error): continuation.resume(throwing: error)
            case .wait: break
            }
        }
    }

    /// Marks the end of the body, resuming a paused upload so libcurl reads the end.
    /// - Throws: ``HTTPClientError/Kind/requestBodyLengthMismatch`` before the declared length.
    func end() throws(HTTPClientError) {
        switch state.withLock({ $0.end() }) {
        case .fail(let error): throw error
        case .ended(let resume): if resume { requestResume() }
        }
    }

    /// Stops the stream: the producer's waits and writes throw `error` (the first one kept).
    func fail(_ error: HTTPClientError) {
        let producer = state.withLock { $0.fail(error) }
        producer?.resume(throwing: error)
    }

    // MARK: - The read callback's side (loop thread)

    enum ReadResult {
        case bytes(Int)
        case pause
        case abort(HTTPClientError)
    }

    /// Copies pending bytes into `buffer`.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> ReadResult {
        let (result, producer) = state.withLock { machine -> (ReadResult, CheckedContinuation<Void, any Error>?) in
            switch machine.read(capacity: buffer.count) {
            case .bytes(let count): return (.bytes(count), count > 0 ? machine.copy(count, into: buffer) : nil)
            case .pause: return (.pause, nil)
            case .abort(let error): return (.abort(error), nil)
            }
        }
        producer?.resume()
        return result
    }
}
