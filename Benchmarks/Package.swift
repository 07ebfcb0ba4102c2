// swift-tools-version:6.1
import PackageDescription

// A nested package: plain builds and CI of the root never compile what is here.
let package = Package(
    name: "CurlewBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Curlew", path: ".."),
    ],
    targets: [
        // `curlew-client URL N C PROTOCOL`: N requests at concurrency C with HTTPClient.
        .executableTarget(
            name: "CurlewClient",
            dependencies: [.product(name: "Curlew", package: "Curlew")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
