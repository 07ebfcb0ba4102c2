import CurlewTestSupport
import LibCurl
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Every LibCurl suite, one at a time. The LibCurl layer is synchronous: its tests block the
/// thread they run on (a cooperative-pool thread). Run all at once on a 2-core machine they can
/// hold every pool thread, and async suites in the same process (HTTPClient uploads) starve.
@Suite(.serialized)
struct LibCurlSuites {}

/// What a transfer delivered to its callbacks.
final class Received {
    var body: [UInt8] = []
    var headers: [String] = []
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// An easy handle for `url` that trusts the test CA and collects body and head lines.
func makeEasy(_ url: String, _ nginx: Nginx, into received: Received) throws -> CurlEasy {
    let easy = try CurlEasy()
    try easy.setopt(.url, url)
    // No proxy, whatever the environment says: an HTTPClient test sets http_proxy in this
    // process for a moment, and a handle made then went through it (three connects where one
    // connection was allowed, in "typed multi options are accepted and applied").
    try easy.setopt(.proxy, "")
    try easy.setopt(.caInfo, nginx.certificates.caCertificate)
    try easy.setWriteFunction { bytes in
        received.body.append(contentsOf: bytes)
        return .proceed
    }
    try easy.setHeaderFunction { bytes in
        received.headers.append(String(decoding: bytes, as: UTF8.self))
        return .proceed
    }
    return easy
}

/// A failure of a test's own driving loop (it ran out of rounds).
struct LoopError: Error, CustomStringConvertible {
    let description: String
}

/// The seed's first way to drive a multi: `perform()`, then `select()` until nothing runs.
/// Bounded, so a stuck multi fails the test instead of hanging it.
func runWithSelect(_ multi: CurlMulti, maxRounds: Int = 10_000) throws {
    var running = try multi.perform()
    var rounds = 0
    while running > 0 {
        rounds += 1
        guard rounds <= maxRounds else { throw LoopError(description: "perform/select loop did not finish in \(maxRounds) rounds") }
        _ = try multi.select(timeout: 1.0)
        running = try multi.perform()
    }
}

/// The seed's second way: `socketAction` fed by the socket and timer functions, with `poll`.
final class SocketActionLoop {
    let multi: CurlMulti
    /// What libcurl wants on each socket, as the socket function said.
    private(set) var interests: [Int32: CurlPoll] = [:]
    /// The timer libcurl asked for, in milliseconds, or -1.
    private(set) var timeoutMS = -1
    /// Every poll value the socket function saw, in order.
    private(set) var socketEvents: [(CurlPoll, Int32)] = []
    private(set) var timerCalls = 0
    /// Called after the loop's own bookkeeping, from inside the socket function.
    var onSocket: CurlMulti.SocketFunction?
    /// Called after the loop's own bookkeeping, from inside the timer function.
    var onTimer: CurlMulti.TimerFunction?

    init(_ multi: CurlMulti) throws {
        self.multi = multi
        try multi.setopt(.socketFunction) { [unowned self] what, socket, easy, data in
            self.socketEvents.append((what, socket))
            if what == .remove { self.interests[socket] = nil } else { self.interests[socket] = what }
            self.onSocket?(what, socket, easy, data)
        }
        try multi.setopt(.timerFunction) { [unowned self] timeout in
            self.timerCalls += 1
            self.timeoutMS = timeout
            self.onTimer?(timeout)
        }
    }

    /// Drives the multi until no transfer runs, reading completions into `onDone` as they come.
    func run(maxRounds: Int = 100_000, onDone: (CurlInfoReadResult) throws -> Void = { _ in }) throws {
        var running = 1
        var rounds = 0
        while running > 0 {
            rounds += 1
            guard rounds <= maxRounds else { throw LoopError(description: "socketAction loop did not finish in \(maxRounds) rounds") }
            running = try step()
            try onDone(try multi.infoRead())
        }
    }

    /// Drives the multi until `condition` holds, or throws after `maxRounds`.
    func run(until condition: () -> Bool, maxRounds: Int = 10_000) throws {
        var rounds = 0
        while !condition() {
            rounds += 1
            guard rounds <= maxRounds else { throw LoopError(description: "condition not reached in \(maxRounds) rounds") }
            _ = try step()
        }
    }

    /// One round: poll the sockets libcurl asked for (or wait for its timer), then act.
    /// - Returns: How many transfers still run.
    func step() throws -> Int {
        var running = multi.count
        do {
            var fds = interests.map { socket, what in
                var events: Int16 = 0
                if what == .in || what == .inOut { events |= Int16(POLLIN) }
                if what == .out || what == .inOut { events |= Int16(POLLOUT) }
                return pollfd(fd: socket, events: events, revents: 0)
            }
            let wait = timeoutMS >= 0 ? min(timeoutMS, 1000) : 1000
            let ready = poll(&fds, nfds_t(fds.count), Int32(wait))
            if ready <= 0 {
                timeoutMS = -1
                running = try multi.socketAction(CurlMulti.socketTimeout, events: [])
            } else {
                for fd in fds where fd.revents != 0 {
                    var mask: CurlSelect = []
                    if fd.revents & Int16(POLLIN) != 0 { mask.insert(.in) }
                    if fd.revents & Int16(POLLOUT) != 0 { mask.insert(.out) }
                    if fd.revents & Int16(POLLERR | POLLHUP) != 0 { mask.insert(.err) }
                    running = try multi.socketAction(fd.fd, events: mask)
                }
            }
        }
        return running
    }
}
