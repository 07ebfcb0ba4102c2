@testable import Curlew
import CurlewTestSupport
import Foundation
import HTTPTypes
import Testing

/// The name of the thread running the caller (the kernel's, as `prctl(PR_SET_NAME)` set it).
private func currentThreadName() -> String {
    let name = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
    return name.trimmingCharacters(in: .whitespacesAndNewlines)
}

@Suite("HTTPClient: tasks on the loop's executor", .serialized)
struct HTTPClientExecutorTests {
    let nginx: Nginx

    init() async throws { nginx = try await Nginx.shared() }

    @Test("tasks preferring taskExecutor run on the loop thread, and their requests complete over HTTP/1.1, h2c and HTTP/2")
    func requestsOnTheLoop() async throws {
        let cases: [(String, HTTPClientResponse.Version, HTTPClientConfiguration.HTTPVersionPolicy)] = [
            (nginx.httpURL("/small"), .http1_1, .automatic),
            (nginx.h2cURL("/small"), .http2, .http2PriorKnowledge),
            (nginx.httpsURL("/small"), .http2, .automatic),
        ]
        for (url, version, policy) in cases {
            let client = try makeClient(nginx) { $0.httpVersion = policy }
            let results = try await withThrowingTaskGroup(of: (String, String, String, HTTPClientResponse.Version).self) { group in
                for _ in 0..<200 {
                    group.addTask(executorPreference: client.taskExecutor) {
                        let before = currentThreadName()
                        let response = try await client.get(url)
                        let text = try await response.text()
                        return (before, currentThreadName(), text, response.version)
                    }
                }
                var all: [(String, String, String, HTTPClientResponse.Version)] = []
                for try await result in group { all.append(result) }
                return all
            }
            #expect(results.count == 200)
            #expect(results.allSatisfy { $0.0 == "curlew-loop-0" && $0.1 == "curlew-loop-0" })
            #expect(results.allSatisfy { $0.2 == "hello" && $0.3 == version })
            #expect(await client.statistics().transfers == 0)
            await client.shutdown()
        }
    }

    @Test("a task on the loop can read a large body with backpressure and cancel another request")
    func bodiesAndCancellationOnTheLoop() async throws {
        let client = try makeClient(nginx)
        let faults = try await FaultServer.shared()
        let (count, cancelled) = try await Task(executorPreference: client.taskExecutor) {
            let response = try await client.get(nginx.httpURL("/big"))
            var count = 0
            for try await chunk in response.body { count += chunk.count }
            let hanging = Task(executorPreference: client.taskExecutor) {
                await httpError { _ = try await client.get(faults.url("/hang")) }
            }
            try await Task.sleep(for: .milliseconds(100))
            hanging.cancel()
            return (count, await hanging.value?.kind)
        }.value
        #expect(count == 1 << 20)
        #expect(cancelled == .cancelled)
        await client.shutdown()
    }

    @Test("shutdown awaited from a task on the loop returns, and tasks preferring the ended loop still run")
    func shutdownFromTheLoop() async throws {
        let client = try makeClient(nginx)
        let executor = client.taskExecutor
        let inFlight = Task(executorPreference: executor) {
            await httpError { _ = try await client.get(nginx.httpURL("/slow")).text() }
        }
        try await Task.sleep(for: .milliseconds(100))
        await Task(executorPreference: executor) { await client.shutdown(gracePeriod: .zero) }.value
        #expect(await inFlight.value?.kind == .shutdown)
        // The loop has ended: a new task preferring it runs elsewhere and is told the client is shut down.
        let after = await Task(executorPreference: executor) {
            (currentThreadName(), await httpError { _ = try await client.get(nginx.httpURL("/small")) }?.kind)
        }.value
        #expect(after.0 != "curlew-loop-0")
        #expect(after.1 == .shutdown)
    }

    @Test("with several loops, taskExecutor(for:) is the loop serving that origin")
    func executorPerOrigin() async throws {
        let client = try makeClient(nginx) {
            $0.loopCount = 2
            $0.httpVersion = .http2PriorKnowledge
        }
        for url in [nginx.h2cURL("/small"), nginx.httpsURL("/small"), "http://localhost:\(nginx.h2cPort)/small"] {
            let thread = try await Task(executorPreference: client.taskExecutor(for: url)) {
                _ = try await client.get(url).text()
                return currentThreadName()
            }.value
            let index = Engine.loopIndex(for: try #require(URL(string: url)).originKeyForTest, count: 2)
            #expect(thread == "curlew-loop-\(index)")
        }
        await client.shutdown()
    }
}

private extension URL {
    /// scheme://host:port, as the client pins origins (default ports dropped).
    var originKeyForTest: String {
        let scheme = scheme ?? "http"
        let defaultPort = scheme == "https" ? 443 : 80
        let portPart = port.map { $0 == defaultPort ? "" : ":\($0)" } ?? ""
        return "\(scheme)://\(host ?? "")\(portPart)"
    }
}
