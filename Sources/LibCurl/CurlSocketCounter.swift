internal import CCurlew

/// Counts the sockets libcurl opens and closes for the handles given to
/// ``CurlEasy/countSockets(in:)``: their connections' TCP sockets (and UDP ones for QUIC), so
/// `open` is how many connections a multi holds, pooled idle ones included.
///
/// The corresponding C options are `CURLOPT_OPENSOCKETFUNCTION` and
/// `CURLOPT_CLOSESOCKETFUNCTION`, set with C functions that open and close the socket as
/// libcurl would. Used on one thread: the one driving those handles' multi. It must outlive
/// every connection they made: a connection closes through the function and data of the handle
/// that opened it, even after that handle was reset or freed; so keep the counter until the
/// multi is closed.
public final class CurlSocketCounter {
    let count: UnsafeMutablePointer<ccurlew_socket_count>

    public init() {
        count = .allocate(capacity: 1)
        count.initialize(to: ccurlew_socket_count(open: 0))
    }

    deinit { count.deallocate() }

    /// Sockets open now.
    public var open: Int { count.pointee.open }
}

extension CurlEasy {
    /// Counts this handle's sockets in `counter` (see ``CurlSocketCounter``), until
    /// ``reset()``.
    public func countSockets(in counter: CurlSocketCounter) throws {
        let handle = try liveHandle("countSockets")
        let code = ccurlew_easy_count_sockets(handle, counter.count)
        guard code == CURLE_OK else { throw CurlError(CurlCode(code), detail: "cannot set CURLOPT_OPENSOCKETFUNCTION") }
    }
}
