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
    /// Stop a transfer: it finishes with ``HTTPClientError/Kind/cancelled``.
    case cancel(Transfer)
    /// The consumer drained the body below low water: resume receiving.
    case resumeReceive(Transfer)
    /// The producer has bytes again (or finished): resume sending.
    case resumeSend(Transfer)
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
}

/// A libev loop on its own named thread, serving one ``MultiDriver``.
///
/// Started with a handshake (the thread reports whether its multi could be made) and stopped
/// by a shutdown command followed by a join. Other threads reach it only through ``send(_:)``:
/// a lock-guarded array plus `ev_async_send`, which coalesces wake-ups, hence the array.
///
/// It is also a `TaskExecutor`: a task that prefers it runs its jobs on the loop thread, between
/// libcurl's events, so a request and its response cross no thread at all. Jobs go through the
/// same queue as commands. Once the loop has ended, its jobs run on Dispatch's global queue.
final class EventLoop: TaskExecutor, @unchecked Sendable {
    // @unchecked Sendable: `loop` and `wakeup` are C pointers. Other threads use them only in
    // `send`, through `ev_async_send`, which libev documents as safe from any thread; all other
    // uses are on the loop thread. Every other stored property is a `Locked` or immutable.
    let name: String
    /// `ev_loop *`: used on the loop thread only, except `ev_async_send`, which libev makes
    /// safe from any thread.
    private let loop: OpaquePointer
    /// The async watcher: allocated here, freed by the thread after the loop ends.
    private let wakeup: UnsafeMutablePointer<ev_async>
    private let queue = Locked<Queue>(Queue())
    private let thread: Locked<pthread_t?> = Locked(nil)

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
        let makeDriver: (EventLoop) throws -> MultiDriver
        let started = Locked<Result<Void, any Error>?>(nil)
        init(loop: EventLoop, makeDriver: @escaping (EventLoop) throws -> MultiDriver) {
            self.loop = loop
            self.makeDriver = makeDriver
        }
    }

    /// Starts the thread and waits until its multi is ready.
    /// - Throws: ``HTTPClientError`` when libev or libcurl cannot start.
    init(name: String, makeDriver: @escaping (EventLoop) throws -> MultiDriver) throws {
        self.name = name
        guard let loop = ev_loop_new(ccurlew_ev_backend_epoll() | ccurlew_ev_flag_nosigmask()) ?? ev_loop_new(ccurlew_ev_flag_nosigmask()) else {
            throw HTTPClientError(.other, "libev could not create a loop")
        }
        self.loop = loop
        wakeup = .allocate(capacity: 1)
        wakeup.initialize(to: ev_async())
        ccurlew_ev_async_init(wakeup, curlewLoopWakeup)

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
            ev_loop_destroy(loop)
            wakeup.deallocate()
            throw HTTPClientError(.other, "cannot start the loop thread: errno \(created)")
        }
        thread.withLock { $0 = handle }
        // The handshake: wait for the thread to say whether its multi is ready.
        while true {
            if let result = start.started.withLock({ $0 }) {
                if case .failure(let error) = result {
                    join()
                    throw error
                }
                return
            }
            usleep(200)
        }
    }

    /// Queues a command and wakes the loop. Returns false when the loop no longer takes any.
    @discardableResult
    func send(_ command: LoopCommand) -> Bool {
        let accepted = queue.withLock { queue in
            guard queue.open else { return false }
            queue.commands.append(command)
            return true
        }
        if accepted { ev_async_send(loop, wakeup) }
        return accepted
    }

    /// Runs a job of a task that prefers this loop: on the loop thread, or, once the loop has
    /// ended, on Dispatch's global queue (a task must never be stranded).
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let accepted = queue.withLock { queue in
            guard queue.open else { return false }
            queue.jobs.append(job)
            return true
        }
        if accepted {
            ev_async_send(loop, wakeup)
        } else {
            runElsewhere(job)
        }
    }

    private func runElsewhere(_ job: UnownedJob) {
        let executor = asUnownedTaskExecutor()
        DispatchQueue.global().async { job.runSynchronously(on: executor) }
    }

    /// Waits for the thread to end. Call after the shutdown command has completed.
    func join() {
        guard let handle = thread.withLock({ state -> pthread_t? in
            let handle = state
            state = nil
            return handle
        }) else { return }
        pthread_join(handle, nil)
    }

    /// Lets the thread end on its own, for owners that cannot wait (a `deinit`).
    func detach() {
        guard let handle = thread.withLock({ state -> pthread_t? in
            let handle = state
            state = nil
            return handle
        }) else { return }
        pthread_detach(handle)
    }

    // MARK: - On the loop thread

    private func runThread(_ start: ThreadStart) {
        ccurlew_set_thread_name(name)
        let driver: MultiDriver
        do {
            driver = try start.makeDriver(self)
        } catch {
            queue.withLock { $0.open = false }
            ev_loop_destroy(loop)
            wakeup.deallocate()
            start.started.withLock { $0 = .failure(error) }
            return
        }
        // The driver lives as long as the loop runs; the watchers' data pointers are unretained
        // references to it, valid until `ev_run` returns.
        ccurlew_ev_set_data(wakeup, Unmanaged.passUnretained(driver).toOpaque())
        ev_async_start(loop, wakeup)
        start.started.withLock { $0 = .success(()) }
        ev_run(loop, 0)
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
        ev_async_stop(loop, wakeup)
        ev_loop_destroy(loop)
        wakeup.deallocate()
        driver.finishShutdown()
    }

    /// Takes every queued job and command (on the loop thread), by swapping the queue's arrays
    /// with `jobs` and `commands`, which must be empty: the caller empties them keeping their
    /// capacity, so that two buffers take turns and taking work allocates nothing.
    func takeWork(_ jobs: inout [UnownedJob], _ commands: inout [LoopCommand]) {
        queue.withLock { queue in
            guard !(queue.jobs.isEmpty && queue.commands.isEmpty) else { return }
            swap(&queue.jobs, &jobs)
            swap(&queue.commands, &commands)
        }
    }

    /// Runs a task's job here (on the loop thread).
    func run(_ job: UnownedJob) { job.runSynchronously(on: asUnownedTaskExecutor()) }

    /// Ends `ev_run` (on the loop thread).
    func breakLoop() { ev_break(loop, Int32(EVBREAK_ALL)) }

    /// The C loop, for the driver's watchers (on the loop thread).
    var evLoop: OpaquePointer { loop }
}

/// The async watcher's callback: commands are waiting.
private let curlewLoopWakeup: @convention(c) (OpaquePointer?, UnsafeMutablePointer<ev_async>?, Int32) -> Void = { _, watcher, _ in
    guard let watcher, let data = ccurlew_ev_data(watcher) else { return }
    Unmanaged<MultiDriver>.fromOpaque(data).takeUnretainedValue().processCommands()
}
