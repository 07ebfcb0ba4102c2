internal import CCurlew
#if canImport(Glibc)
internal import Glibc
#endif

/// What ``CurlMulti/infoRead(max:)`` returns: PycURL's `(queued, succeeded, failed)`.
public struct CurlInfoReadResult {
    /// Messages still queued after this read.
    public var queued: Int
    /// Handles whose transfer completed with `CURLE_OK` (an HTTP error status included).
    public var succeeded: [CurlEasy]
    /// Handles whose transfer failed, with libcurl's code and the message (the handle's error
    /// buffer, or libcurl's text for the code when the buffer is empty).
    public var failed: [(easy: CurlEasy, code: CurlCode, message: String)]
}

/// The sockets ``CurlMulti/fdset()`` reports, ready for `select`.
public struct CurlFDSet: Sendable, Hashable {
    /// Sockets to watch for reading.
    public var read: [Int32]
    /// Sockets to watch for writing.
    public var write: [Int32]
    /// Sockets to watch for exceptions.
    public var exception: [Int32]
}

/// A libcurl multi handle: many transfers driven together. PycURL's `CurlMulti`.
///
/// The corresponding C type is `CURLM`, made with `curl_multi_init` and freed with
/// `curl_multi_cleanup` by ``close()`` or when the last reference goes. It can be driven by
/// ``perform()`` with ``select(timeout:)``, or by ``socketAction(_:events:)`` fed by the socket
/// and timer functions (`setopt(_:_:)`).
///
/// ``add(_:)`` keeps an easy handle alive until it is removed. ``close()`` removes every handle,
/// and closes them too when the multi was made with `closeHandles: true`.
///
/// ## Thread safety
/// One thread uses a multi, and the easy handles in it, at a time: the type is not `Sendable`.
/// Inside this multi's own socket or timer function, ``infoRead(max:)``, ``assign(_:_:)``,
/// ``unassign(_:)`` and ``isClosed`` may be called (``infoRead(max:)`` returns what
/// `curl_multi_info_read` returns there, which may be nothing while libcurl is inside the call);
/// ``close()``, ``perform()``, ``socketAction(_:events:)``, ``socketAll()``, ``add(_:)`` and
/// ``remove(_:)`` throw ``CurlMultiError`` with `.recursiveAPICall` and leave the multi as it
/// was. From an easy handle's callback during a driving call, ``infoRead(max:)`` throws too.
public final class CurlMulti {
    /// The socket function: `(what, socket, easy, socketData)`. `easy` is `nil` when libcurl
    /// acts for one of its own internal handles; `socketData` is what ``assign(_:_:)`` set.
    public typealias SocketFunction = (_ what: CurlPoll, _ socket: Int32, _ easy: CurlEasy?, _ socketData: AnyObject?) -> Void
    /// The timer function: the milliseconds until libcurl wants a timeout action, or -1 to stop
    /// the timer.
    public typealias TimerFunction = (_ timeoutMS: Int) -> Void

    /// `CURL_SOCKET_TIMEOUT`: the socket to pass to ``socketAction(_:events:)`` when the timer fires.
    public static let socketTimeout: Int32 = -1

    /// PycURL's `close_handles`: whether ``close()`` also closes the handles it removes.
    public let closeHandles: Bool

    /// The C handle; `nil` once closed.
    private(set) var handle: UnsafeMutableRawPointer?
    /// The handles in this multi, by their C handle: they are kept alive while here.
    private var easies: [UnsafeMutableRawPointer: CurlEasy] = [:]
    /// The objects assigned to sockets, kept alive until unassigned, replaced, the socket is
    /// removed, or the multi is closed. libcurl holds the unretained pointer; we look objects up
    /// here rather than dereference it.
    private var assignments: [Int32: AnyObject] = [:]
    private var socketFunction: SocketFunction?
    private var timerFunction: TimerFunction?
    /// How many of this multi's socket or timer functions, or driving calls (`perform`,
    /// `socketAction`, `socketAll`, whose easy-handle callbacks may call back into us), are on
    /// the stack.
    private var callbackDepth = 0
    /// How many of those are socket or timer functions (the driving calls throw inside one, so
    /// none of their easy callbacks runs nested in it).
    private var functionDepth = 0

    /// Makes a multi handle with `curl_multi_init`.
    ///
    /// - Parameter closeHandles: PycURL's `close_handles`: whether ``close()`` closes the easy
    ///   handles it removes (they are always removed).
    /// - Throws: ``CurlError`` when libcurl cannot initialise, ``CurlMultiError`` when it cannot
    ///   make the handle.
    public init(closeHandles: Bool = false) throws {
        try CurlGlobal.initialize()
        guard let handle = curl_multi_init() else {
            throw CurlMultiError(.outOfMemory, detail: "curl_multi_init returned NULL")
        }
        self.closeHandles = closeHandles
        self.handle = handle
    }

    deinit {
        guard let handle else { return }
        // The functions are not called from here: this object is going away.
        _ = ccurlew_multi_setopt_socket_callback(handle, nil)
        _ = ccurlew_multi_setopt_timer_callback(handle, nil)
        for (easyHandle, easy) in easies {
            easy.leftMulti()  // first: an unowned reference to a multi in deinit must not be read
            _ = curl_multi_remove_handle(handle, easyHandle)
            if closeHandles { try? easy.close() }
        }
        _ = curl_multi_cleanup(handle)
    }

    /// Whether ``close()`` has run.
    public var isClosed: Bool { handle == nil }

    /// How many easy handles are in this multi.
    public var count: Int { easies.count }

    private func liveHandle(_ call: String) throws(CurlMultiError) -> UnsafeMutableRawPointer {
        guard let handle else { throw CurlMultiError(.badHandle, detail: "cannot invoke \(call)(): the CurlMulti is closed") }
        return handle
    }

    /// The handle, for a call that libcurl forbids from inside this multi's callbacks.
    private func outsideCallbacks(_ call: String) throws(CurlMultiError) -> UnsafeMutableRawPointer {
        let handle = try liveHandle(call)
        guard callbackDepth == 0 else {
            throw CurlMultiError(.recursiveAPICall, detail: "cannot invoke \(call)() while perform()/socketAction() or a socket or timer function of this CurlMulti is running")
        }
        return handle
    }

    /// The handle, for `infoRead`: allowed outside callbacks and inside this multi's socket and
    /// timer functions (PycURL's rule), not from an easy callback inside a driving call, where
    /// libcurl may be in the middle of the message list.
    private func outsideCallbacksOrInFunction(_ call: String) throws(CurlMultiError) -> UnsafeMutableRawPointer {
        if functionDepth > 0 { return try liveHandle(call) }
        return try outsideCallbacks(call)
    }

    private func check(_ code: CURLMcode, _ what: @autoclosure () -> String) throws(CurlMultiError) {
        guard code != CURLM_OK else { return }
        throw CurlMultiError(CurlMultiCode(code), detail: what())
    }

    // MARK: - Handles

    /// Adds an easy handle; the multi keeps it alive until it is removed. PycURL's `add_handle`.
    ///
    /// The corresponding C function is `curl_multi_add_handle`.
    /// - Throws: ``CurlMultiError``: `.badEasyHandle` for a closed handle, `.addedAlready` for
    ///   one in a multi, `.recursiveAPICall` from inside a callback.
    public func add(_ easy: CurlEasy) throws {
        let handle = try outsideCallbacks("add")
        guard let easyHandle = easy.handle else {
            throw CurlMultiError(.badEasyHandle, detail: "cannot add a closed CurlEasy")
        }
        guard easy.multi == nil else {
            throw CurlMultiError(.addedAlready, detail: "the CurlEasy is already in a CurlMulti")
        }
        // Recorded before the call: add_handle runs the timer function synchronously.
        easies[easyHandle] = easy
        easy.enteredMulti(self)
        let code = curl_multi_add_handle(handle, easyHandle)
        if code != CURLM_OK {
            easies[easyHandle] = nil
            easy.leftMulti()
            throw CurlMultiError(CurlMultiCode(code), detail: "curl_multi_add_handle failed")
        }
    }

    /// Removes an easy handle, leaving it open. PycURL's `remove_handle`.
    ///
    /// The corresponding C function is `curl_multi_remove_handle`. Removing a closed handle does
    /// nothing, as in PycURL: ``CurlEasy/close()`` has already removed it from its multi.
    /// - Throws: ``CurlMultiError``: `.badEasyHandle` when an open handle is not in this multi,
    ///   `.recursiveAPICall` from inside a callback, `.badHandle` when this multi is closed.
    public func remove(_ easy: CurlEasy) throws {
        let handle = try outsideCallbacks("remove")
        // A closed easy is in no multi: its close() removed it before freeing the C handle, so
        // there is no record left here and nothing for libcurl to drop.
        guard let easyHandle = easy.handle else { return }
        guard easies[easyHandle] === easy else {
            throw CurlMultiError(.badEasyHandle, detail: "the CurlEasy is not in this CurlMulti")
        }
        try check(curl_multi_remove_handle(handle, easyHandle), "curl_multi_remove_handle failed")
        easies[easyHandle] = nil
        easy.leftMulti()
    }

    /// Whether `easy` is in this multi.
    public func contains(_ easy: CurlEasy) -> Bool {
        guard let easyHandle = easy.handle else { return false }
        return easies[easyHandle] === easy
    }

    /// The handle for a C easy handle libcurl passed us, or `nil` for one of its internal ones.
    func easy(for easyHandle: UnsafeMutableRawPointer?) -> CurlEasy? {
        easyHandle.flatMap { easies[$0] }
    }

    /// Removes every handle and frees the multi; idempotent, and also run when the last
    /// reference goes (without calling the socket and timer functions then). PycURL's
    /// `CurlMulti.close()`.
    ///
    /// The corresponding C function is `curl_multi_cleanup`, after `curl_multi_remove_handle`
    /// for each handle. With `closeHandles` the removed handles are closed.
    /// - Throws: ``CurlMultiError`` with `.recursiveAPICall` from inside this multi's socket or
    ///   timer function; the multi then stays open.
    public func close() throws {
        guard handle != nil else { return }
        let handle = try outsideCallbacks("close")
        for (easyHandle, easy) in easies {
            _ = curl_multi_remove_handle(handle, easyHandle)
            easy.leftMulti()
        }
        let removed = Array(easies.values)
        easies.removeAll()
        if closeHandles {
            for easy in removed { try? easy.close() }
        }
        // The functions may still see CURL_POLL_REMOVE for cached connections here.
        _ = curl_multi_cleanup(handle)
        self.handle = nil
        assignments.removeAll()
        socketFunction = nil
        timerFunction = nil
    }

    // MARK: - Driving transfers

    /// Runs whatever can run now without waiting. PycURL's `perform()`.
    ///
    /// The corresponding C function is `curl_multi_perform`.
    /// - Returns: How many transfers are still running.
    public func perform() throws -> Int {
        try drive("perform") { curl_multi_perform($0, &$1) }
    }

    /// Runs one of the driving calls, marked as on the stack (easy callbacks it runs may call
    /// back into this multi), and returns libcurl's running count.
    private func drive(_ call: String, _ body: (UnsafeMutableRawPointer, inout Int32) -> CURLMcode) throws -> Int {
        let handle = try outsideCallbacks(call)
        var running: Int32 = 0
        callbackDepth += 1
        defer { callbackDepth -= 1 }
        try check(body(handle, &running), "\(call) failed")
        return Int(running)
    }

    /// Tells libcurl that `socket` had `events`, or, with ``socketTimeout``, that its timer
    /// fired. PycURL's `socket_action(sock_fd, ev_bitmask)`.
    ///
    /// The corresponding C function is `curl_multi_socket_action`.
    /// - Returns: How many transfers are still running. A drop does not say which transfer
    ///   finished: read ``infoRead(max:)``.
    public func socketAction(_ socket: Int32, events: CurlSelect) throws -> Int {
        try drive("socketAction") { curl_multi_socket_action($0, socket, events.rawValue, &$1) }
    }

    /// Acts on every socket. PycURL's `socket_all()`.
    ///
    /// The corresponding C function is `curl_multi_socket_all` (deprecated in libcurl).
    /// - Returns: How many transfers are still running.
    public func socketAll() throws -> Int {
        try drive("socketAll") { ccurlew_multi_socket_all($0, &$1) }
    }

    /// Reads up to `max` completion messages. PycURL's `info_read([max_objects])`.
    ///
    /// The corresponding C function is `curl_multi_info_read`. Handles stay in the multi:
    /// remove them to reuse them. It may be called from inside this multi's socket and timer
    /// functions, and returns what libcurl returns there.
    /// - Throws: ``CurlMultiError`` with `.badFunctionArgument` when `max` is not greater than
    ///   zero (PycURL: "argument to info_read must be greater than zero"); nothing is read then.
    ///   `.recursiveAPICall` from an easy handle's callback inside ``perform()``,
    ///   ``socketAction(_:events:)`` or ``socketAll()``.
    public func infoRead(max: Int = 1000) throws -> CurlInfoReadResult {
        guard max > 0 else {
            throw CurlMultiError(.badFunctionArgument, detail: "infoRead(max:) needs a max greater than zero, not \(max)")
        }
        let handle = try outsideCallbacksOrInFunction("infoRead")
        var result = CurlInfoReadResult(queued: 0, succeeded: [], failed: [])
        var read = 0
        while read < max {
            var queued: Int32 = 0
            guard let message = curl_multi_info_read(handle, &queued) else {
                result.queued = 0
                break
            }
            result.queued = Int(queued)
            guard let finished = finished(message) else { continue }
            read += 1
            if finished.code == .ok {
                result.succeeded.append(finished.easy)
            } else {
                result.failed.append(finished)
            }
        }
        return result
    }

    /// Reads the completion messages one at a time until none is queued, handing each
    /// finished transfer to `body` (with libcurl's code, and the message when it failed) before
    /// the next is read: ``infoRead(max:)`` without collecting them, for a loop that reads after
    /// every event. `body` may remove the handle, as libcurl's own examples do between reads,
    /// and may close the multi: the reading then stops.
    ///
    /// The corresponding C function is `curl_multi_info_read`.
    /// - Throws: ``CurlMultiError`` as ``infoRead(max:)`` does, before the first read.
    public func forEachFinished(_ body: (CurlEasy, CurlCode, String) -> Void) throws(CurlMultiError) {
        var handle = try outsideCallbacksOrInFunction("forEachFinished")
        while true {
            var queued: Int32 = 0
            guard let message = curl_multi_info_read(handle, &queued) else { return }
            if let finished = finished(message) { body(finished.easy, finished.code, finished.message) }
            // `body` may have closed the multi.
            guard let live = try? outsideCallbacksOrInFunction("forEachFinished") else { return }
            handle = live
        }
    }

    /// A `CURLMSG_DONE` message of one of this multi's handles, as the handle, libcurl's code
    /// and, when it failed, the message (the handle's error buffer, or libcurl's text for the
    /// code); `nil` for any other message.
    private func finished(_ message: UnsafeMutablePointer<CURLMsg>) -> (easy: CurlEasy, code: CurlCode, message: String)? {
        guard message.pointee.msg == CURLMSG_DONE, let easy = easy(for: message.pointee.easy_handle) else { return nil }
        let code = CurlCode(message.pointee.data.result)
        guard code != .ok else { return (easy, code, "") }
        let detail = easy.errorDetail
        return (easy, code, detail.isEmpty ? code.message : detail)
    }

    /// How long until libcurl wants ``socketAction(_:events:)`` with ``socketTimeout`` (or
    /// ``perform()``), in milliseconds; -1 when it has no timeout. PycURL's `timeout()`.
    ///
    /// The corresponding C function is `curl_multi_timeout`.
    public func timeout() throws -> Int {
        let handle = try liveHandle("timeout")
        var milliseconds = -1
        try check(curl_multi_timeout(handle, &milliseconds), "curl_multi_timeout failed")
        return milliseconds
    }

    /// The sockets to wait on before the next ``perform()``. PycURL's `fdset()`.
    ///
    /// The corresponding C function is `curl_multi_fdset`. Sockets numbered `FD_SETSIZE` (1024)
    /// or more are not reported; drive such a multi with ``socketAction(_:events:)``.
    public func fdset() throws -> CurlFDSet {
        var (readSet, writeSet, exceptionSet, maxFD) = try cFDSets("fdset")
        var result = CurlFDSet(read: [], write: [], exception: [])
        guard maxFD >= 0 else { return result }
        for fd in 0...maxFD {
            if ccurlew_fd_isset(fd, &readSet) != 0 { result.read.append(fd) }
            if ccurlew_fd_isset(fd, &writeSet) != 0 { result.write.append(fd) }
            if ccurlew_fd_isset(fd, &exceptionSet) != 0 { result.exception.append(fd) }
        }
        return result
    }

    /// PycURL's bound on a `select` timeout: 365 days, in seconds (exclusive).
    private static let selectTimeoutLimit = 365.0 * 86_400

    /// `curl_multi_fdset` into fresh sets, with the highest socket (-1 for none).
    private func cFDSets(_ call: String) throws -> (fd_set, fd_set, fd_set, Int32) {
        let handle = try liveHandle(call)
        var readSet = fd_set(), writeSet = fd_set(), exceptionSet = fd_set()
        ccurlew_fd_zero(&readSet)
        ccurlew_fd_zero(&writeSet)
        ccurlew_fd_zero(&exceptionSet)
        var maxFD: Int32 = -1
        try check(curl_multi_fdset(handle, &readSet, &writeSet, &exceptionSet, &maxFD), "curl_multi_fdset failed")
        return (readSet, writeSet, exceptionSet, maxFD)
    }

    /// Waits up to `timeout` seconds for activity on this multi's sockets. PycURL's
    /// `select([timeout])`.
    ///
    /// The corresponding C functions are `curl_multi_fdset` and `select`. When libcurl has no
    /// socket to wait on yet (resolving, for example), it sleeps for the shorter of `timeout`
    /// and 100 ms, as libcurl's documentation advises, and returns 0.
    /// - Parameter timeout: Seconds, from 0 up to (not including) 365 days.
    /// - Returns: The number of ready sockets, 0 on timeout.
    /// - Throws: ``CurlMultiError`` with `.badFunctionArgument` for a timeout outside that range
    ///   (negative, 365 days or more, infinite or NaN; PycURL: "invalid timeout period").
    public func select(timeout: Double) throws -> Int {
        // Written so that NaN fails it too.
        guard timeout >= 0, timeout < Self.selectTimeoutLimit else {
            throw CurlMultiError(.badFunctionArgument, detail: "invalid timeout period: select(timeout:) takes 0 to less than 365 days, not \(timeout)")
        }
        var (readSet, writeSet, exceptionSet, maxFD) = try cFDSets("select")
        if maxFD < 0 {
            let wait = Swift.min(timeout, 0.1)
            usleep(useconds_t(wait * 1_000_000))
            return 0
        }
        var interval = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        let ready = Glibc.select(maxFD + 1, &readSet, &writeSet, &exceptionSet, &interval)
        if ready < 0 {
            if errno == EINTR { return 0 }
            throw CurlMultiError(.internalError, detail: "select failed: errno \(errno)")
        }
        return Int(ready)
    }

    // MARK: - Options

    /// Sets a `long` option. PycURL's `setopt(M_…, int)`.
    ///
    /// The corresponding C function is `curl_multi_setopt`.
    public func setopt(_ option: CurlMultiOption<Int>, _ value: Int) throws {
        let handle = try liveHandle("setopt")
        try check(ccurlew_multi_setopt_long(handle, option.option, value), "cannot set multi option \(option.rawValue) to \(value)")
    }

    /// Sets or clears the socket function. PycURL's `setopt(M_SOCKETFUNCTION, f)`.
    ///
    /// The corresponding C options are `CURLMOPT_SOCKETFUNCTION` and `CURLMOPT_SOCKETDATA` (the
    /// latter is this multi's own). The function must not call the driving calls listed in the
    /// type's thread-safety notes; it may call ``assign(_:_:)``, ``unassign(_:)`` and
    /// ``infoRead(max:)``.
    public func setopt(_ option: CurlMultiOption<SocketFunction?>, _ function: SocketFunction?) throws {
        let handle = try liveHandle("setopt")
        socketFunction = function
        try check(ccurlew_multi_setopt_socket_callback(handle, function == nil ? nil : curlewSocketCallback), "cannot set CURLMOPT_SOCKETFUNCTION")
        try check(ccurlew_multi_setopt_pointer(handle, CURLMOPT_SOCKETDATA, function == nil ? nil : opaqueSelf), "cannot set CURLMOPT_SOCKETDATA")
    }

    /// Sets or clears the timer function. PycURL's `setopt(M_TIMERFUNCTION, f)`.
    ///
    /// The corresponding C options are `CURLMOPT_TIMERFUNCTION` and `CURLMOPT_TIMERDATA` (the
    /// latter is this multi's own). Do not call ``socketAction(_:events:)`` from inside it:
    /// arm a timer, and call it when the timer fires. It may call ``infoRead(max:)``.
    public func setopt(_ option: CurlMultiOption<TimerFunction?>, _ function: TimerFunction?) throws {
        let handle = try liveHandle("setopt")
        timerFunction = function
        try check(ccurlew_multi_setopt_timer_callback(handle, function == nil ? nil : curlewTimerCallback), "cannot set CURLMOPT_TIMERFUNCTION")
        try check(ccurlew_multi_setopt_pointer(handle, CURLMOPT_TIMERDATA, function == nil ? nil : opaqueSelf), "cannot set CURLMOPT_TIMERDATA")
    }

    /// The pointer handed to libcurl as SOCKETDATA and TIMERDATA. Unretained: libcurl calls the
    /// functions only from inside calls on this multi, and `deinit` unsets them before cleanup.
    private var opaqueSelf: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    // MARK: - Socket assignments

    /// Associates `object` with `socket`; the multi keeps it alive until it is unassigned or
    /// replaced, the socket is removed (after the socket function sees ``CurlPoll/remove``), or
    /// the multi is closed. `nil` clears the association. PycURL's `assign(sock_fd, object)`.
    ///
    /// The corresponding C function is `curl_multi_assign`. It may be called from inside the
    /// socket function; the `socketData` already passed to that call does not change.
    /// - Throws: ``CurlMultiError`` with `.badSocket` when libcurl does not know the socket.
    public func assign(_ socket: Int32, _ object: AnyObject?) throws {
        let handle = try liveHandle("assign")
        let pointer = object.map { Unmanaged.passUnretained($0).toOpaque() }
        try check(curl_multi_assign(handle, socket, pointer), "curl_multi_assign(\(socket)) failed")
        assignments[socket] = object
    }

    /// Clears the association for `socket`, releasing the object. PycURL's `unassign(sock_fd)`,
    /// the same as `assign(socket, nil)`.
    ///
    /// The corresponding C function is `curl_multi_assign` with `NULL`.
    public func unassign(_ socket: Int32) throws {
        try assign(socket, nil)
    }

    /// The object assigned to `socket`, if any.
    public func assigned(to socket: Int32) -> AnyObject? { assignments[socket] }

    // MARK: - Callback delivery

    fileprivate func deliverSocket(easyHandle: UnsafeMutableRawPointer?, socket: Int32, what: Int32) {
        guard let socketFunction, let poll = CurlPoll(rawValue: what) else { return }
        let socketData = assignments[socket]
        callbackDepth += 1
        functionDepth += 1
        socketFunction(poll, socket, easy(for: easyHandle), socketData)
        functionDepth -= 1
        callbackDepth -= 1
        if poll == .remove { assignments[socket] = nil }
    }

    fileprivate func deliverTimer(_ timeoutMS: Int) {
        guard let timerFunction else { return }
        callbackDepth += 1
        functionDepth += 1
        timerFunction(timeoutMS)
        functionDepth -= 1
        callbackDepth -= 1
    }
}

/// Runs `body` with a new multi and closes it after, also when `body` throws: PycURL's
/// `with CurlMulti(close_handles=…) as m:`.
public func withCurlMulti<R>(closeHandles: Bool = false, _ body: (CurlMulti) throws -> R) throws -> R {
    let multi = try CurlMulti(closeHandles: closeHandles)
    let result: R
    do {
        result = try body(multi)
    } catch {
        try? multi.close()
        throw error
    }
    try multi.close()
    return result
}

// The C trampolines receive the unretained `CurlMulti` given as SOCKETDATA/TIMERDATA (see
// `opaqueSelf`) and only borrow it for the call. They return 0 always: -1 would fail every
// transfer.

private let curlewSocketCallback: curl_socket_callback = { easyHandle, socket, what, userp, _ in
    guard let userp else { return 0 }
    Unmanaged<CurlMulti>.fromOpaque(userp).takeUnretainedValue().deliverSocket(easyHandle: easyHandle, socket: socket, what: what)
    return 0
}

private let curlewTimerCallback: curl_multi_timer_callback = { _, timeoutMS, userp in
    guard let userp else { return 0 }
    Unmanaged<CurlMulti>.fromOpaque(userp).takeUnretainedValue().deliverTimer(timeoutMS)
    return 0
}
