import ArgumentParser
import Curlew
import Foundation
import LibCurl

/// `curlew`: fetch URLs and load-test HTTP servers with Curlew's HTTPClient.
@main
struct CurlewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curlew",
        abstract: "Fetch URLs and load-test HTTP servers, on libcurl through Curlew.",
        version: "curlew 0.1 on libcurl \(CurlVersion.current.version) (\(CurlVersion.current.sslVersion))",
        subcommands: [Get.self, Load.self, WS.self]
    )
}

/// Protocol and TLS flags shared by `get` and `load`.
struct ConnectionOptions: ParsableArguments {
    @Flag(name: .customLong("http1.1"), help: "Use HTTP/1.1 only.")
    var http1 = false

    @Flag(name: .customLong("http2"), help: "Use HTTP/2 over TLS where the server offers it (the default).")
    var http2 = false

    @Flag(name: .customLong("http2-prior-knowledge"), help: "Use HTTP/2 without upgrade on cleartext (h2c).")
    var http2PriorKnowledge = false

    @Flag(name: .customLong("http3"), help: "Use HTTP/3 over QUIC for https, falling back to HTTP/2 or HTTP/1.1.")
    var http3 = false

    @Flag(name: .customLong("http3-only"), help: "Use HTTP/3 over QUIC only (https).")
    var http3Only = false

    @Option(name: .customLong("cacert"), help: "A PEM file of CA certificates to trust.")
    var caFile: String?

    @Flag(name: [.customShort("k"), .customLong("insecure")], help: "Do not verify the server's certificate.")
    var insecure = false

    @Option(name: .customLong("timeout"), help: "The whole request's limit in seconds, body included.")
    var timeout: Double?

    @Option(name: .customLong("loops"), help: "Loop threads (default 1).")
    var loops = 1

    func validate() throws {
        if [http1, http2, http2PriorKnowledge, http3, http3Only].filter({ $0 }).count > 1 {
            throw ValidationError("choose one of --http1.1, --http2, --http2-prior-knowledge, --http3 and --http3-only")
        }
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
        if loops < 1 { throw ValidationError("--loops must be at least 1") }
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw ValidationError("cannot read the CA file \(caFile)")
        }
    }

    /// A client configuration from the flags.
    func configuration() -> HTTPClientConfiguration {
        var configuration = HTTPClientConfiguration()
        if http1 { configuration.httpVersion = .http1Only }
        if http2PriorKnowledge { configuration.httpVersion = .http2PriorKnowledge }
        if http3 { configuration.httpVersion = .http3 }
        if http3Only { configuration.httpVersion = .http3Only }
        configuration.tls.caFile = caFile
        configuration.tls.verifyPeer = !insecure
        configuration.loopCount = loops
        return configuration
    }

    var duration: Duration? { timeout.map { .milliseconds(Int64($0 * 1000)) } }
}

/// How a failure ends the process: one line on stderr naming the URL and the cause.
enum Failure {
    /// curl's exit codes where they exist (6 DNS, 7 refused, 28 timeout, 35/60 TLS…), else 1.
    static func exitCode(for error: any Error) -> Int32 {
        if let error = error as? HTTPClientError {
            if error.kind == .cancelled { return 130 }
            if let code = error.curlCode?.rawValue, code > 0, code < 256 { return code }
            switch error.kind {
            case .invalidRequest: return 3
            case .truncatedBody: return 18
            case .bodyTooLarge: return 63
            case .timeout: return 28
            default: return 1
            }
        }
        return 1
    }

    static func describe(_ error: any Error) -> String {
        guard let error = error as? HTTPClientError else { return "\(error)" }
        let cause: String
        switch error.kind {
        case .connectionRefused: cause = "connection refused"
        case .dnsFailure: cause = "could not resolve the host"
        case .tlsFailure: cause = "TLS failed"
        case .timeout: cause = "timed out"
        case .truncatedBody: cause = "the body was cut short"
        default: cause = error.message
        }
        return error.detail.isEmpty ? cause : "\(cause): \(error.detail)"
    }

    static func report(_ url: String, _ error: any Error) {
        FileHandle.standardError.write(Data("curlew: \(url): \(describe(error))\n".utf8))
    }
}

/// Whether stderr is a terminal (progress is drawn only then).
var stderrIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }
