import CurlewTestSupport
import LibCurl
import Testing

/// An object whose lifetime the assignment tests watch.
final class Marker {}

extension LibCurlSuites {
@Suite("CurlMulti against nginx")
struct CurlMultiTests {
    let nginx: Nginx

    init() async throws { nginx = try await Nginx.shared() }

    @Test("a perform/select loop completes transfers; infoRead reports a refusal as code 7 and a 404 as success")
    func performSelectLoop() throws {
        let multi = try CurlMulti()
        let ok = Received(), notFound = Received(), big = Received()
        let okEasy = try makeEasy(nginx.httpURL("/small"), nginx, into: ok)
        let notFoundEasy = try makeEasy(nginx.httpURL("/status/404"), nginx, into: notFound)
        let bigEasy = try makeEasy(nginx.httpsURL("/big"), nginx, into: big)
        let refusedEasy = try CurlEasy()
        try refusedEasy.setopt(.url, "http://127.0.0.1:\(try unusedLoopbackPort())/")
        for easy in [okEasy, notFoundEasy, bigEasy, refusedEasy] { try multi.add(easy) }
        #expect(multi.count == 4)

        try runWithSelect(multi)

        let result = try multi.infoRead()
        #expect(result.queued == 0)
        #expect(Set(result.succeeded.map(ObjectIdentifier.init)) == Set([okEasy, notFoundEasy, bigEasy].map(ObjectIdentifier.init)))
        #expect(result.failed.count == 1)
        #expect(result.failed.first?.easy === refusedEasy)
        #expect(result.failed.first?.code == .couldntConnect)
        #expect(result.failed.first?.code.rawValue == 7)
        #expect(result.failed.first?.message.isEmpty == false)
        #expect(try notFoundEasy.getinfo(.responseCode) == 404)
        #expect(ok.text == "hello")
        #expect(big.body == Nginx.bigBody())
        // infoRead leaves the handles in the multi, as PycURL does.
        #expect(multi.contains(okEasy))
    }

    @Test("forEachFinished hands each finished transfer over once, may remove it meanwhile, and stops when the multi closes")
    func forEachFinished() throws {
        let multi = try CurlMulti()
        let ok = Received(), notFound = Received()
        let okEasy = try makeEasy(nginx.httpURL("/small"), nginx, into: ok)
        let notFoundEasy = try makeEasy(nginx.httpURL("/status/404"), nginx, into: notFound)
        let refusedEasy = try CurlEasy()
        try refusedEasy.setopt(.url, "http://127.0.0.1:\(try unusedLoopbackPort())/")
        for easy in [okEasy, notFoundEasy, refusedEasy] { try multi.add(easy) }
        try runWithSelect(multi)

        var seen: [(easy: CurlEasy, code: CurlCode, message: String)] = []
        try multi.forEachFinished { easy, code, message in
            seen.append((easy, code, message))
            try? multi.remove(easy)
        }
        #expect(seen.count == 3)
        #expect(Set(seen.map { ObjectIdentifier($0.easy) }) == Set([okEasy, notFoundEasy, refusedEasy].map(ObjectIdentifier.init)))
        let refused = seen.first { $0.easy === refusedEasy }
        #expect(refused?.code == .couldntConnect)
        #expect(refused?.message.isEmpty == false)
        #expect(seen.filter { $0.code == .ok }.allSatisfy { $0.message.isEmpty })
        #expect(multi.count == 0)
        #expect(ok.text == "hello")
        // Nothing left: a second pass hands nothing over.
        var again = 0
        try multi.forEachFinished { _, _, _ in again += 1 }
        #expect(again == 0)

        // Closed from inside `body`: the read stops there, with the other message unread.
        let second = try CurlMulti()
        let first = try makeEasy(nginx.httpURL("/small"), nginx, into: Received())
        let other = try makeEasy(nginx.httpURL("/small"), nginx, into: Received())
        try second.add(first)
        try second.add(other)
        try runWithSelect(second)
        var calls = 0
        try second.forEachFinished { _, _, _ in
            calls += 1
            try? second.close()
        }
        #expect(calls == 1)
        #expect(throws: CurlMultiError.self) { try second.forEachFinished { _, _, _ in } }
    }

    @Test("a socketAction loop fed by the socket and timer functions, with poll, completes HTTP/1.1, h2 and h2c")
    func socketActionLoop() throws {
        let multi = try CurlMulti()
        let loop = try SocketActionLoop(multi)
        var bodies: [Received] = []
        var easies: [CurlEasy] = []
        for url in [nginx.httpURL("/big"), nginx.httpsURL("/big"), nginx.h2cURL("/small"), nginx.httpURL("/small")] {
            let received = Received()
            let easy = try makeEasy(url, nginx, into: received)
            if url.contains(":\(nginx.h2cPort)") {
                try easy.setopt(.httpVersion, CurlHTTPVersion.http2PriorKnowledge.rawValue)
            }
            try multi.add(easy)
            bodies.append(received)
            easies.append(easy)
        }
        #expect(loop.timerCalls > 0, "add_handle asks for a timer")
        var succeeded: [CurlEasy] = []
        var failures: [String] = []
        try loop.run { result in
            succeeded += result.succeeded
            failures += result.failed.map { "\($0.code): \($0.message)" }
        }
        #expect(succeeded.count == 4, "failed: \(failures)")
        #expect(bodies[0].body == Nginx.bigBody())
        #expect(bodies[1].body == Nginx.bigBody())
        #expect(bodies[2].text == "hello")
        #expect(try easies[2].getinfo(.httpVersion) == CurlHTTPVersion.http2.rawValue)
        #expect(loop.socketEvents.contains { $0.0 == .in || $0.0 == .inOut })
        for easy in easies { try multi.remove(easy) }
        try multi.close()
        #expect(loop.socketEvents.contains { $0.0 == .remove }, "sockets are removed by the time the multi is closed")
    }

    @Test("infoRead(max:) reads at most max messages and reports how many remain queued")
    func infoReadMax() throws {
        let multi = try CurlMulti()
        for _ in 0..<3 { try multi.add(try makeEasy(nginx.httpURL("/small"), nginx, into: Received())) }
        try runWithSelect(multi)
        let first = try multi.infoRead(max: 1)
        #expect(first.succeeded.count == 1)
        #expect(first.queued == 2)
        let rest = try multi.infoRead()
        #expect(rest.succeeded.count == 2)
        #expect(rest.queued == 0)
    }

    @Test("add keeps an easy alive until it is removed")
    func addKeepsAlive() throws {
        let multi = try CurlMulti()
        weak var weakEasy: CurlEasy?
        do {
            let easy = try CurlEasy()
            weakEasy = easy
            try multi.add(easy)
        }
        let easy = try #require(weakEasy)
        #expect(easy.multi === multi)
        #expect(multi.contains(easy))
        try multi.remove(easy)
        #expect(easy.multi == nil)
        #expect(!multi.contains(easy))
        #expect(!easy.isClosed, "removing does not close")
    }

    @Test("add, remove and contains reject what does not fit")
    func addRemoveErrors() throws {
        let multi = try CurlMulti()
        let other = try CurlMulti()
        let easy = try CurlEasy()
        try multi.add(easy)
        #expect(throws: CurlMultiError(.addedAlready, detail: "the CurlEasy is already in a CurlMulti")) { try other.add(easy) }
        #expect(throws: CurlMultiError.self) { try other.remove(easy) }
        let closedEasy = try CurlEasy()
        try closedEasy.close()
        let error = try #require(throws: CurlMultiError.self) { try multi.add(closedEasy) }
        #expect(error.code == .badEasyHandle)
    }

    @Test("close removes every easy and leaves them open by default")
    func closeLeavesHandlesOpen() throws {
        let multi = try CurlMulti()
        let easies = try (0..<3).map { _ in try CurlEasy() }
        for easy in easies { try multi.add(easy) }
        try multi.close()
        #expect(multi.isClosed)
        for easy in easies {
            #expect(!easy.isClosed)
            #expect(easy.multi == nil)
        }
        // Still usable on their own.
        let received = Received()
        try easies[0].setopt(.url, nginx.httpURL("/small"))
        try easies[0].setWriteFunction { received.body.append(contentsOf: $0); return .proceed }
        try easies[0].perform()
        #expect(received.text == "hello")
        try multi.close()
        let error = try #require(throws: CurlMultiError.self) { _ = try multi.perform() }
        #expect(error.code == .badHandle)
    }

    @Test("closeHandles: true closes the easies it removes")
    func closeHandlesCloses() throws {
        let multi = try CurlMulti(closeHandles: true)
        let easies = try (0..<2).map { _ in try CurlEasy() }
        for easy in easies { try multi.add(easy) }
        try multi.close()
        #expect(easies.allSatisfy { $0.isClosed })
    }

    @Test("the scoped form closes the multi, with closeHandles honoured")
    func scopedForm() throws {
        let easy = try CurlEasy()
        var inside: CurlMulti?
        try withCurlMulti(closeHandles: true) { multi in
            try multi.add(easy)
            inside = multi
        }
        #expect(inside?.isClosed == true)
        #expect(easy.isClosed)

        let kept = try CurlEasy()
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try withCurlMulti { multi in
                try multi.add(kept)
                inside = multi
                throw Boom()
            }
        }
        #expect(inside?.isClosed == true)
        #expect(!kept.isClosed)
        #expect(kept.multi == nil)
    }

    @Test("the last release closes the multi and frees its easies")
    func closeAtLastRelease() throws {
        let easy = try CurlEasy()
        weak var weakMulti: CurlMulti?
        do {
            let multi = try CurlMulti()
            weakMulti = multi
            try multi.add(easy)
        }
        #expect(weakMulti == nil)
        #expect(easy.multi == nil)
        let other = try CurlMulti()
        try other.add(easy)  // it was really removed from the first multi
        #expect(other.contains(easy))
    }

    @Test("close, perform, socketAction, add and remove from inside the socket or timer function throw and leave the multi open")
    func recursiveCallsThrow() throws {
        let multi = try CurlMulti()
        let spare = try CurlEasy()
        var errors: [CurlMultiCode] = []
        func attempt(_ body: () throws -> Void) {
            do { try body() } catch let error as CurlMultiError { errors.append(error.code) } catch {}
        }
        var triedInTimer = false
        var triedInSocket = false
        let loop = try SocketActionLoop(multi)
        loop.onTimer = { [unowned multi] _ in
            guard !triedInTimer else { return }
            triedInTimer = true
            attempt { try multi.close() }
            attempt { _ = try multi.perform() }
            attempt { _ = try multi.socketAction(CurlMulti.socketTimeout, events: []) }
            attempt { try multi.add(spare) }
        }
        loop.onSocket = { [unowned multi] _, _, easy, _ in
            guard !triedInSocket, let easy else { return }
            triedInSocket = true
            attempt { try multi.close() }
            attempt { try multi.remove(easy) }
            attempt { _ = try multi.socketAll() }
        }
        let received = Received()
        let easy = try makeEasy(nginx.httpURL("/small"), nginx, into: received)
        try multi.add(easy)
        var succeeded: [CurlEasy] = []
        try loop.run { succeeded += $0.succeeded }
        #expect(triedInTimer && triedInSocket)
        #expect(errors == Array(repeating: .recursiveAPICall, count: 7))
        #expect(!multi.isClosed)
        #expect(received.text == "hello")
        #expect(succeeded.count == 1 && succeeded.first === easy)
        try multi.close()
        #expect(multi.isClosed)
    }

    @Test("assign from inside the socket function; the object lives until the socket is removed")
    func assignLifetime() throws {
        let multi = try CurlMulti()
        var assignedSockets: Set<Int32> = []
        var seenData: [Int32: ObjectIdentifier] = [:]
        weak var weakMarker: Marker?
        var removedWhileAlive = false
        let loop = try SocketActionLoop(multi)
        loop.onSocket = { [unowned multi] what, socket, _, data in
            if let data { seenData[socket] = ObjectIdentifier(data) }
            if what == .remove {
                removedWhileAlive = data != nil
                return
            }
            if data == nil {
                let marker = Marker()
                weakMarker = marker
                try? multi.assign(socket, marker)
                assignedSockets.insert(socket)
            }
        }
        let easy = try makeEasy(nginx.httpURL("/small"), nginx, into: Received())
        try easy.setopt(.forbidReuse, true)  // the socket is closed, and so removed, at the end
        try multi.add(easy)
        try loop.run()
        #expect(!assignedSockets.isEmpty)
        #expect(removedWhileAlive, "the socket function sees its assigned object with CURL_POLL_REMOVE")
        #expect(weakMarker == nil, "the assignment is dropped once the socket is removed")
        #expect(!seenData.isEmpty)
    }

    @Test("unassign and replacing release the old object; closing the multi releases the rest")
    func unassignAndClose() throws {
        let multi = try CurlMulti()
        weak var first: Marker?
        weak var second: Marker?
        var socket: Int32 = -1
        let loop = try SocketActionLoop(multi)
        loop.onSocket = { what, fd, _, _ in
            if what != .remove && socket < 0 { socket = fd }
        }
        // A slow transfer keeps its socket open while the test assigns to it.
        let easy = try makeEasy(nginx.httpURL("/slow"), nginx, into: Received())
        try multi.add(easy)
        try loop.run(until: { socket >= 0 })
        do {
            let marker = Marker()
            first = marker
            try multi.assign(socket, marker)
        }
        #expect(first != nil, "the multi holds the assigned object")
        #expect(multi.assigned(to: socket) === first)
        do {
            let marker = Marker()
            second = marker
            try multi.assign(socket, marker)
        }
        #expect(first == nil, "replacing releases the old object")
        #expect(second != nil)
        try multi.unassign(socket)
        #expect(second == nil, "unassign releases the object")
        do {
            let marker = Marker()
            second = marker
            try multi.assign(socket, marker)
        }
        try multi.close()
        #expect(second == nil, "closing the multi releases assignments")
        #expect(throws: CurlMultiError.self) { try multi.assign(socket, Marker()) }
    }

    @Test("assign to a socket libcurl does not know throws")
    func assignUnknownSocket() throws {
        let multi = try CurlMulti()
        let error = try #require(throws: CurlMultiError.self) { try multi.assign(12345, Marker()) }
        #expect(error.code == .badSocket)
    }

    @Test("fdset and timeout report what a running transfer waits on")
    func fdsetAndTimeout() throws {
        let multi = try CurlMulti()
        #expect(try multi.timeout() == -1)
        let empty = try multi.fdset()
        #expect(empty.read.isEmpty && empty.write.isEmpty && empty.exception.isEmpty)
        try multi.add(try makeEasy(nginx.httpURL("/slow"), nginx, into: Received()))
        #expect(try multi.timeout() >= 0, "a new transfer wants action soon")
        var sawSocket = false
        var rounds = 0
        var running = try multi.perform()
        while running > 0 && !sawSocket && rounds < 1_000 {
            rounds += 1
            let set = try multi.fdset()
            sawSocket = !(set.read.isEmpty && set.write.isEmpty)
            _ = try multi.select(timeout: 0.05)
            running = try multi.perform()
        }
        #expect(sawSocket)
        try multi.close()
    }

    @Test("typed multi options are accepted and applied")
    func multiOptions() throws {
        let multi = try CurlMulti()
        try multi.setopt(.maxTotalConnections, 1)
        try multi.setopt(.maxHostConnections, 1)
        try multi.setopt(.maxConcurrentStreams, 200)
        try multi.setopt(.pipelining, 0)
        // With one connection allowed and no multiplexing, three transfers share one connection in turn.
        var easies: [CurlEasy] = []
        let trace = Received()
        for index in 0..<3 {
            let easy = try makeEasy(nginx.httpURL("/small"), nginx, into: Received())
            try easy.setDebugFunction { type, bytes in
                if type == .text { trace.headers.append("\(index): " + String(decoding: bytes, as: UTF8.self)) }
            }
            try multi.add(easy)
            easies.append(easy)
        }
        try runWithSelect(multi)
        let connects = try easies.map { try $0.getinfo(.numConnects) }.reduce(0, +)
        #expect(connects == 1, "\(trace.headers.joined())")
    }

    @Test("infoRead(max:) with zero or a negative max throws and reads nothing")
    func infoReadMaxMustBePositive() throws {
        let multi = try CurlMulti()
        try multi.add(try makeEasy(nginx.httpURL("/small"), nginx, into: Received()))
        try runWithSelect(multi)
        for max in [0, -1, Int.min] {
            let error = try #require(throws: CurlMultiError.self) { _ = try multi.infoRead(max: max) }
            #expect(error.code == .badFunctionArgument)
        }
        let result = try multi.infoRead()
        #expect(result.succeeded.count == 1, "the refused reads left the message queued")
        try multi.close()
    }

    @Test("select(timeout:) refuses a negative timeout or one of 365 days or more")
    func selectTimeoutRange() throws {
        let multi = try CurlMulti()
        let year = 365.0 * 86_400
        for timeout in [-1, -0.000_001, year, year + 1, .infinity, -.infinity, .nan] {
            let error = try #require(throws: CurlMultiError.self, "timeout \(timeout)") { _ = try multi.select(timeout: timeout) }
            #expect(error.code == .badFunctionArgument)
        }
        // The bounds that are allowed: with no socket to watch, select returns 0 within 100 ms.
        #expect(try multi.select(timeout: 0) == 0)
        #expect(try multi.select(timeout: year - 1) == 0)
        try multi.close()
    }

    @Test("closing an added easy removes it from the multi first; removing it after is a no-op, and the multi carries on")
    func closeAddedEasy() throws {
        let multi = try CurlMulti()
        let loop = try SocketActionLoop(multi)
        let closing = try makeEasy(nginx.httpURL("/slow"), nginx, into: Received())
        let received = Received()
        let other = try makeEasy(nginx.httpURL("/big"), nginx, into: received)
        try multi.add(closing)
        try multi.add(other)
        // Mid-transfer: libcurl has a connection and a socket for the closing handle.
        try loop.run(until: { !loop.socketEvents.isEmpty })
        try closing.close()
        #expect(closing.isClosed)
        #expect(closing.multi == nil)
        #expect(!multi.contains(closing))
        #expect(multi.count == 1)
        try multi.remove(closing)  // close-then-remove: PycURL ignores a closed handle
        #expect(multi.count == 1)
        // The multi no longer knows the freed C handle: driving it on completes the other transfer.
        var succeeded: [CurlEasy] = []
        var failed: [CurlCode] = []
        try loop.run { result in
            succeeded += result.succeeded
            failed += result.failed.map(\.code)
        }
        #expect(failed == [])
        #expect(succeeded.count == 1 && succeeded.first === other)
        #expect(received.body == Nginx.bigBody())

        // remove-then-close-then-remove: the second remove is a no-op too.
        try multi.remove(other)
        try other.close()
        try multi.remove(other)
        #expect(multi.count == 0)
        // A handle that was never added still throws.
        let error = try #require(throws: CurlMultiError.self) { try multi.remove(try CurlEasy()) }
        #expect(error.code == .badEasyHandle)
        try multi.close()
    }

    @Test("closing an added easy from inside the multi's socket function throws and leaves it in the multi")
    func closeAddedEasyInsideSocketFunction() throws {
        let multi = try CurlMulti()
        let loop = try SocketActionLoop(multi)
        let received = Received()
        let easy = try makeEasy(nginx.httpURL("/small"), nginx, into: received)
        var codes: [CurlMultiCode] = []
        loop.onSocket = { _, _, _, _ in
            guard codes.isEmpty else { return }
            do { try easy.close() } catch let error as CurlMultiError { codes.append(error.code) } catch {}
        }
        try multi.add(easy)
        var succeeded: [CurlEasy] = []
        try loop.run { succeeded += $0.succeeded }
        #expect(codes == [.recursiveAPICall])
        #expect(!easy.isClosed)
        #expect(succeeded.first === easy)
        #expect(received.text == "hello")
        try easy.close()  // outside the callbacks it removes and frees
        #expect(multi.count == 0)
        try multi.close()
    }

    @Test("infoRead may be called inside the socket and timer functions while a transfer runs")
    func infoReadInsideFunctions() throws {
        let multi = try CurlMulti()
        let loop = try SocketActionLoop(multi)
        var insideSocket = 0, insideTimer = 0
        var readInside: [CurlEasy] = []
        var errors: [String] = []
        loop.onSocket = { [unowned multi] _, _, _, _ in
            insideSocket += 1
            do { readInside += try multi.infoRead().succeeded } catch { errors.append("\(error)") }
        }
        loop.onTimer = { [unowned multi] _ in
            insideTimer += 1
            do { readInside += try multi.infoRead().succeeded } catch { errors.append("\(error)") }
        }
        let received = Received()
        let easy = try makeEasy(nginx.httpURL("/big"), nginx, into: received)
        try easy.setopt(.forbidReuse, true)  // the socket is removed at the end, inside the transfer's last call
        try multi.add(easy)
        var readOutside: [CurlEasy] = []
        try loop.run { readOutside += $0.succeeded }
        #expect(errors == [])
        #expect(insideSocket > 0 && insideTimer > 0)
        // Whatever libcurl handed out inside the functions, the completion is read exactly once.
        #expect((readInside + readOutside).count == 1)
        #expect((readInside + readOutside).first === easy)
        #expect(received.body == Nginx.bigBody())
        // The calls still refused there keep throwing (add_handle runs the timer function).
        var refused: [CurlMultiCode] = []
        loop.onTimer = { [unowned multi] _ in
            do { _ = try multi.perform() } catch let error as CurlMultiError { refused.append(error.code) } catch {}
        }
        try multi.add(try CurlEasy())
        #expect(refused.first == .recursiveAPICall)
        try multi.close()
    }
}
}

extension LibCurlSuites {
@Suite("CurlMulti re-entrancy from easy callbacks")
struct CurlMultiReentrancyTests {
    @Test("close, add and remove from an easy's write callback during perform throw and leave everything open")
    func closeFromEasyCallback() async throws {
        let nginx = try await Nginx.shared()
        let multi = try CurlMulti(closeHandles: true)
        let received = Received()
        let easy = try makeEasy(nginx.httpURL("/small"), nginx, into: received)
        var codes: [CurlMultiCode] = []
        try easy.setWriteFunction { [unowned multi, unowned easy] bytes in
            for attempt in [{ try multi.close() }, { try multi.remove(easy) }, { try multi.add(try CurlEasy()) }] {
                do { try attempt() } catch let error as CurlMultiError { codes.append(error.code) } catch {}
            }
            received.body.append(contentsOf: bytes)
            return .proceed
        }
        try multi.add(easy)
        try runWithSelect(multi)
        #expect(codes == [.recursiveAPICall, .recursiveAPICall, .recursiveAPICall])
        #expect(!multi.isClosed && !easy.isClosed)
        #expect(received.text == "hello")
        #expect(try multi.infoRead().succeeded.first === easy)
    }

    @Test("socketAll drives transfers to completion")
    func socketAllDrives() async throws {
        let nginx = try await Nginx.shared()
        let multi = try CurlMulti()
        let received = Received()
        try multi.add(try makeEasy(nginx.httpURL("/big"), nginx, into: received))
        var running = try multi.socketAll()
        var rounds = 0
        while running > 0 && rounds < 100_000 {
            rounds += 1
            _ = try multi.select(timeout: 0.1)
            running = try multi.socketAll()
        }
        #expect(received.body == Nginx.bigBody())
        #expect(try multi.infoRead().succeeded.count == 1)
    }

    @Test("a failed entry's message is the handle's error buffer, not just libcurl's generic text")
    func failedMessageIsErrorBuffer() throws {
        let multi = try CurlMulti()
        let port = try unusedLoopbackPort()
        let easy = try CurlEasy()
        try easy.setopt(.url, "http://127.0.0.1:\(port)/")
        try multi.add(easy)
        try runWithSelect(multi)
        let failed = try #require(try multi.infoRead().failed.first)
        #expect(failed.message != failed.code.message)
        #expect(failed.message.contains("\(port)"))
    }

    @Test("select returns 0 when nothing happens before its timeout")
    func selectTimesOut() async throws {
        let nginx = try await Nginx.shared()
        let multi = try CurlMulti()
        try multi.add(try makeEasy(nginx.httpURL("/slow"), nginx, into: Received()))
        var sawTimeout = false
        for _ in 0..<200 where !sawTimeout {
            _ = try multi.perform()
            sawTimeout = try multi.select(timeout: 0.001) == 0
        }
        #expect(sawTimeout)
        let error = try #require(throws: CurlMultiError.self, "an infinite timeout is refused, not a crash") {
            _ = try multi.select(timeout: .infinity)
        }
        #expect(error.code == .badFunctionArgument)
        try multi.close()
    }
}
}
