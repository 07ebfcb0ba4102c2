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
        .library(name: "LibCurl", targets: ["LibCurl"]),
    ],
    targets: [
        // The only C we write: typed wrappers for libcurl's variadic calls and libev's macros.
        .target(
            name: "CCurlew",
            linkerSettings: [.linkedLibrary("curl"), .linkedLibrary("ev")]
        ),
        // A thin, synchronous Swift layer over libcurl's handles with PycURL's semantics.
        .target(name: "LibCurl", dependencies: ["CCurlew"], swiftSettings: swiftSettings),
        // Starts the real servers the tests talk to (nginx, …) on loopback ports picked free.
        .target(name: "CurlewTestSupport", swiftSettings: swiftSettings),
        .testTarget(
            name: "LibCurlTests",
            dependencies: ["LibCurl", "CCurlew", "CurlewTestSupport"],
            swiftSettings: swiftSettings
        ),
    ]
)
