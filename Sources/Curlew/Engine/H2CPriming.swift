internal import LibCurl

/// The workaround for curl #10634, for libcurl below 8.0 only, as a plain value: events in,
/// actions out, no I/O (the driver carries them out).
///
/// libcurl 7.88.1 fails every prior-knowledge request after the first on an h2c connection
/// ("HTTP2 framing layer"). So one request per origin opens the connection with prior
/// knowledge (the primer, on a fresh connection) while the others wait; once it succeeded they
/// go as `CURL_HTTP_VERSION_2_0`, which multiplexes onto that connection. When that connection
/// is gone, a follower fails before any head arrives (nginx's h2c port refuses the HTTP/1.1
/// upgrade offer, so nothing was processed) and is relaunched once as a new primer.
///
/// For the same reason libcurl must never need a second connection to an h2c origin: it would
/// open it as `CURL_HTTP_VERSION_2_0`, an upgrade offer such a port refuses. It does so when the
/// connection has no free stream, so an origin's transfers in the multi are capped at
/// `min(maxConcurrentStreams, 100)` (RFC 9113 asks servers for at least 100) and the rest wait
/// in line. A follower that fails before its head while others run shows the server allows
/// fewer: the cap drops to them.
struct H2CPriming<Item: AnyObject> {
    enum Role: Equatable {
        /// Opens the origin's connection with prior knowledge.
        case primer
        /// Goes as `CURL_HTTP_VERSION_2_0` on the primed connection.
        case follower
    }

    private struct Origin {
        /// A primer succeeded: the origin has a connection followers can share.
        var primed = false
        /// A primer runs; `waiting` wait for it.
        var priming = false
        var waiting: [Item] = []
        /// Waiting for room under the cap, oldest first.
        var line: [Item] = []
        /// Transfers of this origin in the multi.
        var inFlight = 0
        /// A cap lowered below the default, once the server showed it allows fewer streams.
        var cap: Int?
    }

    /// How many of an origin's transfers may be in the multi at once, by default.
    let defaultCap: Int
    private var origins: [String: Origin] = [:]
    /// Transfers in the multi, with their role.
    private var roles: [ObjectIdentifier: Role] = [:]
    /// Followers relaunched once as primers (never twice).
    private var relaunched: Set<ObjectIdentifier> = []
    /// Transfers launched as primers so far.
    private(set) var primers = 0

    init(maxConcurrentStreams: Int) {
        defaultCap = max(1, min(maxConcurrentStreams, 100))
    }

    /// A transfer to origin `key` asks to go: its role in the multi, or `nil` while it waits
    /// (behind a primer, or in line under the cap). A waiting transfer comes back from
    /// ``ended(_:origin:outcome:)``.
    mutating func admit(_ transfer: Item, origin key: String) -> Role? {
        let defaultCap = defaultCap
        let role: Role? = update(key) { origin in
            if origin.priming {
                origin.waiting.append(transfer)
                return nil
            }
            if !origin.primed {
                origin.priming = true
                origin.inFlight += 1
                return .primer
            }
            guard origin.inFlight < (origin.cap ?? defaultCap) else {
                origin.line.append(transfer)
                return nil
            }
            origin.inFlight += 1
            return .follower
        }
        if let role {
            roles[ObjectIdentifier(transfer)] = role
            if role == .primer { primers += 1 }
        }
        return role
    }

    /// How an admitted transfer ended.
    enum Outcome: Equatable {
        case succeeded
        /// Failed; `connectionGone`: before its head, with a code that says the connection
        /// refused or dropped it, and it could be run again (not cancelled, not shutting down).
        case failed(connectionGone: Bool)

        /// The outcome of a transfer that ended with `failure` (`nil`: success); the connection
        /// counts as gone only before any head, and if the transfer `mayRunAgain`.
        init(_ failure: HTTPClientError?, headSent: Bool, mayRunAgain: Bool) {
            guard let failure else {
                self = .succeeded
                return
            }
            let code = failure.curlCode.map { H2CPriming.connectionGoneCodes.contains($0) } ?? false
            self = .failed(connectionGone: code && !headSent && mayRunAgain)
        }
    }

    /// Codes with which a follower's h2c connection was found gone before its head.
    static var connectionGoneCodes: Set<CurlCode> { [.unsupportedProtocol, .weirdServerReply, .http2, .gotNothing, .recvError] }

    /// What the driver does after a transfer ended.
    struct Ended {
        /// Launch the ended transfer again (it will be a primer): its connection was gone.
        var relaunch = false
        /// Transfers that waited and may go now (admit each again).
        var released: [Item] = []
    }

    /// An admitted transfer left the multi (or could not be set up).
    mutating func ended(_ transfer: Item, origin key: String, outcome: Outcome) -> Ended {
        let id = ObjectIdentifier(transfer)
        guard let role = roles.removeValue(forKey: id) else { return Ended() }
        var result = Ended()
        let mayRelaunch = role == .follower && outcome == .failed(connectionGone: true) && relaunched.insert(id).inserted
        if !mayRelaunch { relaunched.remove(id) }
        let defaultCap = defaultCap
        update(key) { origin in
            origin.inFlight -= 1
            if mayRelaunch {
                result.relaunch = true
                origin.primed = false
                // Others still running on the connection: the server allows no more streams than they.
                if origin.inFlight > 0 { origin.cap = min(origin.cap ?? defaultCap, origin.inFlight) }
            }
            if role == .primer {
                origin.priming = false
                origin.primed = outcome == .succeeded
                result.released = origin.waiting
                origin.waiting = []
            }
            let room = (origin.cap ?? defaultCap) - origin.inFlight - result.released.count
            if room > 0, !origin.line.isEmpty {
                let count = min(room, origin.line.count)
                result.released += origin.line.prefix(count)
                origin.line.removeFirst(count)
            }
        }
        return result
    }

    /// Takes a waiting transfer out (it was cancelled); whether it was waiting.
    mutating func remove(_ transfer: Item) -> Bool {
        for key in origins.keys {
            let removed = update(key) { origin -> Bool in
                if let index = origin.waiting.firstIndex(where: { $0 === transfer }) {
                    origin.waiting.remove(at: index)
                    return true
                }
                if let index = origin.line.firstIndex(where: { $0 === transfer }) {
                    origin.line.remove(at: index)
                    return true
                }
                return false
            }
            if removed { return true }
        }
        return false
    }

    /// Every waiting transfer, taken out (for shutdown).
    mutating func removeAllWaiting() -> [Item] {
        var all: [Item] = []
        for key in origins.keys {
            update(key) { origin in
                all += origin.waiting + origin.line
                origin.waiting = []
                origin.line = []
            }
        }
        return all
    }

    /// Changes an origin in place (no copy of its arrays).
    private mutating func update<Result>(_ key: String, _ body: (inout Origin) -> Result) -> Result {
        body(&origins[key, default: Origin()])
    }
}
typealias H2CRole = H2CPriming<Transfer>.Role
