/// First come, first served admission of HTTP/1.1 transfers to each origin, up to
/// ``HTTPClientConfiguration/maxConnectionsPerHost`` in the multi at once (see
/// ``TransferRequest/queuesForConnection``). A transfer that waits keeps its deadline: its
/// timer fails it with `.timeout` if no connection came in time, and the time it waited is
/// taken off the limit libcurl gets. Loop-confined.
final class OriginQueue {
    struct Admitted {
        let transfer: Transfer
        /// Milliseconds it waited, to take off its deadline.
        let waitedMS: Int
    }

    private final class Waiting {
        let transfer: Transfer
        let since = ContinuousClock.now
        var timer: EvTimer?
        init(transfer: Transfer) { self.transfer = transfer }
    }

    /// One origin's transfers: how many are active, and those waiting, in arrival order from
    /// `head` on. One object per origin, so that each call looks the origin up once.
    private final class Line {
        var active = 0
        var waiting: [Waiting] = []
        var head = 0
        var isIdle: Bool { active == 0 && head >= waiting.count }
    }

    private let limit: Int
    private let ev: EvLoop
    private var lines: [String: Line] = [:]
    private var byTransfer: [ObjectIdentifier: (origin: String, entry: Waiting)] = [:]
    /// A waiting transfer's deadline passed.
    var onExpired: (Transfer) -> Void = { _ in }
    /// Timers that fired, kept until the next call: a timer must not be freed from inside its
    /// own callback.
    private var fired: [EvTimer] = []

    init(limit: Int, ev: EvLoop) {
        self.limit = limit
        self.ev = ev
    }

    /// Transfers waiting, all origins together.
    var count: Int { byTransfer.count }

    /// Whether `transfer` may go now (counted as active); if not, it waits its turn.
    func admit(_ transfer: Transfer) -> Bool {
        fired.removeAll()
        let origin = transfer.request.originKey
        let line: Line
        if let existing = lines[origin] {
            line = existing
        } else {
            line = Line()
            lines[origin] = line
        }
        if line.active < limit {
            line.active += 1
            return true
        }
        let entry = Waiting(transfer: transfer)
        if let deadline = transfer.request.deadlineMS {
            let timer = EvTimer(loop: ev) { [unowned self, unowned entry] in self.expire(entry, origin: origin) }
            timer.arm(after: Double(deadline) / 1000)
            entry.timer = timer
        }
        line.waiting.append(entry)
        byTransfer[ObjectIdentifier(transfer)] = (origin, entry)
        return false
    }

    /// An active transfer of `transfer`'s origin ended: the next waiting one, now active.
    func ended(_ transfer: Transfer) -> Admitted? {
        fired.removeAll()
        let origin = transfer.request.originKey
        guard let line = lines[origin] else { return nil }
        line.active = max(0, line.active - 1)
        guard let next = popFirst(line) else {
            if line.isIdle { lines[origin] = nil }
            return nil
        }
        line.active += 1
        return Admitted(transfer: next.transfer, waitedMS: Int(TimeLimit.graceSeconds(ContinuousClock.now - next.since) * 1000))
    }

    /// Takes `transfer` out of the line (cancelled while waiting); whether it was in it.
    func remove(_ transfer: Transfer) -> Bool {
        guard let (origin, entry) = byTransfer.removeValue(forKey: ObjectIdentifier(transfer)) else { return false }
        entry.timer = nil
        if let line = lines[origin] {
            line.waiting.removeAll { $0 === entry }
            line.head = min(line.head, line.waiting.count)
            if line.isIdle { lines[origin] = nil }
        }
        return true
    }

    /// Every waiting transfer, out of the line (shutdown).
    func removeAll() -> [Transfer] {
        fired.removeAll()
        let all = lines.values.flatMap { line in line.waiting.dropFirst(line.head).map(\.transfer) }
        for (_, entry) in byTransfer.values { entry.timer = nil }
        for line in lines.values {
            line.waiting.removeAll()
            line.head = 0
        }
        lines = lines.filter { !$0.value.isIdle }
        byTransfer.removeAll()
        return all
    }

    private func popFirst(_ line: Line) -> Waiting? {
        guard line.head < line.waiting.count else { return nil }
        let entry = line.waiting[line.head]
        line.head += 1
        if line.head == line.waiting.count {
            line.waiting.removeAll(keepingCapacity: true)
            line.head = 0
        } else if line.head >= 64 && line.head > line.waiting.count / 2 {
            // Drop the served prefix now and then, so that the line does not grow without end.
            line.waiting.removeFirst(line.head)
            line.head = 0
        }
        entry.timer = nil
        byTransfer[ObjectIdentifier(entry.transfer)] = nil
        return entry
    }

    private func expire(_ entry: Waiting, origin: String) {
        guard let timer = entry.timer, byTransfer[ObjectIdentifier(entry.transfer)] != nil else { return }
        fired.append(timer)
        _ = remove(entry.transfer)
        onExpired(entry.transfer)
    }
}
