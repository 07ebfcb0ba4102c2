import CurlewTestSupport
import Foundation
import Testing

/// `curlew get`'s credential, cookie, form, upload and retry flags, against real servers.
@Suite("curlew get: -u, -b/-c, -F, -T, --retry", .serialized)
struct CurlewCLITransferTests {
    @Test("-u sends basic credentials; --digest answers the challenge; wrong ones fail with -f")
    func credentials() async throws {
        let httpbin = try await Httpbin.shared()
        var result = try await runCurlew(["get", "-u", "alice:secret", httpbin.url("/basic-auth/alice/secret")])
        #expect(result.status == 0)
        #expect(result.stdout.contains("\"authenticated\": true"))
        result = try await runCurlew(["get", "--digest", "-u", "alice:secret", httpbin.url("/digest-auth/auth/alice/secret")])
        #expect(result.status == 0)
        #expect(result.stdout.contains("\"authenticated\": true"))
        result = try await runCurlew(["get", "-f", "-u", "alice:wrong", httpbin.url("/basic-auth/alice/secret")])
        #expect(result.status == 22)
        result = try await runCurlew(["get", "--oauth2-bearer", "t0ken", httpbin.url("/bearer")])
        #expect(result.status == 0)
        #expect(result.stdout.contains("t0ken"))
    }

    @Test("-c writes the cookies a response set; -b sends them from that file, or as name=value")
    func cookies() async throws {
        let httpbin = try await Httpbin.shared()
        let jar = try temporaryTestFolder("curlew-cli-cookies") + "/jar.txt"
        var result = try await runCurlew(["get", "-L", "-c", jar, httpbin.url("/cookies/set?team=blue")])
        #expect(result.status == 0)
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: jar)), as: UTF8.self)
        #expect(text.contains("\tteam\tblue"))
        result = try await runCurlew(["get", "-b", jar, httpbin.url("/cookies")])
        #expect(result.stdout.contains("\"team\": \"blue\""))
        result = try await runCurlew(["get", "-b", "direct=1", httpbin.url("/cookies")])
        #expect(result.stdout.contains("\"direct\": \"1\""))
    }

    @Test("-F sends a multipart form with fields and files; -T PUTs a file with an upload progress bar")
    func formAndUpload() async throws {
        let httpbin = try await Httpbin.shared()
        let nginx = try await Nginx.shared()
        let folder = try temporaryTestFolder("curlew-cli-upload")
        let path = folder + "/notes.txt"
        try Data("file contents".utf8).write(to: URL(fileURLWithPath: path))
        var result = try await runCurlew(["get", "-F", "title=hello", "-F", "notes=@\(path);type=text/plain", httpbin.url("/post")])
        #expect(result.status == 0)
        #expect(result.stdout.contains("\"title\": \"hello\""))
        #expect(result.stdout.contains("\"notes\": \"file contents\""))
        let big = folder + "/big.bin"
        try Data(count: 3 << 20).write(to: URL(fileURLWithPath: big))
        result = try await runCurlew(["get", "-#", "-T", big, nginx.httpURL("/upload")])
        #expect(result.status == 0)
        #expect(result.stdout == "received \(3 << 20)")
        #expect(result.stderr.contains("100%"))
        result = try await runCurlew(["get", "-T", folder + "/missing", nginx.httpURL("/upload")])
        #expect(result.status != 0)
        #expect(result.stderr.contains("missing"))
    }

    @Test("--retry N retries transient failures up to N times")
    func retry() async throws {
        let fault = try await FaultServer.shared()
        let key = UUID().uuidString
        let url = fault.url("/flaky?key=\(key)&fails=2&mode=503&retry_after=0")
        var result = try await runCurlew(["get", "--retry", "2", "-v", url])
        #expect(result.status == 0)
        #expect(result.stdout.contains("\"attempt\": 3"))
        #expect(result.stderr.contains("* attempts: 3"))
        let other = UUID().uuidString
        result = try await runCurlew(["get", "-f", "--retry", "1", fault.url("/flaky?key=\(other)&fails=5&mode=503&retry_after=0")])
        #expect(result.status == 22)
    }
}
