// swift-tools-version:6.1
import PackageDescription

// A nested package: plain builds and CI of the root never compile what is here.
let package = Package(
    name: "CurlewBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Curlew", path: ".."),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // Only its malloc interposer: the default traits also pull a runtime interposer that
        // is not needed for wall time and allocation counts.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        // Named for AHCClient's own imports (TimeAmount, HTTPVersion, TLSConfiguration): AHC's own dependencies.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.100.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.30.0"),
    ],
    targets: [
        // `swift package benchmark`: the request path's stages (setup from an HTTPRequest,
        // header parsing, body chunk delivery, completion), wall time and allocations.
        .executableTarget(
            name: "RequestPathBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Curlew", package: "Curlew"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Benchmarks/RequestPathBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // `curlew-client URL N C PROTOCOL`: N requests at concurrency C with HTTPClient.
        .executableTarget(
            name: "CurlewClient",
            dependencies: ["BenchmarkSupport", .product(name: "Curlew", package: "Curlew"), .product(name: "LibCurl", package: "Curlew")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // What the Swift clients share: arguments, the load and its one line.
        .target(
            name: "BenchmarkSupport",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // `AHCClient URL N C PROTOCOL`: the same work with async-http-client (SwiftNIO).
        .executableTarget(
            name: "AHCClient",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // `URLSessionClient URL N C PROTOCOL`: the same work with FoundationNetworking's URLSession.
        .executableTarget(
            name: "URLSessionClient",
            dependencies: ["BenchmarkSupport"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // `CBaseline URL N C PROTOCOL`: the same work in C, straight on libcurl's multi interface with libev.
        .executableTarget(
            name: "CBaseline",
            path: "Sources/CBaseline",
            linkerSettings: [.linkedLibrary("curl"), .linkedLibrary("ev")]
        ),
    ]
)
