@testable import Curlew
import CurlewLocks
import CurlewTestSupport
import Testing

/// HTTP/1.1 requests past `maxConnectionsPerHost` wait in Curlew's own line: first come,
/// first served, within their deadline, cancellable, and shut down cleanly.
@Suite(.timeLimit(.minutes(2)))
struct ConnectionQueueTests {
    func client(limit: Int) throws -> HTTPClient {
        var configuration = HTTPClientConfiguration()
        configuration.proxy = .none
        configuration.maxConnectionsPerHost = limit
        return try HTTPClient(configuration: configuration)
    }

    func waitUntil(_ client: HTTPClient, _ condition: @escaping (LoopStatistics) -> Bool) async throws {
        while !condition(await client.statistics()) { try await Task.sleep(for: .milliseconds(10)) }
    }

    @Test("requests past the limit go in the order they came")
    func firstComeFirstServed() async throws {
        let fault = try await FaultServer.shared()
        let client = try client(limit: 1)
        let order = Locked([Int]())
        let url = fault.url("/slow-body?bytes=5&delay_ms=20")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<6 {
                group.addTask {
                    _ = try await client.get(url).body.collect(upTo: 100)
                    order.withLock { $0.append(index) }
                }
                // The next one starts only once this one is on the wire, in line, or done.
                try await waitUntil(client) { $0.transfers + $0.waitingForConnection + order.withLock { $0.count } >= index + 1 }
            }
            try await group.waitForAll()
        }
        #expect(order.withLock { $0 } == Array(0..<6))
        await client.shutdown()
    }

    @Test("a request waiting in line keeps its deadline, can be cancelled, and the line goes on once a connection frees")
    func deadlineAndCancel() async throws {
        let fault = try await FaultServer.shared()
        let client = try client(limit: 2)
        let holders = (0..<2).map { _ in Task { try await client.get(fault.url("/hang"), timeout: .seconds(60)) } }
        try await waitUntil(client) { $0.transfers == 2 }
        // Its deadline passes in line: .timeout, long before the holders end.
        let late = await httpError { _ = try await client.get(fault.url("/ok"), timeout: .milliseconds(300)) }
        #expect(late?.kind == .timeout)
        // Cancelled in line.
        let waiting = Task { try await client.get(fault.url("/ok")) }
        try await waitUntil(client) { $0.waitingForConnection == 1 }
        waiting.cancel()
        let cancelled = await httpError { _ = try await waiting.value }
        #expect(cancelled?.kind == .cancelled)
        try await waitUntil(client) { $0.waitingForConnection == 0 }
        // One waits; a holder ends; the waiting one gets the connection.
        let next = Task { try await client.get(fault.url("/ok")).body.collect(upTo: 100) }
        try await waitUntil(client) { $0.waitingForConnection == 1 }
        holders[0].cancel()
        #expect(try await next.value == Array("ok".utf8))
        holders[1].cancel()
        // Shutdown fails what still waits, at once.
        let blocker = (0..<2).map { _ in Task { try await client.get(fault.url("/hang"), timeout: .seconds(60)) } }
        try await waitUntil(client) { $0.transfers == 2 }
        let stranded = Task { try await client.get(fault.url("/ok")) }
        try await waitUntil(client) { $0.waitingForConnection == 1 }
        await client.shutdown(gracePeriod: .zero)
        let shut = await httpError { _ = try await stranded.value }
        #expect(shut?.kind == .shutdown)
        for task in blocker { _ = await httpError { _ = try await task.value } }
    }
}
