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

    private let limit: Int
    private let ev: EvLoop
    private var active: [String: Int] = [:]
    /// Per origin, the waiting transfers in arrival order from `heads[origin]` on.
    private var waiting: [String: [Waiting]] = [:]
    private var heads: [String: Int] = [:]
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
        if active[origin, default: 0] < limit {
            active[origin, default: 0] += 1
            return true
        }
        let entry = Waiting(transfer: transfer)
        if let deadline = transfer.request.deadlineMS {
            let timer = EvTimer(loop: ev) { [unowned self, unowned entry] in self.expire(entry, origin: origin) }
            timer.arm(after: Double(deadline) / 1000)
            entry.timer = timer
        }
        waiting[origin, default: []].append(entry)
        byTransfer[ObjectIdentifier(transfer)] = (origin, entry)
        return false
    }

    /// An active transfer of `transfer`'s origin ended: the next waiting one, now active.
    func ended(_ transfer: Transfer) -> Admitted? {
        fired.removeAll()
        let origin = transfer.request.originKey
        active[origin, default: 1] -= 1
        guard let next = popFirst(origin) else {
            if active[origin] == 0 { active[origin] = nil }
            return nil
        }
        active[origin, default: 0] += 1
        return Admitted(transfer: next.transfer, waitedMS: Int(TimeLimit.graceSeconds(ContinuousClock.now - next.since) * 1000))
    }

    /// Takes `transfer` out of the line (cancelled while waiting); whether it was in it.
    func remove(_ transfer: Transfer) -> Bool {
        guard let (origin, entry) = byTransfer.removeValue(forKey: ObjectIdentifier(transfer)) else { return false }
        entry.timer = nil
        waiting[origin]?.removeAll { $0 === entry }
        heads[origin] = min(heads[origin] ?? 0, waiting[origin]?.count ?? 0)
        return true
    }

    /// Every waiting transfer, out of the line (shutdown).
    func removeAll() -> [Transfer] {
        fired.removeAll()
        let all = waiting.flatMap { origin, entries in entries.dropFirst(heads[origin] ?? 0).map(\.transfer) }
        for (_, entry) in byTransfer.values { entry.timer = nil }
        waiting.removeAll()
        heads.removeAll()
        byTransfer.removeAll()
        return all
    }

    private func popFirst(_ origin: String) -> Waiting? {
        guard var entries = waiting[origin] else { return nil }
        let head = heads[origin] ?? 0
        guard head < entries.count else { return nil }
        let entry = entries[head]
        if head + 1 >= 64 && head + 1 > entries.count / 2 {
            // Drop the served prefix now and then, so that the line does not grow without end.
            entries.removeFirst(head + 1)
            waiting[origin] = entries.isEmpty ? nil : entries
            heads[origin] = nil
        } else if head + 1 == entries.count {
            waiting[origin] = nil
            heads[origin] = nil
        } else {
            heads[origin] = head + 1
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
