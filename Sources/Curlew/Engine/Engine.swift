internal import CurlewLocks
internal import Foundation
internal import LibCurl

/// What an ``HTTPClient`` runs on, below its public face: the share handle (DNS cache and TLS
/// sessions for every loop), the loop threads and the CA file written for `tls.caPEM`.
final class Engine: Sendable {
    let loops: [EventLoop]
    let share: CurlShare
    /// The CA file to use: written for `caPEM` (and removed at shutdown), or `tls.caFile`.
    let caFile: String?
    private let ownsCAFile: Bool

    /// Starts the share handle and `configuration.loopCount` loops.
    /// - Throws: ``HTTPClientError`` when libcurl or libev cannot start, or the CA bundle cannot
    ///   be written.
    init(configuration: HTTPClientConfiguration) throws(HTTPClientError) {
        // Before any libcurl socket exists: GnuTLS writes can raise SIGPIPE, and NOSIGNAL is set.
        signal(SIGPIPE, SIG_IGN)
        do {
            share = try CurlShare()
            try share.share(.dns)
            try share.share(.sslSession)
            try? share.share(.psl)
        } catch {
            throw HTTPClientError(.other, "cannot make the share handle", detail: "\(error)")
        }
        if let pem = configuration.tls.caPEM {
            caFile = try Self.writePrivateFile(pem)
            ownsCAFile = true
        } else {
            caFile = configuration.tls.caFile
            ownsCAFile = false
        }
        var loops: [EventLoop] = []
        do {
            for index in 0..<configuration.loopCount {
                let share = share
                loops.append(try EventLoop(name: "curlew-loop-\(index)") { context in
                    try MultiDriver(context: context, share: share, configuration: configuration)
                })
            }
        } catch {
            for loop in loops { Self.stop(loop) }
            if ownsCAFile, let caFile { unlink(caFile) }
            throw error
        }
        self.loops = loops
    }

    /// Whether requests need their origin key to pick a loop.
    var hasSeveralLoops: Bool { loops.count > 1 }

    /// The loop an origin is pinned to: stable for the process, spread across loops.
    func loop(for originKey: String) -> EventLoop {
        loops[Self.loopIndex(for: originKey, count: loops.count)]
    }

    static func loopIndex(for originKey: String, count: Int) -> Int {
        guard count > 1 else { return 0 }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a: the same origin always lands on the same loop
        for byte in originKey.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return Int(hash % UInt64(count))
    }

    /// Shuts every loop down (requests in flight get `grace` seconds), joins the threads, then
    /// closes the share, which outlives every multi and easy that used it.
    func shutdown(grace: Double) async {
        await withTaskGroup(of: Void.self) { group in
            for loop in loops {
                group.addTask {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                        if !loop.send(.shutdown(grace: grace, done: { continuation.resume() })) {
                            continuation.resume()
                        }
                    }
                    loop.join()
                }
            }
        }
        try? share.close()
        if ownsCAFile, let caFile { unlink(caFile) }
    }

    /// Cuts a shutdown in progress short: what still runs fails with `.shutdown` now.
    func expediteShutdown() {
        for loop in loops { loop.send(.shutdown(grace: 0, done: {})) }
    }

    /// Ends the loops from a synchronous context without waiting (a client dropped without
    /// shutdown). The share is not closed: each driver holds it until its thread has ended.
    func stopWithoutWaiting() {
        for loop in loops { Self.stop(loop) }
    }

    /// Shutdown, then detach: this may run on any thread, a loop's own included, so it must not join.
    private static func stop(_ loop: EventLoop) {
        loop.send(.shutdown(grace: 0, done: {}))
        loop.detach()
    }

    /// The loops' counts, added up (for tests and diagnostics).
    func statistics() async -> LoopStatistics {
        var total = LoopStatistics()
        for loop in loops {
            total = total + (await withCheckedContinuation { (continuation: CheckedContinuation<LoopStatistics, Never>) in
                if !loop.send(.inspect({ continuation.resume(returning: $0) })) { continuation.resume(returning: LoopStatistics()) }
            })
        }
        return total
    }

    /// Writes `bytes` to a new file only this user can read, for libcurl's GnuTLS build, which
    /// cannot read a CA bundle from memory.
    private static func writePrivateFile(_ bytes: [UInt8]) throws(HTTPClientError) -> String {
        var template = Array("\(NSTemporaryDirectory())/curlew-ca-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw HTTPClientError(.tlsFailure, "cannot write the CA bundle to a temporary file: errno \(errno)") }
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw HTTPClientError(.tlsFailure, "cannot write the CA bundle to a temporary file") }
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
