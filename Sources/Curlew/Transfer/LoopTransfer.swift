internal import HTTPTypes
internal import LibCurl

/// A transfer's loop-confined half: the easy handle and what the callbacks track. Made, used
/// and dropped on the loop thread only.
final class LoopTransfer {
    let transfer: Transfer
    let easy: CurlEasy
    var parser = HeadParser()
    /// The last complete head, final or not: used if libcurl ends without following it.
    var lastHead: HeadParser.Head?
    /// Whether the final head was handed to the caller (loop-side copy: no lock per chunk).
    private(set) var headSent = false
    /// Redirect heads skipped so far.
    var redirectsSeen = 0
    /// Body bytes delivered (after decoding).
    var bodyBytes = 0
    /// Set by a callback that aborted the transfer for a reason of ours.
    var failure: HTTPClientError?
    /// Whether the TLS session of the final head's connection was resumed (GnuTLS only).
    var tlsResumed: Bool?
    /// The bytes of a `.bytes` body already handed to libcurl.
    var bodyOffset = 0
    /// The reader of a `.segments` body (files, forms).
    private lazy var segmentReader: SegmentReader? = {
        if case .segments(let segments) = request.body { return SegmentReader(segments) }
        return nil
    }()
    /// Bytes of a `.stream` body handed to libcurl: it can rewind only while none were.
    private var streamedBytes = 0
    /// The cookies fed to the handle, to tell what the response changed.
    var cookiesSent: [HTTPCookieJar.Cookie] = []
    /// When progress was last reported (`ContinuousClock` instant), if it was.
    private var lastProgress: ContinuousClock.Instant?
    /// What the easy handle was set up for.
    var shape: EasyShape?

    /// The loop's batch of continuations to resume once the current libcurl call returns.
    let resumptions: Resumptions

    /// Where the easy handle's callbacks deliver (to this transfer while it runs).
    let callbacks: EasyCallbacks

    init(transfer: Transfer, easy: CurlEasy, resumptions: Resumptions, callbacks: EasyCallbacks) {
        self.transfer = transfer
        self.easy = easy
        self.resumptions = resumptions
        self.callbacks = callbacks
    }

    var request: TransferRequest { transfer.request }

    /// Whether libcurl will follow this head rather than return it.
    func isInterim(_ head: HeadParser.Head) -> Bool {
        if (100..<200).contains(head.status) && head.status != 101 { return true }
        // A 401 that libcurl may answer with credentials (digest, NTLM, any) and send again:
        // held back, and handed over only when its body starts or the transfer ends, since
        // libcurl skips the body of a 401 it answers.
        if head.status == 401, request.authentication?.answersChallenges == true { return true }
        guard let max = request.maxRedirects, head.hasLocation else { return false }
        // libcurl follows every 3xx with a Location except 304.
        return (300..<400).contains(head.status) && head.status != 304 && redirectsSeen <= max
    }


    // MARK: - Callbacks (loop thread, from inside libcurl)

    func headerLine(_ line: UnsafeRawBufferPointer) -> CurlWriteAction {
        guard let head = parser.feed(line) else { return .proceed }
        lastHead = head
        if isInterim(head) {
            if head.hasLocation && (300..<400).contains(head.status) { redirectsSeen += 1 }
            return .proceed
        }
        deliver(head)
        return .proceed
    }

    func deliver(_ head: HeadParser.Head) {
        guard !headSent else { return }
        headSent = true
        var head = head
        if redirectsSeen > 0 {
            // Read only after a redirect: otherwise the URL is the request's own.
            head.redirects = redirectsSeen
            head.finalURL = try? easy.getinfo(.effectiveURL)
        }
        if request.isTLS { tlsResumed = easy.tlsSessionResumed() }
        transfer.deliverHead(head, resumptions)
    }

    func body(_ bytes: UnsafeRawBufferPointer) -> CurlWriteAction {
        if !headSent, let lastHead { deliver(lastHead) }
        if let limit = request.configuration.maxBodySize, bodyBytes + bytes.count > limit {
            failure = HTTPClientError(.bodyTooLarge, "the response body exceeds \(limit) bytes")
            return .abort
        }
        guard transfer.deliverBody(bytes, resumptions) else { return .pause }
        bodyBytes += bytes.count
        return .proceed
    }

    func read(_ buffer: UnsafeMutableRawBufferPointer) -> CurlReadAction {
        switch request.body {
        case .none:
            return .bytes(0)
        case .bytes(let bytes):
            let count = min(buffer.count, bytes.count - bodyOffset)
            bytes.withUnsafeBytes { source in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[bodyOffset..<bodyOffset + count]))
            }
            bodyOffset += count
            return .bytes(count)
        case .segments:
            switch segmentReader?.read(into: buffer) ?? .bytes(0) {
            case .bytes(let count): return .bytes(count)
            case .failed(let error):
                failure = failure ?? error
                return .abort
            }
        case .stream:
            switch transfer.readUpload(into: buffer) {
            case .bytes(let count):
                streamedBytes += count
                return .bytes(count)
            case .pause: return .pause
            case .abort(let error):
                failure = failure ?? error
                return .abort
            }
        }
    }

    /// libcurl wants the body again from `offset` (a 307/308 redirect, an authentication
    /// round, a connection retried): bytes and files go back; a stream only if nothing of it
    /// was read yet.
    func seek(_ offset: Int64) -> CurlSeekAction {
        switch request.body {
        case .none:
            return offset == 0 ? .ok : .fail
        case .bytes(let bytes):
            guard offset >= 0, offset <= Int64(bytes.count) else { return .fail }
            bodyOffset = Int(offset)
            return .ok
        case .segments:
            return segmentReader?.seek(to: offset) == true ? .ok : .fail
        case .stream:
            if offset == 0 && streamedBytes == 0 { return .ok }
            failure = failure ?? HTTPClientError(
                .requestBodyNotReplayable,
                "the request body had to be sent again (a 307/308 redirect or an authentication round), but a stream is read once: send bytes or a file")
            return .fail
        }
    }

    /// libcurl's progress callback: reports to the request's progress closure, at most once per
    /// interval.
    func progress(_ figures: CurlProgress) -> Bool {
        guard let report = request.progress else { return true }
        let now = ContinuousClock.now
        if let lastProgress, now - lastProgress < .milliseconds(request.progressIntervalMS) { return true }
        lastProgress = now
        report(Self.progress(figures))
        return true
    }

    /// The last report, when the transfer succeeded: the final figures, however soon after the
    /// previous report.
    func finalProgress(_ info: CurlTransferInfo?) {
        guard let report = request.progress, let info else { return }
        report(HTTPClientProgress(sent: info.sizeUpload, totalToSend: request.bodyLength > 0 ? request.bodyLength : nil,
                                  received: info.sizeDownload,
                                  totalToReceive: info.contentLengthDownload >= 0 ? info.contentLengthDownload : nil))
    }

    private static func progress(_ figures: CurlProgress) -> HTTPClientProgress {
        HTTPClientProgress(sent: figures.uploadNow, totalToSend: figures.uploadTotal > 0 ? figures.uploadTotal : nil,
                           received: figures.downloadNow, totalToReceive: figures.downloadTotal > 0 ? figures.downloadTotal : nil)
    }

    /// `error` as the caller should see it: libcurl 7.88.1 reports a stream whose HTTP/2
    /// connection went away (GOAWAY, the server gone) before any response as
    /// `CURLE_PARTIAL_FILE`, which is no truncated body but a lost connection.
    func refined(_ error: HTTPClientError) -> HTTPClientError {
        guard error.kind == .truncatedBody, lastHead == nil else { return error }
        return HTTPClientError(.networkError, "the connection closed before any response", detail: error.detail, curlCode: error.curlCode)
    }

    /// libcurl 7.88.1 can report a short HTTP/2 body (RST, GOAWAY) as complete: the failure
    /// when fewer bytes arrived than the head announced.
    func truncation(_ info: CurlTransferInfo?) -> HTTPClientError? {
        guard request.method != .head, let info, info.contentLengthDownload >= 0,
              info.responseCode != 204, info.responseCode != 304
        else { return nil }
        let expected = info.contentLengthDownload, received = info.sizeDownload
        guard received < expected else { return nil }
        return HTTPClientError(.truncatedBody, "the body ended after \(received) of \(expected) bytes")
    }
}
