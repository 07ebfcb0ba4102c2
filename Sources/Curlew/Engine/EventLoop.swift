internal import CCurlew
internal import CurlewLocks
internal import Dispatch
#if canImport(Glibc)
internal import Glibc
#endif

/// What other threads may ask of a loop. The command queue is the only way in.
enum LoopCommand: Sendable {
    /// Start a transfer.
    case start(Transfer)
    /// Stop a transfer: it finishes with its ``Transfer/cancelReason``.
    case cancel(Transfer)
    /// The consumer drained the body below low water: resume receiving.
    case resumeReceive(Transfer)
    /// The producer has bytes again (or finished): resume sending.
    case resumeSend(Transfer)
    // indirect: a WebSocket command carries several values (a channel, its request, the
    // subprotocols, a continuation), which would make every command in the queue that large.
    indirect case webSocket(WebSocketCommand)
    /// Stop taking requests; fail what is still running after `grace` seconds; end the thread.
    case shutdown(grace: Double, done: @Sendable () -> Void)
    /// Report the loop's counts (for tests and diagnostics).
    case inspect(@Sendable (LoopStatistics) -> Void)
}

/// What a loop holds at one moment.
struct LoopStatistics: Sendable, Hashable {
    /// Transfers whose easy handle is in the multi.
    var transfers = 0
    /// Sockets with a live `ev_io` watcher.
    var watchedSockets = 0
    /// Easy handles waiting in the pool.
    var pooledHandles = 0
    /// h2c transfers launched as primers of a connection (the curl #10634 workaround, which
    /// runs below libcurl 8.0 only).
    var h2cPrimers = 0
    var webSockets = 0
    /// HTTP/1.1 transfers waiting for a connection to their origin (``OriginQueue``).
    var waitingForConnection = 0

    static func + (lhs: LoopStatistics, rhs: LoopStatistics) -> LoopStatistics {
        LoopStatistics(transfers: lhs.transfers + rhs.transfers, watchedSockets: lhs.watchedSockets + rhs.watchedSockets,
                       pooledHandles: lhs.pooledHandles + rhs.pooledHandles, h2cPrimers: lhs.h2cPrimers + rhs.h2cPrimers,
                       webSockets: lhs.webSockets + rhs.webSockets, waitingForConnection: lhs.waitingForConnection + rhs.waitingForConnection)
    }
}

/// What a loop drives: it hands over commands in batches and never calls back into the loop.
protocol LoopDriver: AnyObject {
    /// Carries out a batch of commands (loop thread).
    func run(_ commands: [LoopCommand])
    /// Commands that arrived after the loop ended (loop thread, after `ev_run`).
    func discard(_ commands: [LoopCommand])
    /// The round's events have all been served and the loop is about to poll (loop thread):
    /// hand over what they produced.
    func roundEnded()
    /// The loop has ended and its watchers are stopped (loop thread, last).
    func ended()
}

/// What the loop thread hands the code that makes its driver.
struct LoopContext {
    let loop: EventLoop
    let ev: EvLoop
    let thread: LoopThread
}

/// A libev loop on its own named thread, serving one ``LoopDriver``.
///
/// Started with a handshake (the thread reports whether its driver could be made, and the
/// starting thread waits on a condition for it) and stopped by a shutdown command followed by
/// a join. Other threads reach it only through ``send(_:)``: a lock-guarded array plus an
/// `ev_async` wake-up, which coalesces, hence the array. Before each poll, an `ev_prepare`
/// takes what was queued and hands it to the driver.
///
/// It is also a `TaskExecutor`: a task that prefers it runs its jobs on the loop thread, between
/// libcurl's events, so a request and its response cross no thread at all. Jobs go through the
/// same queue as commands. Once the loop has ended, its jobs run on Dispatch's global queue.
final class EventLoop: TaskExecutor, @unchecked Sendable {
    // @unchecked Sendable: other threads use only `send` and `enqueue`, which touch `queue` (a
    // `Locked`) and `wakeup.send()` under that lock; `ev`, `prepare` and the driver are used on
    // the loop thread only (`thread` checks it in debug builds). Every other stored property
    // is immutable or a `Locked`.
    let name: String
    /// The thread the loop runs on, for the debug checks of loop-confined state.
    let thread = LoopThread()
    private let ev: EvLoop
    private let wakeup: EvAsync
    private let queue = Locked<Queue>(Queue())
    private let pthread: Locked<pthread_t?> = Locked(nil)

    private struct Queue {
        var commands: [LoopCommand] = []
        /// Jobs of tasks that prefer this loop as their executor.
        var jobs: [UnownedJob] = []
        /// Whether the loop still takes commands; false once its thread is ending.
        var open = true
    }

    /// Everything the thread needs; handed to it retained, released when it ends.
    private final class ThreadStart {
        let loop: EventLoop
        let makeDriver: (LoopContext) throws -> any LoopDriver
        let started = OneShot<Result<Void, HTTPClientError>>()
        init(loop: EventLoop, makeDriver: @escaping (LoopContext) throws -> any LoopDriver) {
            self.loop = loop
            self.makeDriver = makeDriver
        }
    }

    /// Starts the thread and waits until its driver is ready.
    /// - Throws: ``HTTPClientError`` when libev or libcurl cannot start.
    init(name: String, makeDriver: @escaping (LoopContext) throws -> any LoopDriver) throws(HTTPClientError) {
        self.name = name
        ev = try EvLoop()
        wakeup = EvAsync(loop: ev)
        let start = ThreadStart(loop: self, makeDriver: makeDriver)
        // passRetained: the thread owns one reference to `start` and releases it when it ends.
        let argument = Unmanaged.passRetained(start).toOpaque()
        var handle = pthread_t()
        let created = pthread_create(&handle, nil, { argument in
            guard let argument else { return nil }
            let start = Unmanaged<ThreadStart>.fromOpaque(argument).takeRetainedValue()
            start.loop.runThread(start)
            return nil
        }, argument)
        guard created == 0 else {
            Unmanaged<ThreadStart>.fromOpaque(argument).release()
            ev.destroy()
            throw HTTPClientError(.other, "cannot start the loop thread: errno \(created)")
        }
        pthread.withLock { $0 = handle }
        // The handshake: the thread says whether its driver is ready.
        if case .failure(let error) = start.started.wait() {
            join()
            throw error
        }
    }

    /// Queues a command and wakes the loop. Returns false when the loop no longer takes any.
    @discardableResult
    func send(_ command: LoopCommand) -> Bool {
        queue.withLock { queue in
            guard queue.open else { return false }
            queue.commands.append(command)
            // Under the lock: the thread closes the queue, under it, before it destroys the loop.
            wakeup.send()
            return true
        }
    }

    /// Runs a job of a task that prefers this loop: on the loop thread, or, once the loop has
    /// ended, on Dispatch's global queue (a task must never be stranded).
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let accepted = queue.withLock { queue in
            guard queue.open else { return false }
            queue.jobs.append(job)
            wakeup.send()
            return true
        }
        if !accepted { runElsewhere(job) }
    }

    private func runElsewhere(_ job: UnownedJob) {
        let executor = asUnownedTaskExecutor()
        DispatchQueue.global().async { job.runSynchronously(on: executor) }
    }

    /// Waits for the thread to end. Call after the shutdown command has completed.
    func join() {
        if let handle = takeThread() { pthread_join(handle, nil) }
    }

    /// Lets the thread end on its own, for owners that cannot wait (a `deinit`).
    func detach() {
        if let handle = takeThread() { pthread_detach(handle) }
    }

    private func takeThread() -> pthread_t? {
        pthread.withLock { handle in
            defer { handle = nil }
            return handle
        }
    }

    // MARK: - On the loop thread

    private func runThread(_ start: ThreadStart) {
        ccurlew_set_thread_name(name)
        thread.claim()
        let driver: any LoopDriver
        do {
            driver = try start.makeDriver(LoopContext(loop: self, ev: ev, thread: thread))
        } catch {
            queue.withLock { $0.open = false }
            ev.destroy()
            start.started.set(.failure((error as? HTTPClientError) ?? HTTPClientError(.other, "cannot start a loop", detail: "\(error)")))
            return
        }
        // Before each poll, after every callback of the round: first the continuations the
        // round's events produced are resumed, all at once (at h1 C=128, 0.39 to 0.21 context
        // switches per request against resuming after each event: a woken pool thread finds
        // several tasks), then the work queued by other threads and by jobs run here is taken.
        let prepare = EvPrepare(loop: ev) { [unowned self] in
            driver.roundEnded()
            self.takeWork(for: driver)
        }
        prepare.start()
        wakeup.start()
        start.started.set(.success(()))
        ev.run()
        // Shut down: no command is accepted any more; fail whatever raced in, and hand the
        // jobs still queued to Dispatch.
        let (leftovers, jobs) = queue.withLock { queue in
            queue.open = false
            defer {
                queue.commands = []
                queue.jobs = []
            }
            return (queue.commands, queue.jobs)
        }
        for job in jobs { runElsewhere(job) }
        driver.discard(leftovers)
        prepare.stop()
        wakeup.stop()
        ev.destroy()
        driver.ended()
    }

    /// The buffers `takeWork` swaps with the queue's: two take turns, so taking allocates nothing.
    private var takenJobs: [UnownedJob] = []
    private var takenCommands: [LoopCommand] = []

    /// Runs queued jobs and hands queued commands to the driver, a few rounds at most (jobs
    /// queue commands, and the commands' results wake jobs), then lets sockets be served.
    private func takeWork(for driver: any LoopDriver) {
        thread.assertCurrent("the loop's queue")
        for _ in 0..<8 {
            queue.withLock { queue in
                guard !(queue.jobs.isEmpty && queue.commands.isEmpty) else { return }
                swap(&queue.jobs, &takenJobs)
                swap(&queue.commands, &takenCommands)
            }
            if takenJobs.isEmpty && takenCommands.isEmpty { return }
            let executor = asUnownedTaskExecutor()
            for job in takenJobs { job.runSynchronously(on: executor) }
            takenJobs.removeAll(keepingCapacity: true)
            if !takenCommands.isEmpty {
                driver.run(takenCommands)
                takenCommands.removeAll(keepingCapacity: true)
            }
        }
        // Work left after the last round: the next round of the loop takes it, at once.
        if queue.withLock({ !($0.jobs.isEmpty && $0.commands.isEmpty) }) { wakeup.send() }
    }
}
