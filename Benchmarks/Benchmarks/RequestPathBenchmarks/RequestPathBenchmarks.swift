// The hot path of one request, stage by stage, without the network: `swift package benchmark`
// in Benchmarks/ (see Benchmarks/README.md). Each iteration is one request's worth of a stage,
// so wall time and allocations read directly as "per request".
import Benchmark
@_spi(Benchmarking) import Curlew
import HTTPTypes

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        scalingFactor: .one,
        maxDuration: .seconds(3),
        maxIterations: 200_000
    )

    var configuration = HTTPClientConfiguration()
    configuration.proxy = .none
    configuration.decompression = false
    configuration.redirects = .disallow
    let request = HTTPRequest(method: .get, scheme: "http", authority: "127.0.0.1:8080", path: "/small")

    func stages() throws -> (HTTPClient, RequestPathStages) {
        let client = try HTTPClient(configuration: configuration)
        return (client, try RequestPathStages(client: client))
    }

    Benchmark("setup: HTTPRequest to a configured easy handle, reused handle") { benchmark in
        let (client, stages) = try stages()
        try stages.setUp(request, reuseHandle: true)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { try stages.setUp(request, reuseHandle: true) }
        benchmark.stopMeasurement()
        await client.shutdown()
    }

    Benchmark("setup: HTTPRequest to a configured easy handle, after curl_easy_reset") { benchmark in
        let (client, stages) = try stages()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { try stages.setUp(request, reuseHandle: false) }
        benchmark.stopMeasurement()
        await client.shutdown()
    }

    Benchmark("setup: URL string to HTTPRequest") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try HTTPClient.request(.get, "http://127.0.0.1:8080/small"))
        }
    }

    Benchmark("header parsing: nginx's /small head to HTTPResponse") { benchmark in
        let (client, stages) = try stages()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(stages.parseHead()) }
        benchmark.stopMeasurement()
        await client.shutdown()
    }

    Benchmark("body chunk delivery: one 5-byte chunk") { benchmark in
        let (client, stages) = try stages()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try stages.deliverBody(chunks: 1, of: 5, from: request)) }
        benchmark.stopMeasurement()
        await client.shutdown()
    }

    Benchmark("body chunk delivery: 1 MiB in libcurl's 16 KiB chunks") { benchmark in
        let (client, stages) = try stages()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try stages.deliverBody(chunks: 64, of: 16 << 10, from: request)) }
        benchmark.stopMeasurement()
        await client.shutdown()
    }

    Benchmark("completion: the metrics alone") { benchmark in
        let (client, stages) = try stages()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(stages.readMetrics()) }
        benchmark.stopMeasurement()
        await client.shutdown()
    }

    Benchmark("completion: metrics, finish, end of body") { benchmark in
        let (client, stages) = try stages()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try stages.complete(request)) }
        benchmark.stopMeasurement()
        await client.shutdown()
    }
}
