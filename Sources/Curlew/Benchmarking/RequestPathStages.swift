public import HTTPTypes
internal import LibCurl
internal import Logging

/// The stages of one request on its hot path, each runnable on its own and without the
/// network, for the micro-benchmarks in `Benchmarks/` (wall time and allocations per request).
/// Not API: it exists so that what the benchmarks time is the code requests run, not a copy.
/// Each instance is bound to the thread that made it, as a loop's objects are to the loop's.
@_spi(Benchmarking)
public final class RequestPathStages {
    private let client: HTTPClient
    private let loop: EventLoop
    private let share: CurlShare
    private let easy: CurlEasy
    private let resumptions: Resumptions
    private var shape: EasyShape?
    /// The calling thread stands in for the loop's: the stages run loop-confined code, and the
    /// debug checks hold them to one thread as they hold the loop.
    private let thread = LoopThread()
    private let callbacks: EasyCallbacks
    private let logger = Logger(label: "curlew-benchmark", factory: { _ in SwiftLogNoOpLogHandler() })
    private let headLines: [[UInt8]]

    /// Stages that use `client`'s configuration, its first loop (only as the owner of the
    /// continuations' batch; nothing is sent to it) and its share handle.
    /// - Throws: ``HTTPClientError`` when the client did not start, or no easy handle can be made.
    public init(client: HTTPClient) throws {
        guard let engine = client.engine, let loop = engine.loops.first else { throw HTTPClientError.shutdown }
        let share = engine.share
        thread.claim()
        callbacks = EasyCallbacks(thread: thread)
        self.client = client
        self.loop = loop
        self.share = share
        do {
            easy = try CurlEasy()
        } catch {
            throw HTTPClientError(.other, "cannot make an easy handle", detail: "\(error)")
        }
        resumptions = Resumptions(loop: loop, thread: thread)
        // The head nginx sends for its 5-byte /small, as libcurl hands it over: line by line.
        headLines = [
            "HTTP/1.1 200 OK\r\n", "Server: nginx/1.22.1\r\n", "Date: Wed, 25 Nov 2026 16:00:00 GMT\r\n",
            "Content-Type: text/plain\r\n", "Content-Length: 5\r\n", "Connection: keep-alive\r\n", "\r\n",
        ].map { Array($0.utf8) }
    }

    /// Setup from an `HTTPRequest`: validation and the transfer's request (as `execute` does),
    /// the shared and loop halves of the transfer, and the easy handle's options: the reused
    /// handle's path when `reuseHandle`, the full setup after `curl_easy_reset` otherwise.
    public func setUp(_ request: HTTPRequest, reuseHandle: Bool) throws {
        let transferRequest = try client.transferRequest(request, body: .none, timeout: nil, redirects: nil)
        let transfer = Transfer(request: transferRequest, logger: logger)
        let loopTransfer = LoopTransfer(transfer: transfer, easy: easy, resumptions: resumptions, callbacks: callbacks)
        do {
            if !reuseHandle, shape != nil {
                try easy.reset()
                shape = nil
            }
            shape = try EasyConfigurator.configure(easy, for: loopTransfer, h2cRole: nil, share: share, previous: shape, callbacks: callbacks)
            // Let go of the transfer, as the loop does when it pools the handle.
            callbacks.transfer.value = nil
        } catch {
            throw HTTPClientError(.other, "setup failed", detail: "\(error)")
        }
    }

    /// Header parsing: nginx's head for `/small`, line by line through the parser, into the
    /// `HTTPResponse` handed to the caller. Returns its field count.
    public func parseHead() -> Int {
        var parser = HeadParser()
        var fields = 0
        for line in headLines {
            if let head = line.withUnsafeBytes({ parser.feed($0) }) {
                fields = head.response.headerFields.count
            }
        }
        return fields
    }

    /// Body chunk delivery: `count` chunks of `size` bytes from the write callback's side to
    /// the consumer's, the consumer keeping up (a chunk is taken after each delivery).
    /// Returns the bytes the consumer got.
    public func deliverBody(chunks count: Int, of size: Int, from request: HTTPRequest) throws -> Int {
        let transfer = try streamingTransfer(request)
        let block = [UInt8](repeating: 7, count: size)
        var received = 0
        for _ in 0..<count {
            _ = block.withUnsafeBytes { transfer.deliverBody($0, resumptions) }
            if case let chunk?? = try transfer.readyChunk(on: loop) { received += chunk.count }
        }
        resumptions.run()
        transfer.finish(nil, metrics: nil, resumptions)
        resumptions.run()
        return received
    }

    /// Completion: the metrics read from the easy handle, the transfer finished, its
    /// continuations' batch run, and the consumer seeing the end of the body.
    public func complete(_ request: HTTPRequest) throws -> Bool {
        let transfer = try streamingTransfer(request)
        let metrics = (try? easy.transferInfo()).map { HTTPClientMetrics($0, tlsResumed: nil) }
        transfer.finish(nil, metrics: metrics, resumptions)
        resumptions.run()
        guard case .some(nil) = try transfer.readyChunk(on: loop) else { return false }
        return transfer.metrics != nil
    }

    /// The part of completion that reads the metrics from the easy handle.
    public func readMetrics() -> Double {
        (try? easy.transferInfo()).map { HTTPClientMetrics($0, tlsResumed: nil).total } ?? -1
    }

    /// A transfer whose head has been delivered (no one waits for it).
    private func streamingTransfer(_ request: HTTPRequest) throws -> Transfer {
        let transferRequest = try client.transferRequest(request, body: .none, timeout: nil, redirects: nil)
        let transfer = Transfer(request: transferRequest, logger: logger)
        _ = transfer.start()
        transfer.deliverHead(HeadParser.Head(status: 200, reason: "OK", version: .http1_1, hasLocation: false, rawFields: []), resumptions)
        return transfer
    }
}
