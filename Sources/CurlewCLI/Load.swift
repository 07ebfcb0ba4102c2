import ArgumentParser
import Curlew
import CurlewLocks
import Foundation
import HTTPTypes
import Histogram

/// `curlew load URL`: a load generator with a live progress line and a final report.
struct Load: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Load-test a URL and report throughput and latency.")

    @Argument(help: "The URL to load.")
    var url: String

    @Option(name: [.customShort("n"), .customLong("requests")], help: "Requests to make (default 1000 unless -d is given).")
    var requests: Int?

    @Option(name: [.customShort("D"), .customLong("duration")], help: "Seconds to run instead of a request count.")
    var duration: Double?

    @Option(name: [.customShort("c"), .customLong("concurrency")], help: "Requests in flight at once (at most, with --rate).")
    var concurrency = 16

    @Option(name: [.customShort("R"), .customLong("rate")], help: "Requests per second, held constant; latencies are measured from each request's intended start (coordinated omission corrected, as wrk2 does).")
    var rate: Double?

    @Option(name: [.customShort("X"), .customLong("request")], help: "The request method.")
    var method = "GET"

    @Option(name: [.customShort("H"), .customLong("header")], help: "A request header, \"Name: value\"; repeatable.")
    var headers: [String] = []

    @Option(name: [.customShort("d"), .customLong("data")], help: "A request body (sends POST unless -X says otherwise); @file reads it from a file.")
    var data: String?

    @Flag(name: .customLong("json"), help: "Print the report as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if requests != nil && duration != nil { throw ValidationError("give -n or -d, not both") }
        if let requests, requests < 1 { throw ValidationError("-n must be at least 1") }
        if let duration, !(duration > 0) { throw ValidationError("-d must be a positive number of seconds") }
        if concurrency < 1 { throw ValidationError("-c must be at least 1") }
        if let rate, !(rate > 0 && rate.isFinite) { throw ValidationError("--rate must be a positive number of requests per second") }
        for header in headers where !header.contains(":") {
            throw ValidationError("a header must look like \"Name: value\": \(header)")
        }
    }

    /// The request every worker sends, and its body.
    private func template() throws -> (HTTPRequest, HTTPClientRequestBody) {
        var fields = HTTPFields()
        for header in headers {
            let parts = header.split(separator: ":", maxSplits: 1)
            guard let name = HTTPField.Name(String(parts[0]).trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("not a valid header name: \(parts[0])")
            }
            fields.append(HTTPField(name: name, value: parts.count > 1 ? String(parts[1]).trimmingCharacters(in: .whitespaces) : ""))
        }
        var body = HTTPClientRequestBody.none
        if let data {
            if data.hasPrefix("@") {
                let path = String(data.dropFirst())
                guard let contents = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
                body = .bytes(contents)
            } else {
                body = .string(data)
            }
        }
        let name = data != nil && method == "GET" ? "POST" : method
        guard let httpMethod = HTTPRequest.Method(name) else { throw ValidationError("not a valid method: \(name)") }
        return (try HTTPClient.request(httpMethod, url, headers: fields), body)
    }

    func run() async throws {
        var configuration = connection.configuration()
        configuration.maxConnectionsPerHost = concurrency
        configuration.redirects = .disallow
        let (request, body) = try template()
        let client = try HTTPClient(configuration: configuration)
        let timeout = connection.duration
        // Fail fast with one clear line when the URL cannot be reached at all.
        do {
            _ = try await client.execute(request, body: body, timeout: timeout).body.collect(upTo: 64 << 20)
        } catch {
            await client.shutdown()
            Failure.report(url, error)
            throw ExitCode(Failure.exitCode(for: error))
        }
        let total = duration == nil ? (requests ?? 1000) : Int.max
        let deadline = duration.map { ContinuousClock.now + .milliseconds(Int64($0 * 1000)) }
        // An address literal needs no lookup: only count DNS cache hits for names.
        let host = (URLComponents(string: url)?.host ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        var address = in6_addr()
        let isLiteral = inet_pton(AF_INET, host, &address) == 1 || inet_pton(AF_INET6, host, &address) == 1
        let tally = Tally(countsDNS: !isLiteral)
        let start = ContinuousClock.now
        let progress = stderrIsTerminal && !json ? Task { await drawProgress(tally, start: start) } : nil
        // With --rate, worker i of C sends at start + i/R, then every C/R seconds: a request
        // that comes back late makes the next one late, and its latency counts from when it
        // should have gone (wrk2's correction for coordinated omission).
        let workers = concurrency
        let rate = rate
        let interval = rate.map { Duration.nanoseconds(Int64(Double(workers) / $0 * 1e9)) }
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var intended = start + (rate.map { .nanoseconds(Int64(Double(worker) / $0 * 1e9)) } ?? .zero)
                    while tally.claim(total: total), deadline.map({ ContinuousClock.now < $0 }) ?? true {
                        if interval != nil, intended > ContinuousClock.now {
                            try? await Task.sleep(until: intended, clock: .continuous)
                        }
                        let began = ContinuousClock.now
                        do {
                            let response = try await client.execute(request, body: body, timeout: timeout)
                            var bytes = 0
                            for try await chunk in response.body { bytes += chunk.count }
                            let ended = ContinuousClock.now
                            tally.success(status: response.status.code, bytes: bytes, latency: ended - (interval == nil ? began : intended),
                                          serviceTime: ended - began, metrics: response.body.metrics)
                        } catch {
                            tally.failure(error)
                        }
                        if let interval { intended += interval }
                    }
                }
            }
        }
        progress?.cancel()
        if progress != nil { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        let elapsed = ContinuousClock.now - start
        await client.shutdown()
        let report = tally.report(url: url, elapsed: elapsed, concurrency: concurrency, loops: connection.loops, rate: rate)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            FileHandle.standardOutput.write(try encoder.encode(report) + Data("\n".utf8))
        } else {
            print(report.text(histogram: tally.histogramText()))
        }
        if report.errors > 0 && report.succeeded == 0 { throw ExitCode(1) }
    }

    private func drawProgress(_ tally: Tally, start: ContinuousClock.Instant) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(250))
            let (done, errors) = tally.counts()
            let seconds = (ContinuousClock.now - start).seconds
            let line = String(format: "\r%d requests, %.0f req/s, %d errors", done, Double(done) / max(seconds, 0.001), errors)
            FileHandle.standardError.write(Data(line.utf8))
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// What a load run counted; shared by the worker tasks under one lock.
final class Tally: Sendable {
    private struct State {
        var claimed = 0
        var succeeded = 0
        var bytes = 0
        var statuses: [Int: Int] = [:]
        var errors: [String: Int] = [:]
        var newConnections = 0
        var reusedConnections = 0
        var dnsCacheHits = 0
        var tlsResumed = 0
        var tlsFull = 0
        /// Latency in µs: from the intended start with --rate, from the actual start without.
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        /// Service time in µs, from each request's actual start (the same as `histogram`
        /// without --rate).
        var serviceTimes = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
    }

    private let state = Locked(State())
    /// Whether the host is a name, so that a lookup-free new connection means a cache hit.
    let countsDNS: Bool

    init(countsDNS: Bool) { self.countsDNS = countsDNS }

    /// Takes the next request slot; false when `total` have been taken.
    func claim(total: Int) -> Bool {
        state.withLock { state in
            guard state.claimed < total else { return false }
            state.claimed += 1
            return true
        }
    }

    func success(status: Int, bytes: Int, latency: Duration, serviceTime: Duration, metrics: HTTPClientMetrics?) {
        state.withLock { state in
            state.succeeded += 1
            state.bytes += bytes
            state.statuses[status, default: 0] += 1
            state.histogram.record(UInt64(min(60_000_000, max(1, latency.seconds * 1_000_000))))
            state.serviceTimes.record(UInt64(min(60_000_000, max(1, serviceTime.seconds * 1_000_000))))
            guard let metrics else { return }
            if metrics.connectionReused {
                state.reusedConnections += 1
            } else {
                state.newConnections += 1
                // A new connection whose name lookup took no time was served by the DNS cache.
                if countsDNS && metrics.nameLookup < 0.0001 { state.dnsCacheHits += 1 }
            }
            if let resumed = metrics.tlsSessionResumed, !metrics.connectionReused {
                if resumed { state.tlsResumed += 1 } else { state.tlsFull += 1 }
            }
        }
    }

    func failure(_ error: any Error) {
        let kind = (error as? HTTPClientError)?.kind.rawValue ?? "other"
        state.withLock { $0.errors[kind, default: 0] += 1 }
    }

    func counts() -> (Int, Int) {
        state.withLock { ($0.succeeded, $0.errors.values.reduce(0, +)) }
    }

    func report(url: String, elapsed: Duration, concurrency: Int, loops: Int, rate: Double?) -> LoadReport {
        state.withLock { state in
            let seconds = max(elapsed.seconds, 0.000_001)
            func ms(_ percentile: Double) -> Double { Double(state.histogram.valueAtPercentile(percentile)) / 1000 }
            func serviceMs(_ percentile: Double) -> Double { Double(state.serviceTimes.valueAtPercentile(percentile)) / 1000 }
            // HdrHistogram's percentile distribution (its own iteration, halving the distance
            // to 100 % every 5 steps, as its percentile output does).
            let distribution = state.histogram.percentiles(ticksPerHalfDistance: 5).map {
                LoadReport.Bucket(percentile: $0.percentileLevelIteratedTo, milliseconds: Double($0.value) / 1000,
                                  count: Int($0.totalCountToThisValue))
            }
            let errors = state.errors.values.reduce(0, +)
            return LoadReport(
                url: url, concurrency: concurrency, loops: loops,
                requests: state.succeeded + errors, succeeded: state.succeeded, errors: errors,
                durationSeconds: seconds, requestsPerSecond: Double(state.succeeded) / seconds,
                mebibytesPerSecond: Double(state.bytes) / seconds / 1_048_576,
                latencyMilliseconds: .init(p50: ms(50), p90: ms(90), p99: ms(99), p999: ms(99.9), max: Double(state.histogram.max) / 1000),
                rate: rate,
                serviceTimeMilliseconds: .init(p50: serviceMs(50), p90: serviceMs(90), p99: serviceMs(99), p999: serviceMs(99.9),
                                               max: Double(state.serviceTimes.max) / 1000),
                histogram: distribution,
                statusCounts: Dictionary(uniqueKeysWithValues: state.statuses.map { ("\($0.key)", $0.value) }),
                errorsByKind: state.errors,
                connections: .init(new: state.newConnections, reused: state.reusedConnections),
                dnsCacheHits: state.dnsCacheHits,
                tlsSessions: .init(resumed: state.tlsResumed, full: state.tlsFull)
            )
        }
    }

    /// A text histogram of latencies by percentile bands.
    func histogramText() -> String {
        state.withLock { state in
            guard state.histogram.totalCount > 0 else { return "" }
            let bands: [(String, Double)] = [("p10", 10), ("p25", 25), ("p50", 50), ("p75", 75), ("p90", 90), ("p99", 99), ("p99.9", 99.9), ("max", 100)]
            let top = Double(state.histogram.max)
            return bands.map { name, percentile in
                let value = Double(state.histogram.valueAtPercentile(percentile))
                let bar = String(repeating: "█", count: max(1, Int(value / max(top, 1) * 40)))
                return String(format: "  %-6@ %9.3f ms %@", name, value / 1000, bar)
            }.joined(separator: "\n")
        }
    }
}

/// The final report of a load run; `--json` prints it as is.
struct LoadReport: Codable, Sendable {
    struct Latency: Codable, Sendable {
        var p50: Double
        var p90: Double
        var p99: Double
        var p999: Double
        var max: Double
    }

    /// A point of the latency distribution: the latency at a percentile, and the requests at
    /// or below it.
    struct Bucket: Codable, Sendable {
        var percentile: Double
        var milliseconds: Double
        var count: Int
    }

    struct Connections: Codable, Sendable {
        var new: Int
        var reused: Int
    }

    struct TLSSessions: Codable, Sendable {
        var resumed: Int
        var full: Int
    }

    var url: String
    var concurrency: Int
    var loops: Int
    var requests: Int
    var succeeded: Int
    var errors: Int
    var durationSeconds: Double
    var requestsPerSecond: Double
    var mebibytesPerSecond: Double
    /// Latency: from each request's intended start with --rate (coordinated omission
    /// corrected), from its actual start without.
    var latencyMilliseconds: Latency
    /// The rate asked for (--rate), if any.
    var rate: Double?
    /// From each request's actual start: the server's and client's time alone.
    var serviceTimeMilliseconds: Latency
    /// The latency distribution by percentile.
    var histogram: [Bucket]
    var statusCounts: [String: Int]
    var errorsByKind: [String: Int]
    var connections: Connections
    var dnsCacheHits: Int
    var tlsSessions: TLSSessions

    func text(histogram: String) -> String {
        var lines = [
            "curlew load \(url)",
            String(format: "  %d requests (%d ok, %d errors) in %.2f s at concurrency %d, %d loop(s)", requests, succeeded, errors, durationSeconds, concurrency, loops),
            String(format: "  %.0f requests/s, %.2f MiB/s", requestsPerSecond, mebibytesPerSecond),
            String(format: "  latency%@ p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms",
                   rate == nil ? "" : " (from intended starts)",
                   latencyMilliseconds.p50, latencyMilliseconds.p90, latencyMilliseconds.p99, latencyMilliseconds.p999, latencyMilliseconds.max),
            "  status: " + statusCounts.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value)" }.joined(separator: ", "),
        ]
        if let rate {
            lines.insert(String(format: "  rate asked: %.0f requests/s; service time p50 %.3f ms, p99 %.3f ms, max %.3f ms", rate,
                                serviceTimeMilliseconds.p50, serviceTimeMilliseconds.p99, serviceTimeMilliseconds.max), at: 4)
        }
        if !errorsByKind.isEmpty {
            lines.append("  errors: " + errorsByKind.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value)" }.joined(separator: ", "))
        }
        lines.append("  connections: \(connections.new) new, \(connections.reused) reused; DNS cache hits on new connections: \(dnsCacheHits)")
        lines.append("  TLS sessions on new connections: \(tlsSessions.resumed) resumed, \(tlsSessions.full) full handshakes")
        if !histogram.isEmpty { lines.append("  latency histogram:\n\(histogram)") }
        return lines.joined(separator: "\n")
    }
}
