// swift-tools-version:6.2
// 6.2: swift-service-lifecycle, swift-metrics, swift-distributed-tracing and
// swift-openapi-runtime declare it.
import PackageDescription

/// Upcoming features turned on for every target, as hummingbird does.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Curlew",
    products: [
        .library(name: "Curlew", targets: ["Curlew"]),
        .library(name: "LibCurl", targets: ["LibCurl"]),
        // The swift-openapi-runtime transport, apart so that Curlew itself does not depend on it.
        .library(name: "CurlewOpenAPI", targets: ["CurlewOpenAPI"]),
        .executable(name: "curlew", targets: ["CurlewCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.13.4"),
    ],
    targets: [
        // The only C we write: typed wrappers for libcurl's variadic calls and libev's macros.
        .target(
            name: "CCurlew",
            linkerSettings: [.linkedLibrary("curl"), .linkedLibrary("ev")]
        ),
        // The one lock type: a pthread mutex, which ThreadSanitizer can see.
        .target(name: "CurlewLocks", swiftSettings: swiftSettings),
        // A thin, synchronous Swift layer over libcurl's handles with PycURL's semantics.
        .target(name: "LibCurl", dependencies: ["CCurlew", "CurlewLocks"], swiftSettings: swiftSettings),
        // The async HTTP client: a libev loop thread per multi, transfers, HTTPClient.
        .target(
            name: "Curlew",
            dependencies: [
                "CCurlew", "CurlewLocks", "LibCurl",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        // ClientTransport for OpenAPI-generated clients, on HTTPClient.
        .target(
            name: "CurlewOpenAPI",
            dependencies: [
                "Curlew",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        // The `curlew` command-line tool: get and load.
        .executableTarget(
            name: "CurlewCLI",
            dependencies: [
                "Curlew", "CurlewLocks", "LibCurl",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        // `make soak`: long loopback runs with RSS and fd bounds (a tenth of them in `make test`).
        .executableTarget(
            name: "CurlewSoak",
            dependencies: ["CCurlew", "Curlew", "CurlewLocks", "CurlewTestSupport", "LibCurl",
                           .product(name: "HTTPTypes", package: "swift-http-types")],
            swiftSettings: swiftSettings
        ),
        // Starts the real servers the tests talk to (nginx, …) on loopback ports picked free.
        .target(name: "CurlewTestSupport", dependencies: ["CurlewLocks"], swiftSettings: swiftSettings),
        .testTarget(
            name: "LibCurlTests",
            dependencies: ["LibCurl", "CCurlew", "CurlewLocks", "CurlewTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CurlewTests",
            dependencies: [
                "Curlew", "CurlewLocks", "LibCurl", "CurlewTestSupport",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CurlewOpenAPITests",
            dependencies: [
                "CurlewOpenAPI", "Curlew", "CurlewTestSupport",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CurlewCLITests",
            dependencies: ["CurlewTestSupport", "LibCurl"],
            swiftSettings: swiftSettings
        ),
    ]
)
