internal import Foundation
#if canImport(Glibc)
internal import Glibc
#endif

/// What a child process run to completion left: its exit status and all it wrote.
public struct ChildProcessOutput: Sendable {
    /// The exit code, or the signal number when a signal ended it.
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// Runs `executable` with `arguments` to completion and returns its exit status and output,
/// or throws, with what it wrote, once it has run for `timeout` seconds (it is killed then).
///
/// Both pipes are drained at once, from one `poll`: a child that fills one pipe (64 KiB)
/// while the parent reads the other to its end blocks, and the parent with it, forever. That
/// is what a ThreadSanitizer report on the child's stderr did while the tests read stdout.
///
/// `environment` replaces the test process's environment when given; `input` is what the
/// child reads on stdin (nothing: `/dev/null`).
///
/// The wait happens on a thread of its own, off the threads that run tasks (see ``offThePool(_:)``).
public func runChildProcess(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                            input: [UInt8]? = nil, timeout: Double = 60) async throws -> ChildProcessOutput {
    try await offThePool { try runChildProcessBlocking(executable, arguments, environment: environment, input: input, timeout: timeout) }
}

/// ``runChildProcess(_:_:environment:input:timeout:)`` on the calling thread: for the test
/// support's own set-up, which runs off the pool already.
func runChildProcessBlocking(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                             input: [UInt8]? = nil, timeout: Double = 60) throws -> ChildProcessOutput {
    let command = ([executable] + arguments).joined(separator: " ")
    // Socket pairs rather than pipes for one reason: they are made close-on-exec at once
    // (Swift does not import `pipe2`), so no other child spawned meanwhile (a server the tests
    // start) holds a write end open and keeps the reads here from seeing the end.
    var pipes: [[Int32]] = [[-1, -1], [-1, -1]]
    for index in pipes.indices {
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pipes[index]) == 0 else {
            for fd in pipes.joined() where fd >= 0 { close(fd) }
            throw TestServerError("socketpair failed: errno \(errno)")
        }
    }
    var stdinPath = "/dev/null"
    if let input {
        let folder = try Loopback.temporaryFolder("curlew-child-input")
        stdinPath = "\(folder)/stdin"
        guard FileManager.default.createFile(atPath: stdinPath, contents: Data(input)) else {
            throw TestServerError("cannot write the child's stdin to \(stdinPath)")
        }
    }
    let pid: pid_t
    do {
        defer { close(pipes[0][1]); close(pipes[1][1]) }
        pid = try spawnChild(executable, arguments, environment: environment, input: stdinPath, output: pipes[0][1], error: pipes[1][1])
    } catch {
        close(pipes[0][0]); close(pipes[1][0])
        throw error
    }

    var fds = pipes.map { pollfd(fd: $0[0], events: Int16(POLLIN), revents: 0) }
    defer { for fd in pipes { close(fd[0]) } }
    var output: [[UInt8]] = [[], []]
    var chunk = [UInt8](repeating: 0, count: 65_536)
    var drainDeadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
    var killed = false
    while fds.contains(where: { $0.fd >= 0 }) {
        let now = ContinuousClock.now
        if now >= drainDeadline {
            if killed { break }
            kill(pid, SIGKILL)
            killed = true
            // The pipes close when the child is gone; a grandchild holding them must not hang
            // the test, so the drain after the kill is bounded too.
            drainDeadline = now + .seconds(5)
        }
        let wait = drainDeadline - now
        let milliseconds = Int32(clamping: wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000 + 1)
        guard poll(&fds, nfds_t(fds.count), milliseconds) >= 0 || errno == EINTR else {
            kill(pid, SIGKILL)
            _ = reap(pid)
            throw TestServerError("poll on the pipes of \(command) failed: errno \(errno)")
        }
        for index in fds.indices where fds[index].fd >= 0 && fds[index].revents != 0 {
            let count = chunk.withUnsafeMutableBytes { read(fds[index].fd, $0.baseAddress, $0.count) }
            if count > 0 {
                output[index].append(contentsOf: chunk[..<count])
            } else if count == 0 || errno != EINTR {
                fds[index].fd = -1  // the end, or an error: stop polling it (closed by the defer)
            }
        }
    }
    let status = reap(pid)
    let stdout = String(decoding: output[0], as: UTF8.self), stderr = String(decoding: output[1], as: UTF8.self)
    guard !killed else {
        throw TestServerError("\(command) did not exit within \(timeout) s and was killed.\nstdout:\n\(stdout)\nstderr:\n\(stderr)")
    }
    return ChildProcessOutput(status: status, stdout: stdout, stderr: stderr)
}

/// Starts `executable` with `arguments` (the executable's path is `argv[0]`), its stdin the
/// file at `input`, its stdout and stderr `output` and `error`. The caller reaps it. Every
/// descriptor the test support opens is close-on-exec, so no child inherits another's.
///
/// posix_spawn rather than Foundation's `Process`: the tests stop and reap their servers
/// themselves, by pid, most of them at exit. A `Process` keeps itself alive from its
/// monitoring thread's run loop until that thread sees the child end (and calls `waitpid` on
/// the same pid again); at exit it never did, and LeakSanitizer reported every server's
/// `Process`, `FileHandle` and URL.
///
/// `environment` replaces the test process's environment when given.
func spawnChild(_ executable: String, _ arguments: [String], environment: [String: String]?,
                input: String = "/dev/null", output: Int32, error: Int32) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, input, O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, output, 1)
    posix_spawn_file_actions_adddup2(&actions, error, 2)
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    let variables = environment ?? ProcessInfo.processInfo.environment
    let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { for pointer in argv + envp { free(pointer) } }
    var pid: pid_t = 0
    let result = posix_spawn(&pid, executable, &actions, nil, argv, envp)
    guard result == 0 else {
        throw TestServerError("cannot start \(executable): \(String(cString: strerror(result)))")
    }
    return pid
}

/// Waits for `pid` to end and returns its exit code, or the signal number that ended it.
@discardableResult
func reap(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
        guard errno == EINTR else { return -1 }
    }
    // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import.
    let signal = status & 0x7f
    return signal == 0 ? (status >> 8) & 0xff : signal
}
