// `URLSessionClient URL N C h1|h2c|h2`: CurlewClient's work with FoundationNetworking's URLSession
// (swift-corelibs-foundation, itself on libcurl's multi interface), for comparison.
// N requests at concurrency C: C tasks in a task group, each awaiting requests one after another
// from a shared counter with `data(from:)` (the whole body). Prints the matrix's one line (see
// Benchmarks/README.md) with client=urlsession.
//
// On Linux `data(from:)` is the fast path: it completes inline on the session's work queue, never
// through the delegate OperationQueue (URLSession.AsyncBytes, `bytes(from:)`, does not exist
// there). An ephemeral configuration without cache, cookies or credential storage, up to C
// connections per host (CURLMOPT_MAX_HOST_CONNECTIONS).
//
// Protocols: corelibs never sets CURLOPT_HTTP_VERSION, so libcurl's default holds: HTTP/1.1 over
// http, HTTP/2 through ALPN over https. There is no way to ask for h2c with prior knowledge: h2c
// prints `client=urlsession proto=h2c unsupported` and exits 3.
//
// BENCH_CAFILE: corelibs reads URLSessionCertificateAuthorityInfoFile for the CA file only when
// built for Android (EasyHandle.setCARootBundlePath); on Linux it always points libcurl at the
// system bundle and offers no API to add a trust anchor (no server-trust challenge either). The
// variable is still set, so that a Foundation that honours it works; where it is not honoured,
// libcurl refuses the certificate, and the first such failure ends the run: it prints
// `client=urlsession proto=P unsupported` (exit 3) with the reason on stderr, instead of timing
// N refused handshakes.
import BenchmarkSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

let arguments = BenchmarkArguments.parse(program: "URLSessionClient")
guard let url = URL(string: arguments.url) else {
    FileHandle.standardError.write(Data("URLSessionClient: not a URL: \(arguments.url)\n".utf8))
    exit(2)
}
if arguments.protocolName == "h3" || arguments.protocolName == "ws" {
    unsupported(client: "urlsession", protocolName: arguments.protocolName,
                because: "not measured: URLSession on Linux has no HTTP/3, and its WebSocket task is left out of the matrix")
}
if arguments.protocolName == "h2c" {
    unsupported(client: "urlsession", protocolName: "h2c",
                because: "URLSession leaves libcurl's HTTP version at its default: HTTP/1.1 over plain http, no h2c")
}
if arguments.protocolName == "h2", url.scheme?.lowercased() != "https" {
    FileHandle.standardError.write(Data("URLSessionClient: h2 needs an https URL (HTTP/2 through ALPN)\n".utf8))
    exit(2)
}
raiseFileLimit()

let caFile = ProcessInfo.processInfo.environment["BENCH_CAFILE"]
if let caFile {
    // Read when each task configures its libcurl handle; must be set before the first one.
    setenv("URLSessionCertificateAuthorityInfoFile", caFile, 1)
}

let configuration = URLSessionConfiguration.ephemeral
configuration.httpMaximumConnectionsPerHost = arguments.concurrency
configuration.urlCache = nil
configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
configuration.httpCookieStorage = nil
configuration.httpShouldSetCookies = false
configuration.urlCredentialStorage = nil
// The idle timeout of a transfer (default 60 s); CurlewClient has none: this only bounds a hung run.
configuration.timeoutIntervalForRequest = 300
let session = URLSession(configuration: configuration)

/// Whether a certificate failure has ended the run.
let refused = Mutex(false)

/// Whether an error is the server's certificate refused. corelibs maps libcurl's
/// CURLE_PEER_FAILED_VERIFICATION to NSURLErrorUnknown, keeping libcurl's message ("SSL
/// certificate problem: ..."); the specific codes are what Darwin's URLSession would report.
@Sendable func isCertificateFailure(_ error: any Error) -> Bool {
    guard let error = error as? URLError else { return false }
    return [.serverCertificateUntrusted, .serverCertificateHasUnknownRoot, .serverCertificateHasBadDate,
            .serverCertificateNotYetValid].contains(error.code)
        || error.localizedDescription.hasPrefix("SSL certificate problem")
}

let result = await runLoad(arguments, stop: { refused.withLock { $0 } }) { _ in
    do {
        let (data, response) = try await session.data(from: url)
        let status = (response as? HTTPURLResponse)?.statusCode ?? -1
        return RequestOutcome(bytes: data.count, failure: status == 200 ? nil : "status \(status)")
    } catch {
        if caFile != nil, isCertificateFailure(error) { refused.withLock { $0 = true } }
        return RequestOutcome(bytes: 0, failure: "\(error)")
    }
}
session.finishTasksAndInvalidate()
if refused.withLock({ $0 }) {
    unsupported(client: "urlsession", protocolName: arguments.protocolName,
                because: "the server's certificate was refused: this Foundation cannot trust BENCH_CAFILE (it honours "
                    + "URLSessionCertificateAuthorityInfoFile on Android only); the first error: \(result.firstFailure ?? "?")")
}
result.reportFailures(program: "URLSessionClient")
print(result.line(client: "urlsession", arguments))
