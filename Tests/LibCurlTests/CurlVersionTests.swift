import Foundation
import LibCurl
import Testing

extension LibCurlSuites {
@Suite("libcurl's version, features and global init")
struct CurlVersionTests {
    @Test("the version and features of the linked libcurl are read at run time")
    func versionInfo() throws {
        let version = CurlVersion.current
        #expect(version.version.split(separator: ".").count == 3)
        let parts = version.version.split(separator: ".").compactMap { Int($0) }
        #expect(version.versionNumber == parts[0] << 16 | parts[1] << 8 | parts[2])
        #expect(version.protocols.isSuperset(of: ["http", "https"]))
        #expect(version.supportsSSL)
        #expect(!version.sslBackend.isEmpty)
        // The Debian packages Curlew is built against (libcurl4-gnutls-dev): GnuTLS, nghttp2 and
        // the threaded resolver in both; WebSocket and HTTP/3 in bookworm-backports' 8.x only.
        #expect(version.sslBackend == "GnuTLS")
        #expect(version.supportsHTTP2 && version.nghttp2Version != nil)
        #expect(version.supportsAsynchDNS)
        #expect(version.supportsWebSocket == version.protocols.contains("ws"))
        #expect(version.supportsWebSocket == version.protocols.contains("wss"))
        let isBackports = version.versionNumber >= 0x08_00_00
        #expect(version.supportsWebSocket == isBackports, "\(version.version)")
        #expect(version.supportsHTTP3 == isBackports, "\(version.version)")
    }

    @Test("global init runs once and is safe from many threads at once")
    func globalInitFromThreads() throws {
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            #expect(throws: Never.self) { try CurlGlobal.initialize() }
            #expect(throws: Never.self) { _ = try CurlEasy() }
        }
    }
}
}
