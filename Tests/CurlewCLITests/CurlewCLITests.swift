import CurlewTestSupport
import Foundation
import Testing

/// Runs the built `curlew` (next to this test bundle) and returns its exit code and output; a
/// run that has not ended after a minute is killed and fails the test with what it wrote. The
/// wait happens off the threads that run tasks (`runChildProcess` waits on a thread of its own).
func runCurlew(_ arguments: [String], input: String? = nil, environment extra: [String: String] = [:]) async throws -> ChildProcessOutput {
    let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    var binary = folder.appendingPathComponent("curlew")
    // The xctest bundle may sit one level down (…/debug/CurlewPackageTests.xctest).
    if !FileManager.default.isExecutableFile(atPath: binary.path) {
        binary = folder.deletingLastPathComponent().appendingPathComponent("curlew")
    }
    var environment = ProcessInfo.processInfo.environment
    environment["http_proxy"] = nil
    environment["https_proxy"] = nil
    environment.merge(extra) { $1 }
    return try await runChildProcess(binary.path, arguments, environment: environment, input: input.map { Array($0.utf8) })
}

@Suite("curlew command-line tool", .serialized)
struct CurlewCLITests {
    let nginx: Nginx

    init() async throws { nginx = try await Nginx.shared() }

    @Test("get prints bodies of several URLs in the order given, and exits 0")
    func getSeveral() async throws {
        let result = try await runCurlew(["get", nginx.httpURL("/small"), nginx.httpURL("/echo-header"), "-H", "X-Test: abc"])
        #expect(result.status == 0)
        #expect(result.stdout == "helloabc")
        #expect(result.stderr.isEmpty)
    }

    @Test("get -o writes the body to a file; -v prints heads and timings on stderr")
    func getOutputVerbose() async throws {
        let path = NSTemporaryDirectory() + "curlew-cli-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await runCurlew(["get", "-v", "--cacert", nginx.certificates.caCertificate, "-o", path, nginx.httpsURL("/big")])
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty)
        #expect(FileManager.default.contents(atPath: path).map(Array.init) == Nginx.bigBody())
        #expect(result.stderr.contains("> GET /big"))
        #expect(result.stderr.contains("< HTTP/2 200"))
        #expect(result.stderr.contains("* timings:"))
    }

    @Test("get uses the environment's http_proxy, and no_proxy excludes hosts (in the child's environment only)")
    func environmentProxy() async throws {
        let proxies = try await Proxies.shared()
        let httpbin = try await Httpbin.shared()
        let proxy = ["http_proxy": "http://127.0.0.1:\(proxies.httpProxyPort)"]
        let through = try await runCurlew(["get", httpbin.url("/headers?show_env=1")], environment: proxy)
        #expect(through.status == 0)
        #expect(through.stdout.contains("tinyproxy"))
        let excluded = try await runCurlew(["get", httpbin.url("/headers?show_env=1")], environment: proxy.merging(["no_proxy": "127.0.0.1"]) { $1 })
        #expect(excluded.status == 0)
        #expect(!excluded.stdout.contains("tinyproxy"))
    }

    @Test("a refused connection exits 7 with one line naming the URL and the cause")
    func refused() async throws {
        let url = "http://127.0.0.1:\(try unusedLoopbackPort())/"
        let result = try await runCurlew(["get", url])
        #expect(result.status == 7)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("curlew: \(url): connection refused") == true)
    }

    @Test("TLS failures, timeouts and truncated bodies exit with curl's codes")
    func failures() async throws {
        let faults = try await FaultServer.shared()
        #expect(try await runCurlew(["get", nginx.httpsURL("/small")]).status == 60)
        #expect(try await runCurlew(["get", "--timeout", "0.3", faults.url("/hang")]).status == 28)
        let truncated = try await runCurlew(["get", faults.url("/truncated")])
        #expect(truncated.status == 18)
        #expect(truncated.stderr.contains("cut short"))
        #expect(try await runCurlew(["get", "--insecure", nginx.httpsURL("/small")]).stdout == "hello")
    }

    @Test("-f exits 22 on an error status; -L follows redirects; -d posts a body")
    func statusRedirectsData() async throws {
        #expect(try await runCurlew(["get", nginx.httpURL("/status/404")]).status == 0)
        #expect(try await runCurlew(["get", "-f", nginx.httpURL("/status/404")]).status == 22)
        #expect(try await runCurlew(["get", nginx.httpURL("/redirect")]).stdout.isEmpty == false)
        #expect(try await runCurlew(["get", "-L", nginx.httpURL("/redirect")]).stdout == "hello")
        #expect(try await runCurlew(["get", "-d", "12345", nginx.httpURL("/upload")]).stdout == "received 5")
    }

    @Test("against httpbin: --compressed decodes, -L follows a chain of redirects, -X and --data-binary @file")
    func httpbin() async throws {
        let httpbin = try await Httpbin.shared()
        let gzip = try await runCurlew(["get", "--compressed", httpbin.url("/gzip")])
        #expect(gzip.status == 0)
        #expect(gzip.stdout.contains("\"gzipped\": true"))
        let redirected = try await runCurlew(["get", "-L", httpbin.url("/redirect/3")])
        #expect(redirected.stdout.contains("\"url\": \"http://127.0.0.1:\(httpbin.port)/get\""))
        let path = NSTemporaryDirectory() + "curlew-cli-body-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("from a file".utf8).write(to: URL(fileURLWithPath: path))
        let put = try await runCurlew(["get", "-X", "PUT", "--data-binary", "@\(path)", httpbin.url("/put")])
        #expect(put.status == 0)
        #expect(put.stdout.contains("\"data\": \"from a file\""))
    }

    @Test("argument errors exit 64 with a usage line")
    func argumentErrors() async throws {
        for arguments in [["get"], ["get", "--http1.1", "--http2", "http://x/"], ["load", "-n", "0", "http://x/"],
                          ["load", "-n", "5", "-D", "1", "http://x/"], ["load", "--rate", "0", "http://x/"], ["get", "-o", "f", "http://a/", "http://b/"], ["nosuch"]] {
            let result = try await runCurlew(arguments)
            #expect(result.status == 64, "\(arguments)")
            #expect(result.stderr.contains("Error:") || result.stderr.contains("Usage:"), "\(arguments)")
        }
    }

    @Test("load --json reports throughput, latency, statuses, connections and caches")
    func loadJSON() async throws {
        let result = try await runCurlew(["load", "-n", "300", "-c", "8", "--json", "--cacert", nginx.certificates.caCertificate, nginx.tls12URL("/small")])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["succeeded"] as? Int == 300)
        #expect(object["errors"] as? Int == 0)
        #expect((object["requestsPerSecond"] as? Double ?? 0) > 0)
        let latency = try #require(object["latencyMilliseconds"] as? [String: Double])
        #expect(Set(latency.keys) == ["p50", "p90", "p99", "p999", "max"])
        #expect((object["statusCounts"] as? [String: Int])?["200"] == 300)
        let connections = try #require(object["connections"] as? [String: Int])
        #expect((connections["new"] ?? 0) + (connections["reused"] ?? 0) == 300)
        #expect(object["dnsCacheHits"] != nil)
        #expect(object["tlsSessions"] != nil)
        // The distribution: percentiles rising to 100, counts rising to every request.
        let histogram = try #require(object["histogram"] as? [[String: Double]])
        #expect(histogram.last?["percentile"] == 100)
        #expect(histogram.last?["count"] == 300)
        #expect(zip(histogram, histogram.dropFirst()).allSatisfy { ($0["milliseconds"] ?? 0) <= ($1["milliseconds"] ?? 0) })
    }

    @Test("load --rate holds the rate asked for, measuring latency from intended starts; -X, -H and -d send bodies")
    func loadRate() async throws {
        let httpbin = try await Httpbin.shared()
        // 100 requests at 200/s take about half a second: well over the time at full speed.
        let paced = try await runCurlew(["load", "-n", "100", "-c", "4", "--rate", "200", "--json", nginx.httpURL("/small")])
        #expect(paced.status == 0, "\(paced.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(paced.stdout.utf8)) as? [String: Any])
        #expect(object["succeeded"] as? Int == 100)
        #expect(object["rate"] as? Double == 200)
        // The rate is a ceiling the run keeps to: 100 requests at 200/s cannot end in under
        // (100 - 4) / 200 s, whatever the server's speed (the first of each worker goes at once).
        #expect((object["durationSeconds"] as? Double ?? 0) >= 0.48)
        #expect(object["serviceTimeMilliseconds"] is [String: Double])
        // httpbin answers /put only to PUT, /post only to POST (the method -d implies), and
        // /bearer only with the Authorization header: 200 for every request shows each went as asked.
        for arguments in [["-X", "PUT", "-d", "payload", httpbin.url("/put")], ["-d", "payload", httpbin.url("/post")],
                          ["-H", "Authorization: Bearer t0ken", httpbin.url("/bearer")]] {
            let run = try await runCurlew(["load", "-n", "20", "-c", "2", "--json"] + arguments)
            #expect(run.status == 0, "\(run.stderr)")
            let counted = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            #expect((counted["statusCounts"] as? [String: Int]) == ["200": 20], "\(arguments)")
        }
    }

    @Test("load prints a text report with a histogram, and counts errors by kind")
    func loadText() async throws {
        let faults = try await FaultServer.shared()
        let result = try await runCurlew(["load", "-n", "200", "-c", "4", nginx.httpURL("/small")])
        #expect(result.status == 0)
        #expect(result.stdout.contains("200 requests (200 ok, 0 errors)"))
        #expect(result.stdout.contains("latency histogram:"))
        #expect(result.stdout.contains("status: 200 × 200"))
        let broken = try await runCurlew(["load", "-n", "20", "-c", "2", faults.url("/truncated")])
        #expect(broken.status != 0)
        #expect(broken.stderr.contains("curlew: \(faults.url("/truncated")):"))
    }
}

@Suite("the tests' child-process helper")
struct ChildProcessTests {
    @Test("stdout and stderr are drained together: a child filling stderr before it writes stdout ends")
    func drainsBoth() async throws {
        let result = try await runChildProcess("/bin/sh", ["-c", "head -c 1000000 /dev/zero >&2; echo done"], timeout: 20)
        #expect(result.status == 0)
        #expect(result.stdout == "done\n")
        #expect(result.stderr.utf8.count == 1_000_000)
    }

    @Test("a child still running at the deadline is killed, and the run fails with what it wrote")
    func killsAtDeadline() async throws {
        let error = try await #require(throws: TestServerError.self) {
            try await runChildProcess("/bin/sh", ["-c", "echo out; echo err >&2; exec sleep 30"], timeout: 0.5)
        }
        #expect(error.description.contains("did not exit within 0.5 s and was killed"))
        #expect(error.description.contains("out\n"))
        #expect(error.description.contains("err\n"))
    }
}
