import Curlew
import CurlewTestSupport
import Foundation
import HTTPTypes
import Testing

/// Retries against the fault server's `/flaky` path, which fails N times, then answers.
@Suite(.timeLimit(.minutes(2)))
struct RetryTests {
    func client(_ policy: HTTPClientRetryPolicy = .disabled) throws -> HTTPClient {
        var configuration = HTTPClientConfiguration()
        configuration.proxy = .none
        configuration.retry = policy
        return try HTTPClient(configuration: configuration)
    }

    /// A policy that retries at once (no backoff to wait out in a test).
    func quick(_ attempts: Int) -> HTTPClientRetryPolicy {
        var policy = HTTPClientRetryPolicy(maxAttempts: attempts)
        policy.initialBackoff = .milliseconds(1)
        policy.maxBackoff = .milliseconds(5)
        return policy
    }

    func flaky(_ fault: FaultServer, fails: Int, mode: String, extra: String = "") -> (url: String, key: String) {
        let key = UUID().uuidString
        return (fault.url("/flaky?key=\(key)&fails=\(fails)&mode=\(mode)\(extra)"), key)
    }

    func count(_ fault: FaultServer, _ key: String) async throws -> Int {
        let client = try client()
        defer { Task { await client.shutdown() } }
        return Int(try await client.get(fault.url("/flaky-count?key=\(key)")).text()) ?? -1
    }

    func json(_ response: HTTPClientResponse) async throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(try await response.body.collect(upTo: 1 << 20))) as? [String: Any])
    }

    // Each failing sequence starts on a client of its own: on a connection reused from the pool,
    // libcurl itself tries once more on a fresh one when it dies before any response byte,
    // and the server's count would include that attempt too.
    @Test("a GET whose connection fails before any response byte is retried, and the answer says how many attempts", arguments: ["reset", "close"])
    func connectionFailures(mode: String) async throws {
        let fault = try await FaultServer.shared()
        var client = try client(quick(4))
        let (url, key) = flaky(fault, fails: 2, mode: mode)
        let response = try await client.get(url)
        #expect(response.status == .ok)
        #expect(response.attempts == 3)
        #expect(try await json(response)["attempt"] as? Int == 3)
        #expect(try await count(fault, key) == 3)
        // More failures than attempts: the last failure, with the attempts in its detail.
        await client.shutdown()
        client = try self.client(quick(4))
        let (failing, failingKey) = flaky(fault, fails: 10, mode: mode)
        let error = await httpError { _ = try await client.get(failing) }
        #expect(error?.kind == .networkError)
        #expect(error?.detail.contains("after 4 attempts") == true)
        #expect(try await count(fault, failingKey) == 4)
        await client.shutdown()
    }

    @Test("without a policy nothing is retried; a request's own policy overrides the client's")
    func optIn() async throws {
        let fault = try await FaultServer.shared()
        let client = try client()
        let (url, key) = flaky(fault, fails: 1, mode: "reset")
        let error = await httpError { _ = try await client.get(url) }
        #expect(error?.kind == .networkError)
        #expect(try await count(fault, key) == 1)
        var options = HTTPClientRequestOptions()
        options.retry = quick(2)
        let response = try await client.get(url, options: options)
        #expect(response.attempts == 1)  // the server's second request for this key succeeds at once
        #expect(try await count(fault, key) == 2)
        await client.shutdown()
    }

    @Test("POST is retried only when the policy allows non-idempotent requests, with its body sent again")
    func nonIdempotent() async throws {
        let fault = try await FaultServer.shared()
        let refusing = try client(quick(3))
        let (url, key) = flaky(fault, fails: 1, mode: "reset")
        let error = await httpError { _ = try await refusing.execute(try HTTPClient.request(.post, url), body: .string("payload")) }
        #expect(error?.kind == .networkError)
        #expect(error?.detail.contains("not idempotent") == true)
        #expect(try await count(fault, key) == 1)
        await refusing.shutdown()

        var policy = quick(3)
        policy.retriesNonIdempotentRequests = true
        let path = try temporaryTestFolder("curlew-retry") + "/body"
        try Data("from a file".utf8).write(to: URL(fileURLWithPath: path))
        for (body, text) in [(HTTPClientRequestBody.string("payload"), "payload"), (try .file(path), "from a file")] {
            let allowing = try client(policy)
            let (url, key) = flaky(fault, fails: 2, mode: "reset")
            let response = try await allowing.execute(try HTTPClient.request(.post, url), body: body)
            #expect(response.attempts == 3)
            let report = try await json(response)
            #expect(report["method"] as? String == "POST")
            #expect(report["body"] as? String == text)
            #expect(try await count(fault, key) == 3)
            await allowing.shutdown()
        }
    }

    @Test("a stream body is not retried, and the error says why")
    func streamNotRetried() async throws {
        let fault = try await FaultServer.shared()
        var policy = quick(3)
        policy.retriesNonIdempotentRequests = true
        let client = try client(policy)
        let (url, key) = flaky(fault, fails: 1, mode: "reset")
        let chunks = AsyncStream<[UInt8]> { continuation in
            continuation.yield(Array("once".utf8))
            continuation.finish()
        }
        let error = await httpError { _ = try await client.execute(try HTTPClient.request(.post, url), body: .stream(chunks)) }
        #expect(error?.kind == .networkError)
        #expect(error?.detail.contains("stream") == true)
        #expect(try await count(fault, key) == 1)
        await client.shutdown()
    }

    @Test("429 and 503 are retried, honouring Retry-After up to the cap; a longer Retry-After returns the response", arguments: ["429", "503"])
    func statuses(mode: String) async throws {
        let fault = try await FaultServer.shared()
        let client = try client(quick(3))
        let (url, key) = flaky(fault, fails: 2, mode: mode, extra: "&retry_after=0")
        let response = try await client.get(url)
        #expect(response.status == .ok)
        #expect(response.attempts == 3)
        #expect(try await count(fault, key) == 3)

        var capped = quick(3)
        capped.maxRetryAfter = .seconds(1)
        var options = HTTPClientRequestOptions()
        options.retry = capped
        let (slow, slowKey) = flaky(fault, fails: 1, mode: mode, extra: "&retry_after=120")
        let answered = try await client.get(slow, options: options)
        #expect(answered.status.code == Int(mode))
        #expect(answered.attempts == 1)
        #expect(answered.headerFields[.retryAfter] == "120")
        #expect(try await count(fault, slowKey) == 1)
        await client.shutdown()
    }

    @Test("a policy out of range is refused by the client")
    func validation() {
        for change: (inout HTTPClientRetryPolicy) -> Void in [{ $0.maxAttempts = 0 }, { $0.jitter = 2 }, { $0.multiplier = .nan },
                                                                { $0.initialBackoff = .seconds(-1) }] {
            var policy = HTTPClientRetryPolicy()
            change(&policy)
            var configuration = HTTPClientConfiguration()
            configuration.retry = policy
            #expect(throws: HTTPClientError.self) { _ = try HTTPClient(configuration: configuration) }
        }
    }
}
