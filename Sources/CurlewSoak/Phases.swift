import CCurlew
import Curlew
import CurlewLocks
import CurlewTestSupport
import Foundation
import HTTPTypes

/// The soak's phases, each against real servers on loopback, each printing its bounds.
struct Phases {
    enum Version: String, CaseIterable {
        case h1, h2c, h2
    }

    let nginx: Nginx
    let verdicts: Verdicts
    let scale: Int
    let concurrency = 64

    func client(_ version: Version, _ configure: (inout HTTPClientConfiguration) -> Void = { _ in }) throws -> HTTPClient {
        var configuration = HTTPClientConfiguration()
        configuration.proxy = .none
        configuration.tls.caFile = nginx.certificates.caCertificate
        switch version {
        case .h1: configuration.httpVersion = .http1Only
        case .h2c: configuration.httpVersion = .http2PriorKnowledge
        case .h2: configuration.httpVersion = .automatic
        }
        configure(&configuration)
        return try HTTPClient(configuration: configuration)
    }

    func url(_ version: Version, _ path: String) -> String {
        switch version {
        case .h1: return nginx.httpURL(path)
        case .h2c: return nginx.h2cURL(path)
        case .h2: return nginx.httpsURL(path)
        }
    }

    /// `requests` requests at C=64: RSS within ±5 % from the 10 % mark to the end, no error,
    /// the same descriptors open after the client as before it.
    func load(_ version: Version, requests: Int) async throws {
        let descriptorsBefore = Probe.openDescriptors()
        let client = try client(version)
        let url = url(version, "/small")
        let claimed = Locked(0), errors = Locked([String: Int]()), samples = Locked([(Int, Int, Int)]())
        let tenth = max(1, requests / 10)
        let started = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    while true {
                        let index = claimed.withLock { value -> Int? in
                            guard value < requests else { return nil }
                            value += 1
                            return value
                        }
                        guard let index else { return }
                        do {
                            let response = try await client.get(url)
                            _ = try await response.body.collect(upTo: 1 << 16)
                        } catch {
                            let kind = kindName(error)
                            errors.withLock { $0[kind, default: 0] += 1 }
                        }
                        if index % tenth == 0 { samples.withLock { $0.append((index, Probe.rssKiB(), Probe.openDescriptors())) } }
                    }
                }
            }
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        await client.shutdown()
        let descriptorsAfter = Probe.openDescriptors()
        let marks = samples.withLock { $0 }.sorted { $0.0 < $1.0 }
        let failed = errors.withLock { $0 }
        let first = marks.first?.1 ?? -1, last = marks.last?.1 ?? -1
        verdicts.note("\(version) load: " + marks.map { "\($0.0 / tenth * 10)% \(mib($0.1)) \($0.2) fds" }.joined(separator: ", "))
        verdicts.checkMemory(abs(percent(first, last)) <= 5, "\(version) RSS under load",
                       String(format: "%@ at 10%% → %@ at the end (%+.1f %%, bound ±5 %%), %d requests in %.1f s", mib(first), mib(last),
                              percent(first, last), requests, seconds))
        verdicts.check(failed.isEmpty, "\(version) errors under load", failed.isEmpty ? "none in \(requests)" : "\(failed)")
        verdicts.check(descriptorsAfter == descriptorsBefore, "\(version) descriptors", "\(descriptorsBefore) before the client, \(descriptorsAfter) after it")
    }

    /// `count` requests cancelled at random (before the head, mid-body, not at all): every task
    /// returns, no error but `.cancelled`, 1,000 requests succeed after, and RSS returns to
    /// within 20 % of the figure before the storm, at once or once the allocator is trimmed.
    func cancellations(_ version: Version, count: Int) async throws {
        let client = try client(version)
        let small = url(version, "/small"), big = url(version, "/big")
        // Warm up at the storm's concurrency, on both paths, so that the figure before the
        // storm includes the connections and pooled handles that load keeps.
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    for round in 0..<20 { _ = try? await client.get((worker + round) % 2 == 0 ? small : big).body.collect(upTo: 1 << 21) }
                }
            }
        }
        let before = Probe.rssKiB()
        let returned = Locked(0), unexpected = Locked([String: Int]())
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var random = SystemRandomNumberGenerator()
                    for _ in stride(from: worker, to: count, by: concurrency) {
                        let target = Bool.random(using: &random) ? small : big
                        let task = Task {
                            do {
                                let response = try await client.get(target)
                                _ = try await response.body.collect(upTo: 1 << 21)
                            } catch let error as HTTPClientError where error.kind == .cancelled {
                            } catch {
                                let kind = kindName(error)
                                unexpected.withLock { $0[kind, default: 0] += 1 }
                            }
                        }
                        let delay = Int.random(in: 0..<3_000, using: &random)
                        if delay > 0 { try? await Task.sleep(for: .microseconds(delay)) }
                        task.cancel()
                        await task.value
                        returned.withLock { $0 += 1 }
                    }
                }
            }
        }
        let after = Probe.rssKiB()
        _ = ccurlew_malloc_trim()
        let trimmed = Probe.rssKiB()
        var succeeded = 0
        for _ in 0..<1_000 {
            if (try? await client.get(small).body.collect(upTo: 1 << 16)) != nil { succeeded += 1 }
        }
        await client.shutdown()
        let errors = unexpected.withLock { $0 }
        verdicts.check(returned.withLock { $0 } == count, "\(version) cancellation storm", "\(returned.withLock { $0 }) of \(count) tasks returned")
        verdicts.check(errors.isEmpty, "\(version) storm errors", errors.isEmpty ? "only .cancelled" : "\(errors)")
        verdicts.check(succeeded == 1_000, "\(version) after the storm", "\(succeeded) of 1000 requests succeeded")
        verdicts.checkMemory(percent(before, after) <= 20 || percent(before, trimmed) <= 20, "\(version) RSS after the storm",
                       String(format: "%@ before, %@ after (%+.1f %%), %@ once malloc_trim returned the allocator's free pages (%+.1f %%); bound +20 %%",
                              mib(before), mib(after), percent(before, after), mib(trimmed), percent(before, trimmed)))
    }

    /// `count` requests in flight (HTTP/1.1, a connection each, each reading a slow body) when
    /// the client shuts down without grace: done in under a second, every task returned with
    /// `.shutdown`. (Over h2c the same shutdown took 2.4–7.0 s, nearly all of it in libcurl's
    /// `curl_multi_remove_handle` of the streams still running: see README, Reliability.)
    func shutdownInFlight(count: Int) async throws {
        let client = try client(.h1) { $0.maxConnectionsPerHost = 0 }
        let url = url(.h1, "/slow")
        let heads = Locked(0), outcomes = Locked([String: Int]())
        let elapsed = await withTaskGroup(of: Void.self) { group -> Duration? in
            for _ in 0..<count {
                group.addTask {
                    do {
                        let response = try await client.get(url)
                        heads.withLock { $0 += 1 }
                        _ = try await response.body.collect(upTo: 1 << 21)
                        outcomes.withLock { $0["completed", default: 0] += 1 }
                    } catch {
                        let kind = kindName(error)
                        outcomes.withLock { $0[kind, default: 0] += 1 }
                    }
                }
            }
            // /slow sends its 1 MiB at 64 KiB/s: 16 s per body, so the heads must all be in well before.
            let deadline = ContinuousClock.now + .seconds(12)
            while heads.withLock({ $0 }) < count, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
            let inFlight = heads.withLock { $0 }
            verdicts.check(inFlight == count, "shutdown: requests in flight", "\(inFlight) of \(count) heads in before the shutdown")
            let started = ContinuousClock.now
            await client.shutdown(gracePeriod: .zero)
            let took = ContinuousClock.now - started
            await group.waitForAll()
            return took
        }
        let ended = outcomes.withLock { $0 }
        let took = elapsed ?? .seconds(999)
        verdicts.check(took < .seconds(1), "shutdown time", "\(took) with \(count) in flight (bound 1 s)")
        // A body that ended before the shutdown (the first ones, while the last heads came in)
        // is a task returned too.
        verdicts.check(ended.values.reduce(0, +) == count && Set(ended.keys).isSubset(of: ["shutdown", "completed"]),
                       "shutdown: every task returned", "\(ended)")
    }

    /// `count` WebSockets open for `seconds`, each echoing a message a second: every echo
    /// back whole, no error, the same descriptors open after as before.
    func webSockets(count: Int, seconds: Int) async throws {
        let server = try WebSocketServer()
        defer { server.stop() }
        let descriptorsBefore = Probe.openDescriptors()
        var configuration = HTTPClientConfiguration()
        configuration.proxy = .none
        let client = try HTTPClient(configuration: configuration)
        let echoes = Locked(0), errors = Locked([String: Int]())
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                group.addTask {
                    do {
                        try await client.withWebSocket(server.url("/echo")) { socket in
                            var messages = socket.messages.makeAsyncIterator()
                            for round in 0..<seconds {
                                let text = "socket \(index) round \(round)"
                                try await socket.send(.text(text))
                                guard case .text(let echoed)? = try await messages.next(), echoed == text else {
                                    errors.withLock { $0["wrong echo", default: 0] += 1 }
                                    return
                                }
                                echoes.withLock { $0 += 1 }
                                try await Task.sleep(for: .seconds(1))
                            }
                        }
                    } catch {
                        let kind = kindName(error)
                        errors.withLock { $0[kind, default: 0] += 1 }
                    }
                }
            }
        }
        await client.shutdown()
        let descriptorsAfter = Probe.openDescriptors()
        let failed = errors.withLock { $0 }
        verdicts.check(echoes.withLock { $0 } == count * seconds && failed.isEmpty, "websockets",
                       "\(echoes.withLock { $0 }) of \(count * seconds) echoes over \(count) sockets for \(seconds) s; errors: \(failed.isEmpty ? "none" : "\(failed)")")
        verdicts.check(descriptorsAfter == descriptorsBefore, "websocket descriptors", "\(descriptorsBefore) before, \(descriptorsAfter) after")
    }
}

/// The error's kind as printed in the bounds (`"\(error)"` for an error that is not Curlew's).
private func kindName(_ error: any Error) -> String {
    (error as? HTTPClientError)?.kind.rawValue ?? "\(error)"
}
