// swift-tools-version:6.1
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
        .executable(name: "curlew", targets: ["CurlewCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
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
