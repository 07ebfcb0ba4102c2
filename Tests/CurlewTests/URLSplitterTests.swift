@testable import Curlew
import HTTPTypes
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
        "http://h/a#b#c", "http://h/<x>", "http://h/x\"",
    ])
    func fallsBack(url: String) {
        #expect(URLSplitter.split(url) == nil)
    }
}
