import CurlewLocks
import CurlewTestSupport
import Foundation
import LibCurl
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The WebSocket calls and the seed's rule for them, against a real WebSocket server, with
/// real threads. On a libcurl without WebSocket (7.88.1) each test checks the typed
/// "not built in" error instead.
extension LibCurlSuites {
    @Suite(.timeLimit(.minutes(2)))
    struct CurlWebSocketTests {
        /// On a libcurl without WebSocket: every call throws `.notBuiltIn`; returns false so the
        /// test ends there. On one with it: true.
        static func webSocketBuiltIn() throws -> Bool {
            if CurlVersion.current.supportsWebSocket { return true }
            let easy = try CurlEasy()
            var buffer = [UInt8](repeating: 0, count: 16)
            #expect(throws: CurlWebSocketError.curl(CurlError(.notBuiltIn, detail: "ws_send: libcurl \(CurlVersion.current.version) is built without WebSocket"))) {
                _ = try easy.wsSend(UnsafeRawBufferPointer(start: nil, count: 0), flags: .text)
            }
            let received = tryReceive(try easy.webSocket(), &buffer)
            if case .failure(let error) = received { #expect(error.code == .notBuiltIn) } else { Issue.record("ws_recv did not fail") }
            return false
        }

        /// A handle upgraded with CONNECT_ONLY 2 through perform().
        static func connected(_ path: String) async throws -> CurlEasy {
            let server = try await WebSocketServer.shared()
            let easy = try CurlEasy()
            try easy.setopt(.url, server.url(path))
            try easy.setopt(.connectOnly, 2)
            try easy.setopt(.timeoutMS, 10_000)
            try easy.setopt(.proxy, "")  // see makeEasy
            try easy.perform()
            return easy
        }

        /// `send` of `bytes[offset...]`, its typed error kept.
        static func trySend(_ socket: CurlWebSocket, _ bytes: [UInt8], from offset: Int = 0, flags: CurlWebSocketFlags) -> Result<Int, CurlWebSocketError> {
            bytes.withUnsafeBytes { all in
                Result { () throws(CurlWebSocketError) in try socket.send(UnsafeRawBufferPointer(rebasing: all[offset...]), flags: flags) }
            }
        }

        /// `receive` into `buffer`, its typed error kept.
        static func tryReceive(_ socket: CurlWebSocket, _ buffer: inout [UInt8]) -> Result<(count: Int, frame: CurlWebSocketFrame), CurlWebSocketError> {
            buffer.withUnsafeMutableBytes { all in
                Result { () throws(CurlWebSocketError) in try socket.receive(into: all) }
            }
        }

        /// Waits until `socket` is readable or writable (1 s at most).
        static func wait(_ socket: Int32, writable: Bool = false) {
            var fd = pollfd(fd: socket, events: Int16(writable ? POLLOUT : POLLIN), revents: 0)
            _ = poll(&fd, 1, 1000)
        }

        /// Receives one whole message (frames joined), polling the socket; nil on a deadline.
        static func receiveMessage(_ socket: CurlWebSocket, fd: Int32, deadline: ContinuousClock.Instant) throws -> (CurlWebSocketFlags, [UInt8])? {
            var message: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while ContinuousClock.now < deadline {
                switch tryReceive(socket, &buffer) {
                case .success(let (count, frame)):
                    message += buffer[..<count]
                    if frame.bytesLeft == 0 && !frame.flags.contains(.cont) { return (frame.flags, message) }
                case .failure(let error) where error.code == .again: wait(fd)
                case .failure(let error): throw error
                }
            }
            return nil
        }

        /// Sends a whole frame, waiting while the socket is full.
        static func sendAll(_ socket: CurlWebSocket, _ bytes: [UInt8], flags: CurlWebSocketFlags, fd: Int32) throws {
            var offset = 0
            repeat {
                switch trySend(socket, bytes, from: offset, flags: flags) {
                case .success(let sent): offset += sent
                case .failure(let error) where error.code == .again: wait(fd, writable: true)
                case .failure(let error): throw error
                }
            } while offset < bytes.count
        }

        @Test("CONNECT_ONLY 2: perform() upgrades, then ws_send and ws_recv echo text and binary")
        func connectOnlyEcho() async throws {
            guard try Self.webSocketBuiltIn() else { return }
            let easy = try await Self.connected("/echo")
            let socket = try easy.webSocket()
            let fd = try #require(try easy.activeSocket())
            #expect(try easy.getinfo(.responseCode) == 101)
            try Self.sendAll(socket, Array("hello".utf8), flags: .text, fd: fd)
            let text = try #require(try Self.receiveMessage(socket, fd: fd, deadline: .now + .seconds(5)))
            #expect(text.0.contains(.text) && text.1 == Array("hello".utf8))
            let payload = (0..<100_000).map { UInt8($0 % 251) }
            try Self.sendAll(socket, payload, flags: .binary, fd: fd)
            let binary = try #require(try Self.receiveMessage(socket, fd: fd, deadline: .now + .seconds(5)))
            #expect(binary.0.contains(.binary) && binary.1 == payload)
            try easy.close()
        }

        @Test("the seed's rule: ws_send on one thread and ws_recv on another take turns on the handle's lock")
        func sendAndReceiveOnTwoThreads() async throws {
            guard try Self.webSocketBuiltIn() else { return }
            let easy = try await Self.connected("/echo")
            let socket = try easy.webSocket()
            let fd = try #require(try easy.activeSocket())
            let count = 300
            // Two real threads at once on one handle: one sends, one receives.
            let received = Locked<[String]>([])
            let failures = Locked<[String]>([])
            let receiverDone = OneShot<Void>(), senderDone = OneShot<Void>()
            let receiver = Thread {
                defer { receiverDone.set(()) }
                let deadline = ContinuousClock.now + .seconds(20)
                while received.withLock({ $0.count }) < count, ContinuousClock.now < deadline {
                    do {
                        guard let (_, bytes) = try Self.receiveMessage(socket, fd: fd, deadline: deadline) else { break }
                        received.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) }
                    } catch {
                        failures.withLock { $0.append("receive: \(error)") }
                        break
                    }
                }
            }
            let sender = Thread {
                defer { senderDone.set(()) }
                for index in 0..<count {
                    do {
                        try Self.sendAll(socket, Array("message \(index)".utf8), flags: .text, fd: fd)
                    } catch {
                        failures.withLock { $0.append("send: \(error)") }
                        return
                    }
                }
            }
            receiver.start()
            sender.start()
            receiverDone.wait()
            senderDone.wait()
            #expect(failures.withLock { $0 } == [])
            #expect(received.withLock { $0 } == (0..<count).map { "message \($0)" })
            try easy.close()
        }

        @Test("the seed's rule: while perform() runs, a call from another thread is refused, one inside the write callback goes")
        func callsDuringPerform() async throws {
            guard try Self.webSocketBuiltIn() else { return }
            let server = try await WebSocketServer.shared()
            // A ws:// transfer without CONNECT_ONLY: frames arrive in the write callback while
            // perform() runs, until the server closes.
            let easy = try CurlEasy()
            try easy.setopt(.url, server.url("/headers"))
            try easy.setopt(.timeoutMS, 10_000)
            let socket = try easy.webSocket()
            let inCallback = OneShot<Void>()
            let otherThreadTried = OneShot<Result<Int, CurlWebSocketError>>()
            let outcomes = Locked<[String]>([])
            var frames = 0
            try easy.setWriteFunction { bytes in
                frames += 1
                if frames == 1 {
                    // Another thread tries while this write callback is active on this thread.
                    inCallback.set(())
                    let tried = otherThreadTried.wait()
                    outcomes.withLock { $0.append("other thread: \(tried)") }
                    // This thread, inside the write callback: meta and send go.
                    let meta = Result { () throws(CurlWebSocketError) in try socket.meta() }
                    outcomes.withLock { $0.append("meta: \((try? meta.get())??.flags.contains(.text) == true)") }
                    let sent = Self.trySend(socket, Array("from the callback".utf8), flags: .text)
                    outcomes.withLock { $0.append("callback send: \(sent)") }
                } else if String(decoding: bytes, as: UTF8.self) == "from the callback" {
                    // The echo came back: close, and the server's close ends perform().
                    let close: [UInt8] = [0x03, 0xE8]
                    _ = Self.trySend(socket, close, flags: .close)
                }
                return .proceed
            }
            let other = Thread {
                inCallback.wait()
                otherThreadTried.set(Self.trySend(socket, Array("x".utf8), flags: .text))
            }
            other.start()
            do { try easy.perform() } catch let error as CurlError where error.code == .gotNothing || error.code == .recvError {
                // The server's close of the TCP connection ends a callback-mode transfer so on some versions.
            }
            let seen = outcomes.withLock { $0 }
            #expect(seen.count == 3)
            #expect(seen.first == "other thread: \(Result<Int, CurlWebSocketError>.failure(.otherThreadDuringPerform(call: "ws_send")))")
            #expect(seen.dropFirst().first == "meta: true")
            #expect(seen.last == "callback send: \(Result<Int, CurlWebSocketError>.success(17))")
            #expect(frames >= 2)
        }

        @Test("the seed's rule: on the performing thread, a call outside the write callback is refused")
        func callOutsideWriteCallback() async throws {
            guard try Self.webSocketBuiltIn() else { return }
            let server = try await WebSocketServer.shared()
            let easy = try CurlEasy()
            try easy.setopt(.url, server.url("/close?code=1000&reason=done"))
            try easy.setopt(.timeoutMS, 10_000)
            let socket = try easy.webSocket()
            var fromProgress: Result<CurlWebSocketFrame?, CurlWebSocketError>?
            try easy.setProgressFunction { _ in
                if fromProgress == nil { fromProgress = Result { () throws(CurlWebSocketError) in try socket.meta() } }
                return true
            }
            try easy.setWriteFunction { _ in
                // The server's close frame: answer it, so that it closes the connection.
                let close: [UInt8] = [0x03, 0xE8]
                _ = try? close.withUnsafeBytes { try socket.send($0, flags: .close) }
                return .proceed
            }
            do { try easy.perform() } catch let error as CurlError where error.code == .gotNothing || error.code == .recvError {}
            guard case .failure(let error)? = fromProgress else {
                Issue.record("the progress callback's call was not refused: \(String(describing: fromProgress))")
                return
            }
            #expect(error == .outsideWriteCallback(call: "ws_meta"))
            // After perform(), the same thread may call again (and meta is nil outside a callback).
            #expect(try socket.meta() == nil)
        }

        @Test("a call after close() is refused with a typed error, from any thread, and never reaches a freed handle")
        func callAfterClose() async throws {
            guard try Self.webSocketBuiltIn() else { return }
            let easy = try await Self.connected("/echo")
            let socket = try easy.webSocket()
            try easy.close()
            let attempt = OneShot<CurlCode?>()
            Thread {
                switch Self.trySend(socket, [1, 2, 3, 4], flags: .binary) {
                case .success: attempt.set(nil)
                case .failure(let error): attempt.set(error.code)
                }
            }.start()
            #expect(attempt.wait() == .badFunctionArgument)
        }
    }
}
