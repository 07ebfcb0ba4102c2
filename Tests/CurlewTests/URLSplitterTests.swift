@testable import Curlew
import Foundation
import HTTPTypes
import LibCurl
import Testing

@Suite("URL splitting without Foundation")
struct URLSplitterTests {
    @Test("the fast path gives the same request as URLComponents", arguments: [
        "http://127.0.0.1:8080/small", "HTTPS://Example.ORG", "http://h/p?q=1&r=%20x#frag", "http://h:/x",
        "http://h?x=1", "http://h/a;b/c=d,e", "http://h/%7e~_.-!$&'()*+", "http://h:8080", "svn+ssh://h/x",
        "http://h/a/b/../c/./d", "http://h/?", "http://h#only-fragment", "http://sub.domain.example:65535/p:@x",
    ])
    func sameAsFoundation(url: String) throws {
        let parts = try #require(URLSplitter.split(url))
        let foundation = try HTTPClient.foundationRequest(.get, url)
        #expect(parts.scheme == foundation.scheme)
        #expect(parts.authority == foundation.authority)
        #expect(parts.pathAndQuery == foundation.path)
    }

    @Test("anything unusual is left to Foundation", arguments: [
        "http://user:pw@h/", "http://[::1]:80/", "http://h/a b", "http://h/ü", "http://bücher.example/", "http://h/%zz",
        "http://h/%2", "http://h:80:81/", "http://h:8a/", "http:/h/", "1http://h/", "http://", "not a url", "http://h/\r\n",
        "http://h/a#b#c", "http://h/<x>", "http://h/x\"", "http:/://u%20x:p@h//double",
    ])
    func fallsBack(url: String) {
        #expect(URLSplitter.split(url) == nil)
    }

    // Found by `make fuzz`: a URL holding both an escape and a byte to encode had the escape
    // encoded again (`%7e` sent as `%257e`).
    @Test("escapes are kept as written while the bytes around them are encoded", arguments: [
        ("https://h?x/%7e]", "/?x/%7e%5D"), ("http://h/%7e\\", "/%7e%5C"), ("http://h/ü%41", "/%C3%BC%41"), ("http://h/a#b#c", "/a"),
    ])
    func keepsEscapes(url: String, path: String) throws {
        #expect(try HTTPClient.request(.get, url).path == path)
    }

    // Found by `make fuzz`: Foundation read `http:/://u%20x:p@h//double` as a path without a
    // host while the authority check took the text after the first `://`; libcurl refuses it.
    @Test("a `://` that is not right after the scheme is refused", arguments: ["http:/://u%20x:p@h//double", "http:x://h/", "http:/x://h"])
    func misplacedAuthority(url: String) {
        #expect(throws: HTTPClientError.self) { _ = try HTTPClient.request(.get, url) }
    }
}

/// The URL path of `HTTPClient.request` and the request check, fuzzed against libcurl's own
/// URL parser (`curl_url`) as the oracle: whatever Curlew accepts, libcurl reads as the same
/// host, port, path and query as it reads the URL the caller wrote.
@Suite("URL splitting against curl_url")
struct URLFuzzTests {
    /// SplitMix64: a fixed seed, so a failure can be replayed.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let schemes = ["http", "HTTP", "https", "hTTpS", "ftp", "http:", "h ttp"]
    static let authorities = [
        "127.0.0.1", "localhost", "Example.COM", "a-b.c", "[::1]", "[fe80::1%25eth0]", "user@h", "u:p@h", "u%20x:p@h",
        "a@b@c", "h?x", "h#f", "h\\x", "h%41", "bücher.de", "xn--bcher-kva.de", "h_1", "", "h:80", "h:", "h:0", "h:65536",
        "h:8o", "h:080", "[::1]:8080", "[::1", "::1", "h;x", "h!x", "h,x", "h=x", "1.2.3.4.5", "h.", ".h", "h/x", "u@[::1]:1",
    ]
    static let paths = [
        "", "/", "/a/b", "/a/../b", "/./a", "/%7e", "/%zz", "/%2", "/a b", "/ü", "/a?b=c", "?q", "?", "#frag", "/a#b",
        "/a?b#c", "/;x=y", "/:@!$&'()*+,;=", "//double", "/a?b?c", "/a#b#c", "/<x>", "/x\"", "/{}", "/a|b", "/^`",
    ]
    static let noise: [Character] = ["?", "#", "@", ":", "/", "[", "]", "%", "\\", " ", "\t", "ü", "\u{0}", "\r", "."]

    static func url(_ random: inout Generator) -> String {
        var url = schemes.randomElement(using: &random)! + "://" + authorities.randomElement(using: &random)!
            + paths.randomElement(using: &random)!
        if Int.random(in: 0..<4, using: &random) == 0 {
            let index = url.index(url.startIndex, offsetBy: Int.random(in: 0...url.count, using: &random))
            url.insert(noise.randomElement(using: &random)!, at: index)
        }
        return url
    }

    /// Generated URLs per run: 5,000 in `make test`, `CURLEW_FUZZ_COUNT` (`make fuzz`: 300,000).
    static var count: Int { ProcessInfo.processInfo.environment["CURLEW_FUZZ_COUNT"].flatMap(Int.init) ?? 5_000 }

    @Test("generated URLs: what Curlew accepts, libcurl reads as the caller's URL")
    func againstCurl() throws {
        var random = Generator(state: 0xC0FFEE)
        let defaults = TransferRequest.Defaults(configuration: HTTPClientConfiguration(), caFile: nil, needsOriginKey: true, environment: [:])
        var accepted = 0, refused = 0
        for _ in 0..<Self.count {
            let written = Self.url(&random)
            guard let request = try? HTTPClient.request(.get, written),
                  let transfer = try? TransferRequest(request, body: .none, timeout: nil, redirects: nil, defaults: defaults)
            else {
                refused += 1
                continue
            }
            accepted += 1
            // libcurl must take what Curlew sends, and read the caller's URL the same way.
            let sent = try #require(try? CurlURL(transfer.url), "libcurl refuses \(transfer.url.debugDescription), sent for \(written.debugDescription)")
            let original = try #require(try? CurlURL(written), "Curlew accepts \(written.debugDescription), libcurl does not")
            #expect(sent.scheme == original.scheme, "\(written.debugDescription)")
            #expect(sent.host.lowercased() == original.host.lowercased(), "\(written.debugDescription) → \(transfer.url.debugDescription)")
            #expect(sent.port == original.port, "\(written.debugDescription) → \(transfer.url.debugDescription)")
            // Curlew percent-encodes what may not go raw on the request line (`"`, UTF-8); libcurl
            // sends such bytes as they are. Decoded, both are the same path and query.
            #expect(sent.path.removingPercentEncoding == original.path.removingPercentEncoding, "\(written.debugDescription) → \(transfer.url.debugDescription)")
            #expect(sent.query?.removingPercentEncoding == original.query?.removingPercentEncoding, "\(written.debugDescription) → \(transfer.url.debugDescription)")
            #expect(sent.user == original.user && sent.password == original.password, "\(written.debugDescription)")
        }
        // Both sides are exercised.
        #expect(accepted > Self.count / 5 && refused > Self.count / 5, "accepted \(accepted), refused \(refused)")
    }
}
