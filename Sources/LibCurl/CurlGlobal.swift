internal import CCurlew

/// libcurl's process-wide state.
///
/// `curl_global_init` must run once, before any handle is made, and is not thread-safe in
/// itself; every handle initialiser in this module calls ``initialize()``, which runs it exactly
/// once through a lazily initialised global (Swift runs those once, thread-safely).
public enum CurlGlobal {
    private static let initResult: CURLcode = curl_global_init(Int(CURL_GLOBAL_ALL))

    /// Runs `curl_global_init(CURL_GLOBAL_ALL)` the first time it is called, from any thread.
    ///
    /// The corresponding C function is `curl_global_init`. Later calls return the first result.
    /// - Throws: ``CurlError`` when libcurl could not initialise.
    public static func initialize() throws(CurlError) {
        let code = CurlCode(initResult)
        if code != .ok { throw CurlError(code, detail: "curl_global_init failed") }
    }
}

/// The linked libcurl's version and the features it was built with, read at run time.
///
/// The corresponding C function is `curl_version_info`. Curlew reports missing features
/// (HTTP/3, WebSocket) with clear errors rather than failing inside libcurl.
public struct CurlVersion: Sendable, Hashable {
    /// The version text, such as `7.88.1`.
    public let version: String
    /// The version as `0xXXYYZZ`, such as `0x075801`.
    public let versionNumber: Int
    /// The TLS backend's name and version, such as `GnuTLS/3.7.9`; empty without TLS.
    public let sslVersion: String
    /// The nghttp2 version, or `nil` without HTTP/2 support.
    public let nghttp2Version: String?
    /// The URL schemes libcurl handles, such as `http`, `https`, `ws`.
    public let protocols: Set<String>
    /// The raw `CURL_VERSION_*` feature bits.
    public let featureBits: Int

    /// HTTP/2 support (`CURL_VERSION_HTTP2`).
    public var supportsHTTP2: Bool { featureBits & Int(CURL_VERSION_HTTP2) != 0 }
    /// HTTP/3 support (`CURL_VERSION_HTTP3`).
    public var supportsHTTP3: Bool { featureBits & Int(CURL_VERSION_HTTP3) != 0 }
    /// A resolver that does not block (`CURL_VERSION_ASYNCHDNS`).
    public var supportsAsynchDNS: Bool { featureBits & Int(CURL_VERSION_ASYNCHDNS) != 0 }
    /// TLS support (`CURL_VERSION_SSL`).
    public var supportsSSL: Bool { featureBits & Int(CURL_VERSION_SSL) != 0 }
    /// gzip and deflate decoding (`CURL_VERSION_LIBZ`).
    public var supportsLibz: Bool { featureBits & Int(CURL_VERSION_LIBZ) != 0 }
    /// Brotli decoding (`CURL_VERSION_BROTLI`).
    public var supportsBrotli: Bool { featureBits & Int(CURL_VERSION_BROTLI) != 0 }
    /// zstd decoding (`CURL_VERSION_ZSTD`).
    public var supportsZstd: Bool { featureBits & Int(CURL_VERSION_ZSTD) != 0 }
    /// Unix domain sockets (`CURL_VERSION_UNIX_SOCKETS`).
    public var supportsUnixSockets: Bool { featureBits & Int(CURL_VERSION_UNIX_SOCKETS) != 0 }
    /// The public suffix list (`CURL_VERSION_PSL`).
    public var supportsPSL: Bool { featureBits & Int(CURL_VERSION_PSL) != 0 }
    /// HSTS (`CURL_VERSION_HSTS`).
    public var supportsHSTS: Bool { featureBits & Int(CURL_VERSION_HSTS) != 0 }
    /// NTLM authentication (`CURL_VERSION_NTLM`).
    public var supportsNTLM: Bool { featureBits & Int(CURL_VERSION_NTLM) != 0 }
    /// Thread-safe global init (`CURL_VERSION_THREADSAFE`).
    public var isThreadSafe: Bool { featureBits & Int(CURL_VERSION_THREADSAFE) != 0 }
    /// WebSocket support: the `ws` scheme is among the protocols.
    public var supportsWebSocket: Bool { protocols.contains("ws") }
    /// The TLS backend's name, such as `GnuTLS`, or empty.
    public var sslBackend: String { String(sslVersion.prefix { $0 != "/" }) }

    /// The libcurl this process runs with.
    public static let current: CurlVersion = {
        // curl_version_info returns a pointer to static data that lives as long as the process;
        // it is never NULL, but an empty answer beats a crash if it ever were.
        guard let info = ccurlew_version_info()?.pointee else {
            return CurlVersion(version: "", versionNumber: 0, sslVersion: "", nghttp2Version: nil, protocols: [], featureBits: 0)
        }
        var protocols = Set<String>()
        if var list = info.protocols {
            while let name = list.pointee {
                protocols.insert(String(cString: name))
                list += 1
            }
        }
        return CurlVersion(
            version: String(cString: info.version),
            versionNumber: Int(info.version_num),
            sslVersion: info.ssl_version.map { String(cString: $0) } ?? "",
            nghttp2Version: info.nghttp2_version.map { String(cString: $0) },
            protocols: protocols,
            featureBits: Int(info.features)
        )
    }()
}
