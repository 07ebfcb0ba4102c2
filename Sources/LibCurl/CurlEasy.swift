internal import CCurlew

/// One libcurl easy handle: one transfer at a time, configured by typed options. PycURL's `Curl`.
///
/// The corresponding C type is `CURL`; the handle is made with `curl_easy_init`, gets
/// `CURLOPT_NOSIGNAL` and an owned `CURLOPT_ERRORBUFFER` at once (and again after ``reset()``),
/// and is freed with `curl_easy_cleanup` by ``close()`` or when the last reference goes.
///
/// ## Thread safety
/// libcurl is thread-safe but has no internal synchronisation, so one thread uses a handle at a
/// time: the type is not `Sendable`. Inside one of this handle's own callbacks the handle may be
/// used (``pause(_:)``, `getinfo(_:)`); calling ``close()`` or ``perform()`` from there
/// throws. A handle in an active transfer must not be touched from any other thread. NOSIGNAL is
/// always on, since signals do not work in multi-threaded programs.
public final class CurlEasy {
    /// The C handle; `nil` once closed.
    private(set) var handle: UnsafeMutableRawPointer?
    /// `CURL_ERROR_SIZE` bytes owned by this object for `CURLOPT_ERRORBUFFER`; freed in `deinit`,
    /// never before, because libcurl may write to it until `curl_easy_cleanup` returns.
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// Lists handed to libcurl, which reads them for as long as they are set:
    /// `CURLOPT_HTTPHEADER`'s in a slot of its own (nearly every handle sets it, and a
    /// dictionary of one entry took 96 bytes per handle), the others by option.
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var lists: [UInt32: UnsafeMutablePointer<curl_slist>] = [:]
    /// How many of this handle's callbacks are on the stack.
    private var callbackDepth = 0
    /// Whether ``perform()`` is on the stack.
    private(set) var isPerforming = false
    /// How many of this handle's write callbacks are on the stack.
    private(set) var writeCallbackDepth = 0
    /// The WebSocket calls' view, made by ``webSocket()``; told of perform, write callbacks
    /// and close, so that it can enforce the seed's rule on other threads.
    var webSocketView: CurlWebSocket?

    private var writeFunction: ((UnsafeRawBufferPointer) -> CurlWriteAction)?
    private var headerFunction: ((UnsafeRawBufferPointer) -> CurlWriteAction)?
    private var readFunction: ((UnsafeMutableRawBufferPointer) -> CurlReadAction)?
    private var progressFunction: ((CurlProgress) -> Bool)?
    private var seekFunction: ((Int64) -> CurlSeekAction)?
    private var debugFunction: ((CurlDebugType, UnsafeRawBufferPointer) -> Void)?

    /// The multi this handle is in, set by ``CurlMulti/add(_:)`` and cleared on removal; the
    /// multi keeps the handle alive while it is there.
    // unowned, not weak: the multi clears it on every way out (remove, close, a failed add, its
    // deinit), so it never outlives the multi; and a weak one gave each multi a side table that
    // LeakSanitizer cannot trace from its owner, reported as leaked once no handle was in it.
    public private(set) unowned var multi: CurlMulti?
    /// The share this handle uses (`CURLOPT_SHARE`), or `nil`; it is kept alive while attached.
    /// A share's ``CurlShare/close()`` detaches the handle, which then reads `nil` here.
    public var share: CurlShare? {
        guard let attachedShare, !attachedShare.isClosed else { return nil }
        return attachedShare
    }
    /// The share set by ``setShare(_:)``. Only this handle's thread writes it: a closing share
    /// clears `CURLOPT_SHARE` in C and leaves this to read as closed, so no other thread
    /// touches this object's Swift state.
    private var attachedShare: CurlShare?
    /// The share counted as in use (``CurlShare/beginUse()``) while this handle is in a multi.
    private var multiShare: CurlShare?

    /// Makes a handle with `curl_easy_init`, after `curl_global_init` (once per process).
    /// - Throws: ``CurlError`` when libcurl cannot make a handle.
    public init() throws {
        try CurlGlobal.initialize()
        guard let handle = curl_easy_init() else {
            throw CurlError(.failedInit, detail: "curl_easy_init returned NULL")
        }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        applyDefaults(handle)
    }

    deinit {
        // Only reached when no multi holds this handle (a multi keeps its handles alive).
        if let handle {
            webSocketView?.handleClosed()
            attachedShare?.forget(self)
            Self.cleanup(handle)
        }
        freeLists()
        errorBuffer.deallocate()
    }

    /// Whether ``close()`` has run.
    public var isClosed: Bool { handle == nil }

    /// The error buffer's text for the last failure, or empty.
    public var errorDetail: String { String(cString: errorBuffer) }

    /// Options every handle carries: NOSIGNAL (no signals in a threaded process) and our buffer.
    private func applyDefaults(_ handle: UnsafeMutableRawPointer) {
        _ = ccurlew_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = ccurlew_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
    }

    func liveHandle(_ call: String) throws(CurlError) -> UnsafeMutableRawPointer {
        guard let handle else { throw CurlError.closed(call) }
        return handle
    }

    /// Throws for a failed call. Only transfers (`perform`, `pause`) write the error buffer, so
    /// only they read it; other calls say what they were doing.
    func check(_ code: CURLcode, _ what: @autoclosure () -> String, readsErrorBuffer: Bool = false) throws(CurlError) {
        guard code != CURLE_OK else { return }
        let detail = readsErrorBuffer ? errorDetail : ""
        throw CurlError(CurlCode(code), detail: detail.isEmpty ? what() : detail)
    }

    // MARK: - Life cycle

    /// Runs the transfer to its end on this thread. PycURL's `Curl.perform()`.
    ///
    /// The corresponding C function is `curl_easy_perform`.
    /// - Throws: ``CurlError`` with libcurl's code and the error buffer's detail. An HTTP error
    ///   status is a success unless ``CurlEasyOption/failOnError`` is set.
    public func perform() throws {
        let handle = try liveHandle("perform")
        guard callbackDepth == 0, !isPerforming else {
            throw CurlError(.recursiveAPICall, detail: "cannot invoke perform() from inside this handle's own callback")
        }
        errorBuffer[0] = 0
        isPerforming = true
        webSocketView?.beginPerform()
        // Counted under the share's lock, so a close() on another thread refuses while this
        // runs; when the share closed first, it cleared CURLOPT_SHARE and this runs without it.
        let performingShare = attachedShare
        let counted = performingShare?.beginUse() ?? false
        defer {
            if counted { performingShare?.endUse() }
            webSocketView?.endPerform()
            isPerforming = false
        }
        try check(curl_easy_perform(handle), "curl_easy_perform failed", readsErrorBuffer: true)
    }

    /// Pauses or resumes the transfer in the given directions. PycURL's `Curl.pause(bitmask)`.
    ///
    /// The corresponding C function is `curl_easy_pause`. Resuming may deliver held data to the
    /// callbacks before this call returns.
    /// - Throws: ``CurlError`` when libcurl refuses (for example with no connection).
    public func pause(_ directions: CurlPause) throws {
        let handle = try liveHandle("pause")
        errorBuffer[0] = 0
        try check(curl_easy_pause(handle, directions.rawValue), "curl_easy_pause failed", readsErrorBuffer: true)
    }

    /// Sets every option back to its default, keeping live connections, caches and the share.
    /// PycURL's `Curl.reset()`.
    ///
    /// The corresponding C function is `curl_easy_reset`. Callbacks are dropped; NOSIGNAL and
    /// the error buffer are set again.
    public func reset() throws {
        let handle = try liveHandle("reset")
        guard callbackDepth == 0 else {
            throw CurlError(.recursiveAPICall, detail: "cannot invoke reset() from inside this handle's own callback")
        }
        curl_easy_reset(handle)
        applyDefaults(handle)
        freeLists()
        writeFunction = nil
        headerFunction = nil
        readFunction = nil
        progressFunction = nil
        seekFunction = nil
        debugFunction = nil
        errorBuffer[0] = 0
    }

    /// Frees the handle; idempotent, and also run when the last reference goes. PycURL's
    /// `Curl.close()`.
    ///
    /// The corresponding C function is `curl_easy_cleanup`. A handle in a multi is removed from
    /// it first (`curl_multi_remove_handle`, and out of the multi's records), so libcurl never
    /// holds a freed handle; a later ``CurlMulti/remove(_:)`` of it does nothing. A handle
    /// attached to a share is detached.
    /// - Throws: ``CurlError`` with `.recursiveAPICall` from inside this handle's own callback or
    ///   ``perform()``, or ``CurlMultiError`` when its multi refuses the removal (with
    ///   `.recursiveAPICall` from inside that multi's socket or timer function); the handle then
    ///   stays open and in its multi.
    public func close() throws {
        guard let handle else { return }
        guard callbackDepth == 0, !isPerforming else {
            throw CurlError(.recursiveAPICall, detail: "cannot invoke close() while perform() or a callback of this handle is running")
        }
        // Out of the multi before curl_easy_cleanup: libcurl would keep the freed pointer.
        if let multi { try multi.remove(self) }
        webSocketView?.handleClosed()
        attachedShare?.forget(self)
        attachedShare = nil
        self.handle = nil
        Self.cleanup(handle)
        freeLists()
        writeFunction = nil
        headerFunction = nil
        readFunction = nil
        progressFunction = nil
        seekFunction = nil
        debugFunction = nil
    }

    /// `curl_easy_cleanup`, with the debug callback unset first: cleanup may log "closing
    /// connection" through it, and this object may be in its `deinit`.
    private static func cleanup(_ handle: UnsafeMutableRawPointer) {
        _ = ccurlew_easy_setopt_long(handle, CURLOPT_VERBOSE, 0)
        _ = ccurlew_easy_setopt_debug_callback(handle, CURLOPT_DEBUGFUNCTION, nil)
        curl_easy_cleanup(handle)
    }

    private func freeLists() {
        curl_slist_free_all(headerList)
        headerList = nil
        for list in lists.values { curl_slist_free_all(list) }
        lists.removeAll()
    }

    // MARK: - Options

    /// Sets a flag option. PycURL's `Curl.setopt(option, bool)`.
    ///
    /// The corresponding C function is `curl_easy_setopt` with a `long` of 0 or 1.
    public func setopt(_ option: CurlEasyOption<Bool>, _ value: Bool) throws {
        let handle = try liveHandle("setopt")
        try check(ccurlew_easy_setopt_long(handle, option.option, value ? 1 : 0), "cannot set option \(option.rawValue)")
    }

    /// Sets a `long` option. PycURL's `Curl.setopt(option, int)`.
    ///
    /// The corresponding C function is `curl_easy_setopt` with a `long`.
    public func setopt(_ option: CurlEasyOption<Int>, _ value: Int) throws {
        let handle = try liveHandle("setopt")
        try check(ccurlew_easy_setopt_long(handle, option.option, value), "cannot set option \(option.rawValue) to \(value)")
    }

    /// Sets a `curl_off_t` option. PycURL's `Curl.setopt(option, int)` for `*_LARGE` options.
    ///
    /// The corresponding C function is `curl_easy_setopt` with a `curl_off_t`.
    public func setopt(_ option: CurlEasyOption<Int64>, _ value: Int64) throws {
        let handle = try liveHandle("setopt")
        try check(ccurlew_easy_setopt_off_t(handle, option.option, curl_off_t(value)), "cannot set option \(option.rawValue) to \(value)")
    }

    /// Sets a string option, or back to its default with `nil`. PycURL's `Curl.setopt(option, str)`
    /// and `Curl.unsetopt(option)`.
    ///
    /// The corresponding C function is `curl_easy_setopt` with a `char *`, which libcurl copies.
    /// - Throws: ``CurlError`` with `.badFunctionArgument` when the string holds a NUL byte (it
    ///   would be cut there), or libcurl's code when it rejects the value.
    public func setopt(_ option: CurlEasyOption<String>, _ value: String?) throws {
        let handle = try liveHandle("setopt")
        guard let value else {
            try check(ccurlew_easy_setopt_string(handle, option.option, nil), "cannot unset option \(option.rawValue)")
            return
        }
        guard !value.utf8.contains(0) else {
            throw CurlError(.badFunctionArgument, detail: "the value for option \(option.name ?? "\(option.rawValue)") contains a NUL byte")
        }
        // withCString: a native string lends its own bytes (libcurl copies them); the implicit
        // String-to-pointer conversion made a copy per call.
        let code = value.withCString { ccurlew_easy_setopt_string(handle, option.option, $0) }
        try check(code, "cannot set option \(option.name ?? "\(option.rawValue)")")
    }

    /// Sets a list option (request headers, resolve entries, …); an empty list unsets it.
    /// PycURL's `Curl.setopt(option, list)`.
    ///
    /// The corresponding C function is `curl_easy_setopt` with a `struct curl_slist *`, which
    /// libcurl does not copy: this handle keeps the list until it is replaced, reset or closed.
    public func setopt(_ option: CurlEasyOption<[String]>, _ value: [String]) throws {
        let handle = try liveHandle("setopt")
        let list = try CurlSList(value).take()
        let code = ccurlew_easy_setopt_slist(handle, option.option, list)
        guard code == CURLE_OK else {
            curl_slist_free_all(list)
            try check(code, "cannot set list option \(option.rawValue)")
            return
        }
        let old: UnsafeMutablePointer<curl_slist>?
        if option.option == CURLOPT_HTTPHEADER {
            old = headerList
            headerList = list
        } else {
            old = lists.removeValue(forKey: option.rawValue)
            if let list { lists[option.rawValue] = list }
        }
        curl_slist_free_all(old)
    }

    /// Sets a blob option (certificates and keys in memory). PycURL's `Curl.setopt(option, bytes)`.
    ///
    /// The corresponding C function is `curl_easy_setopt` with a `struct curl_blob *` flagged
    /// `CURL_BLOB_COPY`.
    public func setopt(_ option: CurlEasyOption<[UInt8]>, _ value: [UInt8]) throws {
        let handle = try liveHandle("setopt")
        let code = value.withUnsafeBytes { ccurlew_easy_setopt_blob(handle, option.option, $0.baseAddress, $0.count) }
        try check(code, "cannot set blob option \(option.rawValue)")
    }

    /// Attaches this handle to a share, or detaches it with `nil`. PycURL's
    /// `Curl.setopt(pycurl.SHARE, share)`.
    ///
    /// The corresponding C function is `curl_easy_setopt(CURLOPT_SHARE)`.
    /// - Throws: ``CurlShareError`` with `.invalid` when the share is closed; ``CurlError`` with
    ///   `.badFunctionArgument` while this handle is in a ``CurlMulti`` (libcurl chose its
    ///   caches at add: remove it first), `.recursiveAPICall` inside ``perform()``, or libcurl's
    ///   code when it refuses.
    public func setShare(_ newShare: CurlShare?) throws {
        let handle = try liveHandle("setShare")
        // Nothing to change: the same open share, or none asked for and none set.
        if newShare === share && (newShare != nil || attachedShare == nil) { return }
        // The share counted as in use by the multi membership or the perform must stay the one
        // libcurl uses until they end.
        guard multi == nil else {
            throw CurlError(.badFunctionArgument, detail: "cannot change the share of a CurlEasy in a CurlMulti: remove it first")
        }
        guard !isPerforming else {
            throw CurlError(.recursiveAPICall, detail: "cannot change the share of a CurlEasy inside perform()")
        }
        try newShare?.attach(self) {
            let code = ccurlew_easy_setopt_share(handle, $0)
            guard code == CURLE_OK else { throw CurlError(CurlCode(code), detail: "cannot set CURLOPT_SHARE") }
        }
        if newShare == nil {
            try check(ccurlew_easy_setopt_share(handle, nil), "cannot clear CURLOPT_SHARE")
        }
        attachedShare?.forget(self)
        attachedShare = newShare
    }

    /// Records that ``CurlMulti/add(_:)`` put this handle in `multi`, and counts the share as in
    /// use until ``leftMulti()``.
    func enteredMulti(_ multi: CurlMulti) {
        self.multi = multi
        if let attachedShare, attachedShare.beginUse() { multiShare = attachedShare }
    }

    /// Records that this handle left its multi (removed, or the multi closed or went away).
    func leftMulti() {
        multi = nil
        multiShare?.endUse()
        multiShare = nil
    }

    // MARK: - Callbacks

    /// Stores a callback and points libcurl at its trampoline (`setFunction`, which returns the
    /// setopt result), then at this handle as its `data` option: the steps every set*Function
    /// shares. `name` is the option family for the error text (`WRITE` for CURLOPT_WRITEFUNCTION).
    private func bindCallback(_ call: String, _ name: String, data: CURLoption,
                              _ setFunction: (UnsafeMutableRawPointer) -> CURLcode) throws {
        let handle = try liveHandle(call)
        try check(setFunction(handle), "cannot set CURLOPT_\(name)FUNCTION")
        try check(ccurlew_easy_setopt_pointer(handle, data, opaqueSelf), "cannot set CURLOPT_\(name)DATA")
    }

    /// Sets the function that receives body bytes; `nil` discards them. (A handle that never had
    /// one set writes to stdout, libcurl's default.) PycURL's `setopt(WRITEFUNCTION, f)`.
    ///
    /// The corresponding C options are `CURLOPT_WRITEFUNCTION` and `CURLOPT_WRITEDATA`.
    public func setWriteFunction(_ function: ((UnsafeRawBufferPointer) -> CurlWriteAction)?) throws {
        try bindCallback("setWriteFunction", "WRITE", data: CURLOPT_WRITEDATA) { handle in
            writeFunction = function
            return ccurlew_easy_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION, curlewWriteCallback)
        }
    }

    /// Sets the function that receives each response head line (status line included, CRLF
    /// kept); `nil` discards them. PycURL's `setopt(HEADERFUNCTION, f)`.
    ///
    /// The corresponding C options are `CURLOPT_HEADERFUNCTION` and `CURLOPT_HEADERDATA`.
    public func setHeaderFunction(_ function: ((UnsafeRawBufferPointer) -> CurlWriteAction)?) throws {
        try bindCallback("setHeaderFunction", "HEADER", data: CURLOPT_HEADERDATA) { handle in
            headerFunction = function
            return ccurlew_easy_setopt_write_callback(handle, CURLOPT_HEADERFUNCTION, curlewHeaderCallback)
        }
    }

    /// Sets the function that fills upload buffers; with `nil` an upload aborts. PycURL's
    /// `setopt(READFUNCTION, f)`.
    ///
    /// The corresponding C options are `CURLOPT_READFUNCTION` and `CURLOPT_READDATA`.
    public func setReadFunction(_ function: ((UnsafeMutableRawBufferPointer) -> CurlReadAction)?) throws {
        try bindCallback("setReadFunction", "READ", data: CURLOPT_READDATA) { handle in
            readFunction = function
            return ccurlew_easy_setopt_read_callback(handle, CURLOPT_READFUNCTION, curlewReadCallback)
        }
    }

    /// Sets the function libcurl calls to move the upload back to an offset from the body's
    /// start, to send it again (a 307/308 redirect, an authentication round, a retried
    /// connection); `nil` leaves libcurl unable to rewind. PycURL's `setopt(SEEKFUNCTION, f)`.
    ///
    /// The corresponding C options are `CURLOPT_SEEKFUNCTION` and `CURLOPT_SEEKDATA`.
    public func setSeekFunction(_ function: ((Int64) -> CurlSeekAction)?) throws {
        try bindCallback("setSeekFunction", "SEEK", data: CURLOPT_SEEKDATA) { handle in
            seekFunction = function
            return ccurlew_easy_setopt_seek_callback(handle, CURLOPT_SEEKFUNCTION, function == nil ? nil : curlewSeekCallback)
        }
    }

    /// Sets the progress function, which returns `false` to abort with
    /// ``CurlCode/abortedByCallback``; setting one turns `CURLOPT_NOPROGRESS` off, `nil` turns
    /// it back on. PycURL's `setopt(XFERINFOFUNCTION, f)`.
    ///
    /// The corresponding C options are `CURLOPT_XFERINFOFUNCTION` and `CURLOPT_XFERINFODATA`.
    public func setProgressFunction(_ function: ((CurlProgress) -> Bool)?) throws {
        let handle = try liveHandle("setProgressFunction")
        progressFunction = function
        try check(ccurlew_easy_setopt_xferinfo_callback(handle, CURLOPT_XFERINFOFUNCTION, function == nil ? nil : curlewProgressCallback), "cannot set CURLOPT_XFERINFOFUNCTION")
        try check(ccurlew_easy_setopt_pointer(handle, CURLOPT_XFERINFODATA, function == nil ? nil : opaqueSelf), "cannot set CURLOPT_XFERINFODATA")
        try check(ccurlew_easy_setopt_long(handle, CURLOPT_NOPROGRESS, function == nil ? 1 : 0), "cannot set CURLOPT_NOPROGRESS")
    }

    /// Sets the debug function, which sees libcurl's trace; setting one turns `CURLOPT_VERBOSE`
    /// on, `nil` turns it off. PycURL's `setopt(DEBUGFUNCTION, f)`.
    ///
    /// The corresponding C options are `CURLOPT_DEBUGFUNCTION` and `CURLOPT_DEBUGDATA`.
    public func setDebugFunction(_ function: ((CurlDebugType, UnsafeRawBufferPointer) -> Void)?) throws {
        let handle = try liveHandle("setDebugFunction")
        debugFunction = function
        try check(ccurlew_easy_setopt_debug_callback(handle, CURLOPT_DEBUGFUNCTION, function == nil ? nil : curlewDebugCallback), "cannot set CURLOPT_DEBUGFUNCTION")
        try check(ccurlew_easy_setopt_pointer(handle, CURLOPT_DEBUGDATA, function == nil ? nil : opaqueSelf), "cannot set CURLOPT_DEBUGDATA")
        try check(ccurlew_easy_setopt_long(handle, CURLOPT_VERBOSE, function == nil ? 0 : 1), "cannot set CURLOPT_VERBOSE")
    }

    /// The pointer handed to libcurl as callback data. Unretained: libcurl calls back only from
    /// inside calls on this handle or on the multi holding it (which keeps it alive), and
    /// `close()`/`reset()`/`deinit` end every registration before the object can go.
    private var opaqueSelf: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    /// Runs `body` marked as inside one of this handle's callbacks.
    @inline(__always)
    private func inCallback<R>(_ body: () -> R) -> R {
        callbackDepth += 1
        defer { callbackDepth -= 1 }
        return body()
    }

    fileprivate func deliverWrite(_ bytes: UnsafeRawBufferPointer, header: Bool) -> Int {
        guard let function = header ? headerFunction : writeFunction else { return bytes.count }  // discarded
        let action: CurlWriteAction
        if header {
            action = inCallback { function(bytes) }
        } else {
            writeCallbackDepth += 1
            webSocketView?.enterWriteCallback()
            action = inCallback { function(bytes) }
            webSocketView?.leaveWriteCallback()
            writeCallbackDepth -= 1
        }
        switch action {
        case .proceed: return bytes.count
        case .pause: return Int(CURL_WRITEFUNC_PAUSE)
        case .abort: return bytes.count == 0 ? 1 : 0
        }
    }

    fileprivate func deliverRead(_ buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard let readFunction else { return Int(CURL_READFUNC_ABORT) }
        switch inCallback({ readFunction(buffer) }) {
        case .bytes(let count) where count >= 0 && count <= buffer.count: return count
        case .bytes: return Int(CURL_READFUNC_ABORT)  // a count outside the buffer is a bug: never let libcurl read past it
        case .pause: return Int(CURL_READFUNC_PAUSE)
        case .abort: return Int(CURL_READFUNC_ABORT)
        }
    }

    fileprivate func deliverSeek(_ offset: Int64) -> Int32 {
        guard let seekFunction else { return Int32(CURL_SEEKFUNC_CANTSEEK) }
        switch inCallback({ seekFunction(offset) }) {
        case .ok: return Int32(CURL_SEEKFUNC_OK)
        case .fail: return Int32(CURL_SEEKFUNC_FAIL)
        case .cantSeek: return Int32(CURL_SEEKFUNC_CANTSEEK)
        }
    }

    fileprivate func deliverProgress(_ progress: CurlProgress) -> Int32 {
        guard let progressFunction else { return 0 }
        return inCallback({ progressFunction(progress) }) ? 0 : 1
    }

    fileprivate func deliverDebug(_ type: CurlDebugType, _ bytes: UnsafeRawBufferPointer) {
        guard let debugFunction else { return }
        inCallback { debugFunction(type, bytes) }
    }

}

// The C trampolines. Each receives the unretained `CurlEasy` given as its DATA option (see
// `opaqueSelf`) and only borrows it for the call, without retaining it
// (`_withUnsafeGuaranteedRef`). That is safe because libcurl calls them only from inside a call
// that holds a strong reference for its whole length: this handle's `perform()` (on `self`), or
// a multi's `socketAction`/`perform` while the handle is in it (the multi's table of handles);
// and neither reference can go during the callback, since `close()` and `CurlMulti.remove(_:)`
// refuse to run inside one. (A retain here cost 1 % of all CPU samples at h1 C=16, when the
// share's weak references still gave each handle a side table.)

private let curlewWriteCallback: curl_write_callback = { data, size, count, userdata in
    guard let userdata else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: data, count: size * count)
    return Unmanaged<CurlEasy>.fromOpaque(userdata)._withUnsafeGuaranteedRef { $0.deliverWrite(bytes, header: false) }
}

private let curlewHeaderCallback: curl_write_callback = { data, size, count, userdata in
    guard let userdata else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: data, count: size * count)
    return Unmanaged<CurlEasy>.fromOpaque(userdata)._withUnsafeGuaranteedRef { $0.deliverWrite(bytes, header: true) }
}

private let curlewReadCallback: curl_read_callback = { data, size, count, userdata in
    guard let userdata else { return Int(CURL_READFUNC_ABORT) }
    let buffer = UnsafeMutableRawBufferPointer(start: data, count: size * count)
    return Unmanaged<CurlEasy>.fromOpaque(userdata)._withUnsafeGuaranteedRef { $0.deliverRead(buffer) }
}

private let curlewSeekCallback: curl_seek_callback = { userdata, offset, origin in
    // libcurl only ever seeks from the start (SEEK_SET).
    guard let userdata, origin == SEEK_SET else { return Int32(CURL_SEEKFUNC_CANTSEEK) }
    return Unmanaged<CurlEasy>.fromOpaque(userdata)._withUnsafeGuaranteedRef { $0.deliverSeek(Int64(offset)) }
}

private let curlewProgressCallback: curl_xferinfo_callback = { userdata, downloadTotal, downloadNow, uploadTotal, uploadNow in
    guard let userdata else { return 0 }
    let progress = CurlProgress(downloadTotal: Int64(downloadTotal), downloadNow: Int64(downloadNow),
                                uploadTotal: Int64(uploadTotal), uploadNow: Int64(uploadNow))
    return Unmanaged<CurlEasy>.fromOpaque(userdata)._withUnsafeGuaranteedRef { $0.deliverProgress(progress) }
}

private let curlewDebugCallback: curl_debug_callback = { _, type, data, size, userdata in
    guard let userdata, let kind = CurlDebugType(rawValue: Int(type.rawValue)) else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    Unmanaged<CurlEasy>.fromOpaque(userdata)._withUnsafeGuaranteedRef { $0.deliverDebug(kind, bytes) }
    return 0
}
