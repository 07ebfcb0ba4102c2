internal import CCurlew

extension CurlEasy {
    /// The figures of the last transfer most clients report, read in one call: times in
    /// microseconds, sizes, status, connections opened, redirects and the remote address. Not
    /// in PycURL; each field is a `getinfo` of its own there.
    ///
    /// The corresponding C function is `curl_easy_getinfo`, twelve times, from C.
    public func transferInfo() throws -> CurlTransferInfo {
        let handle = try liveHandle("transferInfo")
        var info = ccurlew_transfer_info()
        try check(ccurlew_easy_transfer_info(handle, &info), "cannot read the transfer's info")
        return CurlTransferInfo(
            nameLookupMicroseconds: Int64(info.namelookup_us), connectMicroseconds: Int64(info.connect_us),
            appConnectMicroseconds: Int64(info.appconnect_us), startTransferMicroseconds: Int64(info.starttransfer_us),
            totalMicroseconds: Int64(info.total_us), sizeDownload: Int64(info.size_download), sizeUpload: Int64(info.size_upload),
            contentLengthDownload: Int64(info.content_length_download), responseCode: info.response_code,
            numConnects: info.num_connects, redirectCount: info.redirect_count,
            primaryIP: info.primary_ip.map { String(cString: $0) }
        )
    }

    /// A `long` result of the last transfer. PycURL's `Curl.getinfo(option)`.
    ///
    /// The corresponding C function is `curl_easy_getinfo`.
    public func getinfo(_ info: CurlInfo<Int>) throws -> Int {
        let handle = try liveHandle("getinfo")
        var value = 0
        try check(ccurlew_easy_getinfo_long(handle, info.info, &value), "cannot read info \(info.rawValue)")
        return value
    }

    /// A `curl_off_t` result of the last transfer (sizes, microsecond times).
    ///
    /// The corresponding C function is `curl_easy_getinfo`.
    public func getinfo(_ info: CurlInfo<Int64>) throws -> Int64 {
        let handle = try liveHandle("getinfo")
        var value: curl_off_t = 0
        try check(ccurlew_easy_getinfo_off_t(handle, info.info, &value), "cannot read info \(info.rawValue)")
        return Int64(value)
    }

    /// A `double` result of the last transfer (times in seconds).
    ///
    /// The corresponding C function is `curl_easy_getinfo`.
    public func getinfo(_ info: CurlInfo<Double>) throws -> Double {
        let handle = try liveHandle("getinfo")
        var value = 0.0
        try check(ccurlew_easy_getinfo_double(handle, info.info, &value), "cannot read info \(info.rawValue)")
        return value
    }

    /// A string result of the last transfer, or `nil` when libcurl has none.
    ///
    /// The corresponding C function is `curl_easy_getinfo`.
    public func getinfo(_ info: CurlInfo<String?>) throws -> String? {
        let handle = try liveHandle("getinfo")
        var value: UnsafeMutablePointer<CChar>?
        try check(ccurlew_easy_getinfo_string(handle, info.info, &value), "cannot read info \(info.rawValue)")
        return value.map { String(cString: $0) }
    }

    /// A list result (cookies, engines); the list libcurl returns is freed here.
    ///
    /// The corresponding C function is `curl_easy_getinfo`, then `curl_slist_free_all`.
    public func getinfo(_ info: CurlInfo<[String]>) throws -> [String] {
        let handle = try liveHandle("getinfo")
        var list: UnsafeMutablePointer<curl_slist>?
        try check(ccurlew_easy_getinfo_slist(handle, info.info, &list), "cannot read info \(info.rawValue)")
        defer { curl_slist_free_all(list) }
        return CurlSList.strings(of: list)
    }

    /// The TLS session behind the last transfer, or `nil` when it used none.
    ///
    /// The corresponding C function is `curl_easy_getinfo(CURLINFO_TLS_SSL_PTR)`.
    public func tlsSession() throws -> CurlTLSSession? {
        let handle = try liveHandle("tlsSession")
        var info: UnsafeMutablePointer<curl_tlssessioninfo>?
        try check(ccurlew_easy_getinfo_tls_session(handle, &info), "cannot read CURLINFO_TLS_SSL_PTR")
        guard let info, info.pointee.backend != CURLSSLBACKEND_NONE else { return nil }
        return CurlTLSSession(backend: Int(info.pointee.backend.rawValue), internals: info.pointee.internals)
    }

    /// The socket of the last transfer's connection, or `nil` (`CURLINFO_ACTIVESOCKET`).
    ///
    /// The corresponding C function is `curl_easy_getinfo(CURLINFO_ACTIVESOCKET)`.
    public func activeSocket() throws -> Int32? {
        let handle = try liveHandle("activeSocket")
        var socket: curl_socket_t = CURL_SOCKET_BAD
        try check(ccurlew_easy_getinfo_socket(handle, CURLINFO_ACTIVESOCKET, &socket), "cannot read CURLINFO_ACTIVESOCKET")
        return socket == CURL_SOCKET_BAD ? nil : socket
    }
}
