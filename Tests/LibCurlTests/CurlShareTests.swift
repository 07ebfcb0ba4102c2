import CurlewLocks
import CurlewTestSupport
import Foundation
import LibCurl
import Testing

extension LibCurlSuites {
@Suite("CurlShare against nginx")
struct CurlShareTests {
    let nginx: Nginx

    init() async throws { nginx = try await Nginx.shared() }

    @Test("share and unshare record what is shared; unsharing while attached is refused by libcurl")
    func shareAndUnshare() throws {
        let share = try CurlShare()
        try share.share(.dns)
        try share.share(.sslSession)
        #expect(share.sharedData == [.dns, .sslSession])
        try share.unshare(.dns)
        #expect(share.sharedData == [.sslSession])
        let easy = try CurlEasy()
        try easy.setShare(share)
        let error = try #require(throws: CurlShareError.self) { try share.share(.dns) }
        #expect(error.code == .inUse)
        try easy.setShare(nil)
        try share.share(.dns)
        #expect(share.sharedData == [.dns, .sslSession])
    }

    @Test("the TLS session cache resumes sessions across handles on new connections (TLS 1.2)")
    func tlsSessionsShared() throws {
        let share = try CurlShare()
        try share.share(.sslSession)
        try share.share(.dns)
        var answers: [String] = []
        for _ in 0..<3 {
            let received = Received()
            let easy = try makeEasy(nginx.tls12URL("/session"), nginx, into: received)
            try easy.setShare(share)
            try easy.perform()
            answers.append(received.text)
            try easy.close()  // each handle has its own connection cache: every request is a new connection
        }
        // nginx's $ssl_session_reused: "." for a full handshake, "r" for a resumed one.
        #expect(answers == [".", "r", "r"])
    }

    @Test("the DNS cache is shared: a second handle finds the name in it")
    func dnsShared() throws {
        let share = try CurlShare()
        try share.share(.dns)
        // A name only the first handle's CURLOPT_RESOLVE entry knows (`.test` is reserved):
        // the second handle, without the entry, reaches nginx only through the shared cache.
        let name = "curlew-share-dns.test"
        func fetch(resolve: [String]) throws -> (code: Int, body: String) {
            let received = Received()
            let easy = try makeEasy("http://\(name):\(nginx.httpPort)/small", nginx, into: received)
            try easy.setShare(share)
            try easy.setopt(.resolve, resolve)
            try easy.setopt(.connectTimeoutMS, 10_000)
            try easy.perform()
            let code = try easy.getinfo(.responseCode)
            try easy.close()
            return (code, String(decoding: received.body, as: UTF8.self))
        }
        let first = try fetch(resolve: ["\(name):\(nginx.httpPort):127.0.0.1"])
        let second = try fetch(resolve: [])
        #expect(first.code == 200 && first.body == "hello")
        #expect(second.code == 200 && second.body == "hello")
    }

    @Test("several threads perform at once through one share")
    func manyThreads() throws {
        let share = try CurlShare()
        try share.share(.dns)
        try share.share(.sslSession)
        let threads = 8
        let perThread = 25
        let failures = Locked<[String]>([])
        let successes = Locked(0)
        let url = nginx.httpsURL("/small")
        let caFile = nginx.certificates.caCertificate
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            do {
                for _ in 0..<perThread {
                    let received = Received()
                    let easy = try CurlEasy()
                    try easy.setopt(.url, url)
                    try easy.setopt(.caInfo, caFile)
                    try easy.setopt(.forbidReuse, true)
                    try easy.setWriteFunction { received.body.append(contentsOf: $0); return .proceed }
                    try easy.setShare(share)
                    try easy.perform()
                    if received.text == "hello" { successes.withLock { $0 += 1 } }
                    try easy.close()
                }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        #expect(failures.withLock { $0 } == [])
        #expect(successes.withLock { $0 } == threads * perThread)
        #expect(share.attachedCount == 0)
    }

    @Test("detachOnClose: true detaches live handles without closing them")
    func detachOnClose() throws {
        let share = try CurlShare()
        try share.share(.dns)
        let received = Received()
        let easy = try makeEasy(nginx.httpURL("/small"), nginx, into: received)
        try easy.setShare(share)
        #expect(share.attachedCount == 1)
        #expect(easy.share === share)
        try share.close()
        #expect(share.isClosed)
        #expect(easy.share == nil)
        #expect(!easy.isClosed)
        try easy.perform()  // still works, without the share
        #expect(received.text == "hello")
        try share.close()  // idempotent
    }

    @Test("detachOnClose: false refuses to close while a handle is attached, and stays open")
    func noDetachOnClose() throws {
        let share = try CurlShare(detachOnClose: false)
        try share.share(.dns)
        let easy = try makeEasy(nginx.httpURL("/small"), nginx, into: Received())
        try easy.setShare(share)
        let error = try #require(throws: CurlShareError.self) { try share.close() }
        #expect(error.code == .inUse)
        #expect(!share.isClosed)
        #expect(easy.share === share)
        try easy.perform()  // the share still serves
        try easy.close()
        #expect(share.attachedCount == 0)
        try share.close()
        #expect(share.isClosed)
    }

    @Test("a handle released without close is no longer attached")
    func releasedHandleDetaches() throws {
        let share = try CurlShare(detachOnClose: false)
        do {
            let easy = try CurlEasy()
            try easy.setShare(share)
            #expect(share.attachedCount == 1)
        }
        #expect(share.attachedCount == 0)
        try share.close()
    }

    @Test("setting a closed share, or using one, throws")
    func closedShare() throws {
        let share = try CurlShare()
        try share.close()
        let easy = try CurlEasy()
        let error = try #require(throws: CurlShareError.self) { try easy.setShare(share) }
        #expect(error.code == .invalid)
        #expect(easy.share == nil)
        #expect(throws: CurlShareError.self) { try share.share(.dns) }
    }

    @Test("the scoped form closes the share and detaches handles")
    func scopedForm() throws {
        let easy = try CurlEasy()
        var inside: CurlShare?
        try withCurlShare { share in
            try share.share(.dns)
            try easy.setShare(share)
            inside = share
        }
        #expect(inside?.isClosed == true)
        #expect(easy.share == nil)
        #expect(!easy.isClosed)
    }

    @Test("every data kind the linked libcurl supports can be shared")
    func dataKinds() throws {
        let share = try CurlShare()
        for data in CurlShareData.allCases {
            do {
                try share.share(data)
            } catch let error as CurlShareError {
                #expect(error.code == .notBuiltIn, "\(data): \(error)")
            }
        }
        #expect(share.sharedData.isSuperset(of: [.dns, .sslSession, .cookie, .connect]))
    }

    @Test("close() while an attached handle is inside perform() on another thread throws and leaves both untouched")
    func closeDuringPerform() async throws {
        let fault = try await FaultServer.shared()
        let bytes = 20
        let url = fault.url("/slow-body?bytes=\(bytes)&delay_ms=50")  // about a second
        for detachOnClose in [true, false] {
            let share = try CurlShare(detachOnClose: detachOnClose)
            try share.share(.dns)
            let receiving = DispatchSemaphore(value: 0)
            let finished = DispatchSemaphore(value: 0)
            let outcome = PerformOutcome()
            let thread = Thread {
                defer { finished.signal() }
                do {
                    let easy = try CurlEasy()
                    var body: [UInt8] = []
                    try easy.setopt(.url, url)
                    try easy.setWriteFunction { chunk in
                        if body.isEmpty { receiving.signal() }
                        body.append(contentsOf: chunk)
                        return .proceed
                    }
                    try easy.setShare(share)
                    try easy.perform()
                    let stillShared = easy.share === share
                    outcome.state.withLock { $0 = (nil, body, stillShared) }
                    try easy.close()
                } catch {
                    outcome.state.withLock { $0.error = "\(error)" }
                    receiving.signal()
                }
            }
            thread.start()
            #expect(receiving.wait(timeout: .now() + 10) == .success)
            let error = try #require(throws: CurlShareError.self) { try share.close() }
            #expect(error.code == .inUse)
            #expect(!share.isClosed)
            #expect(share.attachedCount == 1, "the performing handle was not detached")
            #expect(finished.wait(timeout: .now() + 30) == .success)
            let seen = outcome.state.withLock { $0 }
            #expect(seen.error == nil)
            #expect(seen.body == (0..<bytes).map { UInt8($0 % 251) })
            #expect(seen.stillShared)
            // The share still serves new handles, and closes once nothing uses it.
            let received = Received()
            let easy = try CurlEasy()
            try easy.setopt(.url, fault.url("/ok"))
            try easy.setWriteFunction { received.body.append(contentsOf: $0); return .proceed }
            try easy.setShare(share)
            try easy.perform()
            #expect(received.text == "ok")
            try easy.close()
            try share.close()
            #expect(share.isClosed)
        }
    }

    @Test("close() while an attached handle is in a CurlMulti throws; after its removal the share closes")
    func closeWhileInMulti() throws {
        let share = try CurlShare()
        try share.share(.dns)
        let multi = try CurlMulti()
        let received = Received()
        let easy = try makeEasy(nginx.httpURL("/small"), nginx, into: received)
        try easy.setShare(share)
        try multi.add(easy)
        // Added, before its transfer starts: libcurl already points the handle at the share's caches.
        let error = try #require(throws: CurlShareError.self) { try share.close() }
        #expect(error.code == .inUse)
        #expect(!share.isClosed)
        #expect(easy.share === share)
        // A handle in a multi cannot change its share either: the multi's caches were chosen at add.
        let changeError = try #require(throws: CurlError.self) { try easy.setShare(nil) }
        #expect(changeError.code == .badFunctionArgument)
        #expect(easy.share === share)
        // Running, and done but still added: refused as well.
        _ = try multi.perform()
        #expect(throws: CurlShareError.self) { try share.close() }
        try runWithSelect(multi)
        #expect(throws: CurlShareError.self) { try share.close() }
        #expect(received.text == "hello")
        #expect(try multi.infoRead().succeeded.first === easy)
        try multi.remove(easy)
        try share.close()
        #expect(share.isClosed)
        #expect(easy.share == nil)
        #expect(!easy.isClosed)

        // Leaving the multi any other way (closing the multi, or letting it go) frees the share too.
        for leave in ["close", "release"] {
            let share = try CurlShare()
            let easy = try CurlEasy()
            try easy.setShare(share)
            do {
                let multi = try CurlMulti()
                try multi.add(easy)
                #expect(throws: CurlShareError.self) { try share.close() }
                if leave == "close" { try multi.close() }
            }
            try share.close()
            #expect(share.isClosed, "after the multi's \(leave)")
        }
    }
}
}

/// What a test's performing thread reports back to the test: its error, the body, and whether
/// its handle still used the share afterwards.
final class PerformOutcome: Sendable {
    let state = Locked<(error: String?, body: [UInt8], stillShared: Bool)>((nil, [], false))
}
