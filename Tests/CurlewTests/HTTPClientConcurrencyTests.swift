@testable import Curlew
import CurlewTestSupport
import Foundation
import HTTPTypes
import Testing

/// This process's open TCP sockets connected to one of `ports` on 127.0.0.1: socket inodes of
/// /proc/self/fd matched against /proc/net/tcp. Precise even while other suites run.
func openConnections(toPorts ports: [Int]) -> Int {
    let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    var inodes = Set<String>()
    for fd in fds {
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)"),
           target.hasPrefix("socket:[") {
            inodes.insert(String(target.dropFirst(8).dropLast()))
        }
    }
    // Read to EOF: /proc files report a size of 0, and the table is longer than one page.
    let table = String(decoding: FileHandle(forReadingAtPath: "/proc/net/tcp")?.readDataToEndOfFile() ?? Data(), as: UTF8.self)
    let hexPorts = Set(ports.map { String(format: "%04X", $0) })
    var count = 0
    for line in table.split(separator: "\n").dropFirst() {
        let columns = line.split(separator: " ", omittingEmptySubsequences: true)
        guard columns.count > 9 else { continue }
        let remotePort = columns[2].split(separator: ":").last.map(String.init) ?? ""
        if hexPorts.contains(remotePort) && inodes.contains(String(columns[9])) { count += 1 }
    }
    return count
}

@Suite("HTTPClient: concurrency, cancellation, shutdown", .serialized)
struct HTTPClientConcurrencyTests {
    let nginx: Nginx

    init() async throws { nginx = try await Nginx.shared() }

    @Test("1,000 concurrent requests all complete, over HTTP/1.1 and HTTP/2")
    func thousandConcurrent() async throws {
        for (url, version) in [(nginx.httpURL("/small"), HTTPClientResponse.Version.http1_1), (nginx.httpsURL("/small"), .http2)] {
            let client = try makeClient(nginx)
            let bodies = try await withThrowingTaskGroup(of: (String, HTTPClientResponse.Version).self) { group in
                for _ in 0..<1000 {
                    group.addTask {
                        let response = try await client.get(url)
                        return (try await response.text(), response.version)
                    }
                }
                var all: [(String, HTTPClientResponse.Version)] = []
                for try await result in group { all.append(result) }
                return all
            }
            #expect(bodies.count == 1000)
            #expect(bodies.allSatisfy { $0.0 == "hello" && $0.1 == version })
            #expect(await client.statistics().transfers == 0)
            await client.shutdown()
        }
    }

    @Test("cancelling a task before its request starts, while connecting, and mid-body ends it as .cancelled")
    func cancellationPoints() async throws {
        let client = try makeClient(nginx)
        let faults = try await FaultServer.shared()
        // Before start: the task is cancelled before execute runs.
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await httpError { _ = try await client.get(nginx.httpURL("/small")) }
        }
        #expect(await early.value?.kind == .cancelled)
        // While waiting for a head that never comes.
        let hanging = Task { await httpError { _ = try await client.get(faults.url("/hang")) } }
        try await Task.sleep(for: .milliseconds(200))
        hanging.cancel()
        #expect(await hanging.value?.kind == .cancelled)
        // Mid-body.
        let midBody = Task {
            await httpError {
                let response = try await client.get(nginx.httpURL("/slow"))
                for try await _ in response.body { withUnsafeCurrentTask { $0?.cancel() } }
            }
        }
        #expect(await midBody.value?.kind == .cancelled)
        #expect(await client.statistics().transfers == 0)
        await client.shutdown()
    }

    @Test("dropping an unread body cancels the transfer")
    func droppedBodyCancels() async throws {
        let client = try makeClient(nginx)
        do {
            let response = try await client.get(nginx.httpURL("/slow"))
            #expect(response.status == .ok)
        }
        var transfers = 1
        for _ in 0..<100 where transfers > 0 {
            try await Task.sleep(for: .milliseconds(20))
            transfers = await client.statistics().transfers
        }
        #expect(transfers == 0)
        await client.shutdown()
    }

    @Test("a cancellation storm leaves no transfer, socket or continuation behind")
    func cancellationStorm() async throws {
        let nginx = try Nginx()  // its own, so the socket count below sees only this test's connections
        defer { nginx.stop() }
        let client = try makeClient(nginx)
        let urls = [nginx.httpURL("/slow"), nginx.httpURL("/big"), nginx.httpsURL("/big"), nginx.httpURL("/small")]
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<400 {
                let task = Task {
                    do {
                        let response = try await client.get(urls[index % urls.count])
                        _ = try await response.body.collect(upTo: 4 << 20)
                        return true
                    } catch {
                        return (error as? HTTPClientError)?.kind == .cancelled
                    }
                }
                group.addTask {
                    try? await Task.sleep(for: .milliseconds(UInt64.random(in: 0...150)))
                    task.cancel()
                    return await task.value
                }
            }
            var all: [Bool] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        #expect(outcomes.count == 400, "every task finished: no continuation was left hanging")
        #expect(outcomes.allSatisfy { $0 }, "each ended in success or .cancelled")
        let statistics = await client.statistics()
        #expect(statistics.transfers == 0)
        _ = try await client.get(nginx.httpURL("/small")).body.collect(upTo: 100)
        #expect(openConnections(toPorts: [nginx.httpPort, nginx.httpsPort]) > 0, "idle keep-alive connections stay open until shutdown")
        await client.shutdown()
        #expect(openConnections(toPorts: [nginx.httpPort, nginx.httpsPort]) == 0, "shutdown closed every socket")
    }

    @Test("shutdown with requests in flight ends every one of them")
    func shutdownInFlight() async throws {
        let client = try makeClient(nginx)
        let faults = try await FaultServer.shared()
        let tasks = (0..<20).map { index in
            Task { await httpError { _ = try await client.get(index % 2 == 0 ? faults.url("/hang") : nginx.httpURL("/slow")).body.collect(upTo: 4 << 20) } }
        }
        try await Task.sleep(for: .milliseconds(300))
        await client.shutdown(gracePeriod: .milliseconds(200))
        for task in tasks {
            #expect(await task.value?.kind == .shutdown)
        }
    }

    @Test("shutdown lets in-flight requests finish within the grace period")
    func shutdownDrains() async throws {
        let client = try makeClient(nginx)
        let task = Task { try await client.get(nginx.httpURL("/big")).body.collect(upTo: 4 << 20) }
        try await Task.sleep(for: .milliseconds(50))
        await client.shutdown(gracePeriod: .seconds(10))
        #expect(try await task.value == Nginx.bigBody())
    }

    @Test("withHTTPClient shuts the client down, also when the body throws")
    func scopedClient() async throws {
        var configuration = HTTPClientConfiguration()
        configuration.proxy = .none
        let text = try await withHTTPClient(configuration: configuration) { client in
            try await client.get(nginx.httpURL("/small")).text()
        }
        #expect(text == "hello")
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await withHTTPClient(configuration: configuration) { _ in throw Boom() }
        }
    }

    @Test("backpressure holds memory bounded while a consumer reads a large body slowly")
    func backpressure() async throws {
        let client = try makeClient(nginx) {
            $0.responseBufferHighWater = 64 << 10
            $0.responseBufferLowWater = 16 << 10
        }
        let response = try await client.get(nginx.httpsURL("/big"))
        var total = 0
        var maxBuffered = 0
        for try await chunk in response.body {
            total += chunk.count
            try await Task.sleep(for: .milliseconds(5))
            maxBuffered = max(maxBuffered, response.body.owner.transfer.bufferedBytes)
        }
        #expect(total == Nginx.bigSize)
        // High water plus the one chunk libcurl delivers past it.
        #expect(maxBuffered <= (64 << 10) + 256 << 10, "buffered at most \(maxBuffered) bytes")
        await client.shutdown()
    }
}
