internal import LibCurl

/// What an easy handle was set up for, beyond the client's configuration (the same for every
/// request of a loop) and the options set for every request anyway (URL, deadline, body size,
/// callbacks). A pooled handle whose last request succeeded with the same shape is reused as it
/// is, as libcurl intends handles to be reused; any other is reset and set up from scratch.
struct EasyShape: Equatable {
    var sendMode: TransferRequest.SendMode
    var customMethod: String?
    var headerLines: [String]
    var maxRedirects: Int?
    var decompression: Bool
    var h2cRole: H2CRole?
    var isTLS: Bool
    var authentication: HTTPClientAuthentication?
    var reportsProgress: Bool

    init(_ request: TransferRequest, h2cRole: H2CRole?) {
        sendMode = request.sendMode
        customMethod = request.customMethod
        headerLines = request.headerLines
        maxRedirects = request.maxRedirects
        decompression = request.decompression
        self.h2cRole = h2cRole
        isTLS = request.isTLS
        authentication = request.authentication
        reportsProgress = request.progress != nil
    }
}

/// Where an easy handle's callbacks deliver: the transfer it serves now. The callbacks are set
/// once per setup and capture this object, not the transfer, so that a handle reused as it is
/// set up takes its next transfer by assignment alone. Between transfers the callbacks discard.
final class EasyCallbacks {
    var transfer: LoopBound<LoopTransfer?>

    init(thread: LoopThread) { transfer = LoopBound(nil, on: thread) }
}

/// Easy handles kept for reuse by one loop, each with the shape it is still set up for (`nil`:
/// reset, to be set up from scratch). Loop-confined.
final class EasyPool {
    struct Entry {
        let easy: CurlEasy
        var shape: EasyShape?
        let callbacks: EasyCallbacks
    }

    private var entries: [Entry] = []
    private let limit = 256
    private let thread: LoopThread

    init(thread: LoopThread) { self.thread = thread }

    var count: Int { entries.count }

    /// A pooled handle, or a new one (always a new one when `fresh`).
    /// - Throws: ``HTTPClientError`` when libcurl cannot make a handle.
    func take(fresh: Bool = false) throws(HTTPClientError) -> Entry {
        thread.assertCurrent("the easy-handle pool")
        if !fresh, let entry = entries.popLast() { return entry }
        do {
            return Entry(easy: try CurlEasy(), shape: nil, callbacks: EasyCallbacks(thread: thread))
        } catch {
            throw HTTPClientError(.other, "cannot make an easy handle", detail: "\(error)")
        }
    }

    /// Takes a handle back after its transfer: kept set up for `shape`, or reset when `nil`
    /// (only a handle whose request succeeded keeps its setup: 7.88.1 was seen to keep state
    /// from failed transfers, such as a receive buffer it then refuses to resize). Closed when
    /// the pool is full or `keep` is false.
    func recycle(_ easy: CurlEasy, shape: EasyShape?, callbacks: EasyCallbacks, keep: Bool) {
        thread.assertCurrent("the easy-handle pool")
        callbacks.transfer.value = nil
        guard keep, entries.count < limit, shape != nil || (try? easy.reset()) != nil else {
            try? easy.close()
            return
        }
        entries.append(Entry(easy: easy, shape: shape, callbacks: callbacks))
    }

    /// Closes every pooled handle (shutdown).
    func closeAll() {
        for entry in entries { try? entry.easy.close() }
        entries.removeAll()
    }
}
