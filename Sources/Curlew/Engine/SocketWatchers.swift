internal import LibCurl

/// libcurl's socket function for one multi: one ``EvIO`` per socket, assigned to the socket in
/// the multi (which keeps it until the socket is removed), reused for later sockets once
/// removed. Loop-confined.
final class SocketWatchers {
    private let loop: EvLoop
    /// Unowned: the driver owns both the multi and this object, and drops this first.
    private unowned let multi: CurlMulti
    private let onEvent: (Int32, EvEvents) -> Void
    /// Stopped watchers kept for reuse.
    private var spares: [EvIO] = []
    /// Watchers assigned to a socket of the multi now.
    private(set) var count = 0

    init(loop: EvLoop, multi: CurlMulti, onEvent: @escaping (Int32, EvEvents) -> Void) {
        self.loop = loop
        self.multi = multi
        self.onEvent = onEvent
    }

    /// The socket function: `what` is the socket's whole new interest set.
    func changed(_ what: CurlPoll, socket: Int32, watcher: EvIO?) {
        if what == .remove {
            // The multi drops the assignment; the watcher is kept for the next socket (libcurl
            // removes a connection's socket each time it goes back to its cache).
            if let watcher {
                watcher.stop()
                count -= 1
                if spares.count < 64 { spares.append(watcher) }
            }
            return
        }
        var events: EvEvents = []
        if what == .in || what == .inOut { events.insert(.read) }
        if what == .out || what == .inOut { events.insert(.write) }
        let active: EvIO
        if let watcher {
            active = watcher
        } else {
            active = spares.popLast() ?? EvIO(loop: loop, onEvent)
            count += 1
            // assign can only fail for a socket libcurl does not know, and it just told us of this one.
            try? multi.assign(socket, active)
        }
        active.watch(socket, events)
    }

    /// The multi was closed: it dropped (and its sockets stopped) every assignment.
    func multiClosed() {
        count = 0
        spares.removeAll()
    }
}
