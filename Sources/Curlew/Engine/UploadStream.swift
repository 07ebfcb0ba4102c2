internal import CurlewLocks

/// The bytes of a streamed request body on their way from the producer task to libcurl's read
/// callback. The producer waits while more than `highWater` bytes are pending; the read
/// callback answers "pause" while none are, and the producer's next write resumes it.
final class UploadStream: Sendable {
    private struct State {
        var pending: [UInt8] = []
        var readOffset = 0
        var ended = false
        var failure: HTTPClientError?
        /// The read callback answered "pause" and nothing has resumed it yet.
        var sendPaused = false
        var producer: CheckedContinuation<Void, any Error>?
    }

    private let state = Locked(State())
    private let resumeHandler = Locked<(@Sendable () -> Void)?>(nil)
    let highWater = 256 << 10

    /// Sets what asks the loop to resume sending.
    func setResumeHandler(_ handler: @escaping @Sendable () -> Void) {
        resumeHandler.withLock { $0 = handler }
    }

    /// Asks the loop to resume sending (after `write` or `end` said so).
    func requestResume() {
        resumeHandler.withLock { $0 }?()
    }

    // MARK: - The producer's side

    /// Queues `bytes`, resuming a paused upload at once, then waits while too much is pending.
    func write(_ bytes: some Collection<UInt8>) async throws {
        let resume = try state.withLock { (state: inout State) throws(HTTPClientError) -> Bool in
            if let failure = state.failure { throw failure }
            state.pending.append(contentsOf: bytes)
            let resume = state.sendPaused
            state.sendPaused = false
            return resume
        }
        // Before waiting: the loop must drain what was just queued for the wait to end.
        if resume { requestResume() }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let ready: Result<Void, HTTPClientError>? = state.withLock { state in
                if let failure = state.failure { return .failure(failure) }
                if state.pending.count - state.readOffset <= highWater { return .success(()) }
                state.producer = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }

    /// Marks the end of the body, resuming a paused upload so libcurl reads the end.
    func end() {
        let resume = state.withLock { state in
            state.ended = true
            let resume = state.sendPaused
            state.sendPaused = false
            return resume
        }
        if resume { requestResume() }
    }

    /// Stops the stream: the producer's waits and writes throw `error`.
    func fail(_ error: HTTPClientError) {
        let producer = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            if state.failure == nil { state.failure = error }
            let producer = state.producer
            state.producer = nil
            return producer
        }
        producer?.resume(throwing: error)
    }

    // MARK: - The read callback's side (loop thread)

    enum ReadResult {
        case bytes(Int)
        case pause
        case abort
    }

    /// Copies pending bytes into `buffer`.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> ReadResult {
        let (result, producer) = state.withLock { state -> (ReadResult, CheckedContinuation<Void, any Error>?) in
            let available = state.pending.count - state.readOffset
            if available == 0 {
                if state.ended { return (.bytes(0), nil) }
                if state.failure != nil { return (.abort, nil) }
                state.sendPaused = true
                return (.pause, nil)
            }
            let count = min(available, buffer.count)
            state.pending.withUnsafeBytes { source in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[state.readOffset..<state.readOffset + count]))
            }
            state.readOffset += count
            if state.readOffset == state.pending.count {
                state.pending.removeAll(keepingCapacity: true)
                state.readOffset = 0
            } else if state.readOffset > highWater {
                state.pending.removeFirst(state.readOffset)
                state.readOffset = 0
            }
            var producer: CheckedContinuation<Void, any Error>?
            if state.pending.count - state.readOffset <= highWater {
                producer = state.producer
                state.producer = nil
            }
            return (.bytes(count), producer)
        }
        producer?.resume()
        return result
    }
}
