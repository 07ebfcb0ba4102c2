import CurlewTestSupport
import LibCurl
import Testing

extension LibCurlSuites {
@Suite("CurlEasy against nginx")
struct CurlEasyTests {
    let nginx: Nginx

    init() async throws { nginx = try await Nginx.shared() }

    @Test("perform fetches a body over HTTP/1.1 and reports info")
    func performHTTP1() throws {
        let received = Received()
        let easy = try makeEasy(nginx.httpURL("/small"), nginx, into: received)
        try easy.perform()
        #expect(received.text == "hello")
        #expect(try easy.getinfo(.responseCode) == 200)
        #expect(try easy.getinfo(.httpVersion) == CurlHTTPVersion.http1_1.rawValue)
        #expect(try easy.getinfo(.contentType) == "text/plain")
        #expect(try easy.getinfo(.sizeDownload) == 5)
        #expect(try easy.getinfo(.effectiveURL) == nginx.httpURL("/small"))
        #expect(try easy.getinfo(.primaryPort) == nginx.httpPort)
        #expect(received.headers.first?.hasPrefix("HTTP/1.1 200") == true)
    }

    @Test("transferInfo reads what getinfo reads, one call for all, and tells a reused connection")
    func transferInfo() throws {
        let easy = try makeEasy(nginx.httpURL("/small"), nginx, into: Received())
        try easy.perform()
        let first = try easy.transferInfo()
        #expect(first.responseCode == 200 && first.sizeDownload == 5 && first.contentLengthDownload == 5)
        #expect(first.numConnects == 1 && first.redirectCount == 0 && first.primaryIP == "127.0.0.1")
        #expect(first.totalMicroseconds == (try easy.getinfo(.totalTime)))
        #expect(first.nameLookupMicroseconds <= first.connectMicroseconds)
        #expect(first.connectMicroseconds <= first.startTransferMicroseconds)
        #expect(first.startTransferMicroseconds <= first.totalMicroseconds)
        try easy.setopt(.url, nginx.httpURL("/status/404"))
        try easy.perform()
        let second = try easy.transferInfo()
        #expect(second.responseCode == 404 && second.numConnects == 0, "the second transfer reuses the connection")
        try easy.close()
        #expect(throws: CurlError.self) { try easy.transferInfo() }
    }

    @Test("HTTP/2 is negotiated over TLS with the test CA, and h2c works with prior knowledge")
    func http2() throws {
        let tls = Received()
        let easy = try makeEasy(nginx.httpsURL("/big"), nginx, into: tls)
        try easy.perform()
        #expect(try easy.getinfo(.httpVersion) == CurlHTTPVersion.http2.rawValue)
        #expect(tls.body == Nginx.bigBody())
        #expect(try easy.tlsSession()?.backend == 2, "GnuTLS is CURLSSLBACKEND_GNUTLS")

        let cleartext = Received()
        let h2c = try makeEasy(nginx.h2cURL("/small"), nginx, into: cleartext)
        try h2c.setopt(.httpVersion, CurlHTTPVersion.http2PriorKnowledge.rawValue)
        try h2c.perform()
        #expect(try h2c.getinfo(.httpVersion) == CurlHTTPVersion.http2.rawValue)
        #expect(cleartext.text == "hello")
    }

    @Test("a server certificate from an unknown CA fails with code 60 and detail")
    func verificationFailure() throws {
        let easy = try CurlEasy()
        try easy.setopt(.url, nginx.httpsURL("/small"))
        try easy.setopt(.caInfo, "/etc/ssl/certs/ca-certificates.crt")
        try easy.setWriteFunction { _ in .proceed }
        let error = try #require(throws: CurlError.self) { try easy.perform() }
        #expect(error.code == .peerFailedVerification)
        #expect(!error.detail.isEmpty)
    }

    @Test("a refused connection throws code 7 with the error buffer's detail")
    func refused() throws {
        let port = try unusedLoopbackPort()
        let easy = try CurlEasy()
        try easy.setopt(.url, "http://127.0.0.1:\(port)/")
        let error = try #require(throws: CurlError.self) { try easy.perform() }
        #expect(error.code == .couldntConnect)
        #expect(error.detail.contains("\(port)"))
        // libcurl's own text for the code (its wording changed in 8.x), not a fixed string.
        #expect(error.message == CurlCode.couldntConnect.message && !error.message.isEmpty)
        #expect(easy.errorDetail == error.detail)
    }

    @Test("an HTTP 404 is a success for perform")
    func notFoundIsSuccess() throws {
        let received = Received()
        let easy = try makeEasy(nginx.httpURL("/status/404"), nginx, into: received)
        try easy.perform()
        #expect(try easy.getinfo(.responseCode) == 404)
        try easy.setopt(.failOnError, true)
        let error = try #require(throws: CurlError.self) { try easy.perform() }
        #expect(error.code == .httpReturnedError)
    }

    @Test("request headers are sent from a list option, and the list outlives the call")
    func headerList() throws {
        let received = Received()
        let easy = try makeEasy(nginx.httpURL("/echo-header"), nginx, into: received)
        try easy.setopt(.httpHeader, ["X-Test: first-value"])
        try easy.perform()
        #expect(received.text == "first-value")
        received.body = []
        try easy.setopt(.httpHeader, ["X-Test: replaced"])
        try easy.perform()
        #expect(received.text == "replaced")
    }

    @Test("strings and list entries holding NUL are rejected, not cut")
    func nulRejected() throws {
        let easy = try CurlEasy()
        let error = try #require(throws: CurlError.self) { try easy.setopt(.url, "http://127.0.0.1/\0evil") }
        #expect(error.code == .badFunctionArgument)
        #expect(throws: CurlError.self) { try easy.setopt(.httpHeader, ["X-A: b\0c"]) }
    }

    @Test("the read callback uploads a body, chunked when the size is unknown")
    func upload() throws {
        for knownSize in [true, false] {
            let payload = Array(repeating: UInt8(ascii: "z"), count: 100_000)
            var offset = 0
            let received = Received()
            let easy = try makeEasy(nginx.httpURL("/upload"), nginx, into: received)
            try easy.setopt(.post, true)
            try easy.setopt(.postFieldSizeLarge, knownSize ? Int64(payload.count) : -1)
            try easy.setReadFunction { buffer in
                let count = min(buffer.count, payload.count - offset)
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: payload.withUnsafeBytes { $0 }[offset..<offset + count]))
                offset += count
                return .bytes(count)
            }
            try easy.perform()
            #expect(received.text == "received 100000")
            // With chunked encoding libcurl counts the chunk framing as uploaded bytes too.
            let uploaded = try easy.getinfo(.sizeUpload)
            #expect(knownSize ? uploaded == 100_000 : uploaded > 100_000)
        }
    }

    @Test("a read callback that aborts fails the transfer")
    func readAbort() throws {
        let easy = try makeEasy(nginx.httpURL("/upload"), nginx, into: Received())
        try easy.setopt(.upload, true)
        try easy.setReadFunction { _ in .abort }
        let error = try #require(throws: CurlError.self) { try easy.perform() }
        #expect(error.code == .abortedByCallback)
    }

    @Test("a write callback that aborts fails with CURLE_WRITE_ERROR")
    func writeAbort() throws {
        let easy = try CurlEasy()
        try easy.setopt(.url, nginx.httpURL("/big"))
        try easy.setWriteFunction { _ in .abort }
        let error = try #require(throws: CurlError.self) { try easy.perform() }
        #expect(error.code == .writeError)
    }

    @Test("the progress callback sees progress and can abort")
    func progress() throws {
        var seen: [CurlProgress] = []
        let easy = try makeEasy(nginx.httpURL("/big"), nginx, into: Received())
        try easy.setProgressFunction { progress in
            seen.append(progress)
            return true
        }
        try easy.perform()
        #expect(seen.contains { $0.downloadNow == Int64(Nginx.bigSize) && $0.downloadTotal == Int64(Nginx.bigSize) })

        try easy.setProgressFunction { $0.downloadNow < 100_000 }
        let error = try #require(throws: CurlError.self) { try easy.perform() }
        #expect(error.code == .abortedByCallback)
    }

    @Test("the debug callback sees the request head")
    func debug() throws {
        var headerOut = ""
        var text = ""
        let easy = try makeEasy(nginx.httpURL("/small"), nginx, into: Received())
        try easy.setDebugFunction { type, bytes in
            switch type {
            case .headerOut: headerOut += String(decoding: bytes, as: UTF8.self)
            case .text: text += String(decoding: bytes, as: UTF8.self)
            default: break
            }
        }
        try easy.perform()
        #expect(headerOut.hasPrefix("GET /small HTTP/1.1"))
        #expect(text.contains("Connected to 127.0.0.1"))
    }

    @Test("reset restores defaults: callbacks and URL are gone")
    func reset() throws {
        let received = Received()
        let easy = try makeEasy(nginx.httpURL("/small"), nginx, into: received)
        try easy.perform()
        try easy.reset()
        let error = try #require(throws: CurlError.self) { try easy.perform() }
        #expect(error.code == .urlMalformat)
        // The old write function is gone: a new one receives the next body.
        let again = Received()
        try easy.setopt(.url, nginx.httpURL("/small"))
        try easy.setWriteFunction { again.body.append(contentsOf: $0); return .proceed }
        try easy.perform()
        #expect(again.text == "hello")
        #expect(received.text == "hello")
    }

    @Test("close is idempotent and later calls throw a clear error")
    func closeTwice() throws {
        let easy = try CurlEasy()
        try easy.close()
        try easy.close()
        #expect(easy.isClosed)
        let error = try #require(throws: CurlError.self) { try easy.setopt(.url, "http://127.0.0.1/") }
        #expect(error.code == .badFunctionArgument)
        #expect(error.detail.contains("closed"))
        #expect(throws: CurlError.self) { try easy.perform() }
        #expect(throws: CurlError.self) { try easy.getinfo(.responseCode) }
    }

    @Test("close and perform from inside the handle's own callback throw, and the transfer goes on")
    func closeInsideCallback() throws {
        let received = Received()
        let easy = try makeEasy(nginx.httpURL("/small"), nginx, into: received)
        var closeError: (any Error)?
        var performError: (any Error)?
        try easy.setWriteFunction { [unowned easy] bytes in
            do { try easy.close() } catch { closeError = error }
            do { try easy.perform() } catch { performError = error }
            received.body.append(contentsOf: bytes)
            return .proceed
        }
        try easy.perform()
        #expect((closeError as? CurlError)?.code == .recursiveAPICall)
        #expect((performError as? CurlError)?.code == .recursiveAPICall)
        #expect(!easy.isClosed)
        #expect(received.text == "hello")
    }

    @Test("pause from the write callback holds the data until resumed")
    func pauseAndResume() throws {
        let received = Received()
        let easy = try makeEasy(nginx.httpURL("/big"), nginx, into: received)
        var paused = false
        var pauseCount = 0
        try easy.setWriteFunction { bytes in
            if !paused && pauseCount < 3 {
                paused = true
                pauseCount += 1
                return .pause
            }
            received.body.append(contentsOf: bytes)
            return .proceed
        }
        let multi = try CurlMulti()
        try multi.add(easy)
        var running = try multi.perform()
        var rounds = 0
        while running > 0 && rounds < 100_000 {
            rounds += 1
            if paused {
                paused = false
                try easy.pause(.resume)
            }
            _ = try multi.select(timeout: 0.1)
            running = try multi.perform()
        }
        #expect(pauseCount == 3)
        #expect(received.body == Nginx.bigBody())
        #expect(try multi.infoRead().succeeded.first === easy)
    }

    @Test("typed raw options are checked against libcurl's option table")
    func rawOptions() throws {
        #expect(CurlEasyOption<String>(rawValue: CurlEasyOption<String>.url.rawValue) != nil)
        #expect(CurlEasyOption<Int>(rawValue: CurlEasyOption<String>.url.rawValue) == nil)
        #expect(CurlEasyOption<Int64>(rawValue: 99_999) == nil)
        #expect(CurlEasyOption<String>.url.name == "URL")
        #expect(CurlInfo<Int>(rawValue: CurlInfo<String?>.effectiveURL.rawValue) == nil)
    }
}
}

extension LibCurlSuites {
@Suite("CurlEasy option and callback edge cases")
struct CurlEasyEdgeTests {
    @Test("NOSIGNAL cannot be reached through a raw option number")
    func noSignalStays() {
        #expect(CurlEasyOption<Bool>(rawValue: 99) == nil, "CURLOPT_NOSIGNAL is 99")
        #expect(CurlEasyOption<Int>(rawValue: 99) == nil)
        #expect(CurlEasyOption<Bool>(rawValue: 41) != nil, "CURLOPT_VERBOSE is 41")
    }

    @Test("clearing the write and header functions discards the body instead of crashing")
    func clearedWriteFunctionDiscards() async throws {
        let nginx = try await Nginx.shared()
        let received = Received()
        let easy = try makeEasy(nginx.httpURL("/small"), nginx, into: received)
        try easy.setWriteFunction(nil)
        try easy.setHeaderFunction(nil)
        try easy.perform()
        #expect(received.body.isEmpty)
        #expect(try easy.getinfo(.sizeDownload) == 5)
    }

    @Test("raw info numbers outside their family, or pointers sharing it, are refused")
    func rawInfoRefused() {
        #expect(CurlInfo<String?>(rawValue: 0x100000 + 21) == nil, "CURLINFO_PRIVATE")
        #expect(CurlInfo<[String]>(rawValue: 0x400000 + 43) == nil, "CURLINFO_TLS_SSL_PTR")
        #expect(CurlInfo<[String]>(rawValue: CurlInfo<[String]>.cookieList.rawValue) != nil)
    }
}
}
