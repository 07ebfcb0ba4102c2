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
        // The Debian package Curlew is built against (libcurl4-gnutls-dev): GnuTLS, nghttp2,
        // the threaded resolver, and neither HTTP/3 nor WebSocket.
        #expect(version.sslBackend == "GnuTLS")
        #expect(version.supportsHTTP2 && version.nghttp2Version != nil)
        #expect(version.supportsAsynchDNS)
        #expect(!version.supportsHTTP3)
        #expect(version.supportsWebSocket == version.protocols.contains("ws"))
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
