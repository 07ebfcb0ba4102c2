/// Continuations the loop resumes after the libcurl calls that produced their values have
/// returned, rather than from inside their callbacks: when the loop's round of events ends
/// (before it polls again), or when a command batch or a timer is done. A small response's
/// head, body and end usually arrive in one `socket_action`: resumed together later, the
/// awaiting task finds all three and runs to completion after a single wake-up, instead of
/// waking for the head and then again for the rest; and the tasks a round finished are
/// handed to the pool together. Loop-confined: every use checks its thread in debug builds.
final class Resumptions {
    enum Pending {
        case head(Transfer.HeadContinuation, ResponseHead)
        case headFailure(Transfer.HeadContinuation, HTTPClientError)
        /// Bytes arrived for a consumer that waited: it takes what is buffered when resumed.
        case bodyReady(Transfer, Transfer.BodyContinuation, EventLoop)
        case bodyEnd(Transfer.BodyContinuation, HTTPClientError?)
    }

    /// The loop whose commands a resumed consumer sends (to resume receiving).
    let loop: EventLoop
    private var pending: LoopBound<[Pending]>
    private var running: [Pending] = []
    private var isRunning = false

    init(loop: EventLoop, thread: LoopThread) {
        self.loop = loop
        pending = LoopBound([], on: thread)
    }

    func append(_ resumption: Pending) { pending.value.append(resumption) }

    /// Resumes everything held, in the order it was produced. Two buffers take turns (resuming
    /// can add more, for the next run), so a run allocates nothing.
    func run() {
        guard !isRunning else { return }  // the outer run takes what a nested one would
        isRunning = true
        while !pending.value.isEmpty {
            swap(&pending.value, &running)
            for resumption in running { Self.resume(resumption) }
            running.removeAll(keepingCapacity: true)
        }
        isRunning = false
    }

    /// Resumes one now: for a transfer that finishes outside any libcurl call.
    static func resume(_ resumption: Pending) {
        switch resumption {
        case .head(let continuation, let head): continuation.resume(returning: head)
        case .headFailure(let continuation, let error): continuation.resume(throwing: error)
        case .bodyReady(let transfer, let continuation, let loop): transfer.hand(to: continuation, on: loop)
        case .bodyEnd(let continuation, nil): continuation.resume(returning: nil)
        case .bodyEnd(let continuation, let error?): continuation.resume(throwing: error)
        }
    }
}
