// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Vigil",
    products: [
        .executable(name: "vigil", targets: ["vigil"]),
        .library(name: "VigilSignatures", targets: ["VigilSignatures"]),
        .library(name: "VigilFormats", targets: ["VigilFormats"]),
        .library(name: "VigilEngine", targets: ["VigilEngine"]),
        .library(name: "VigilDatabase", targets: ["VigilDatabase"]),
        .library(name: "VigilScan", targets: ["VigilScan"]),
        .library(name: "VigilService", targets: ["VigilService"]),
        .library(name: "VigilHTTP", targets: ["VigilHTTP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
    ],
    targets: [
        .target(name: "VigilSystem", dependencies: ["CVigilLibc"]),
        .target(name: "VigilSignatures"),
        .target(name: "CVigilLibc"),
        .systemLibrary(name: "CVigilZlib", path: "Sources/CVigilZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CVigilArchive", path: "Sources/CVigilArchive", providers: [.apt(["libarchive-dev"])]),
        .target(name: "VigilFormats", dependencies: ["CVigilZlib", "CVigilArchive", "CVigilLibc"]),
        .target(
            name: "VigilEngine",
            dependencies: [
                "VigilSignatures", "VigilFormats", "CVigilLibc", .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "VigilDatabase",
            dependencies: [
                "VigilEngine", "VigilSignatures", "VigilFormats", "VigilSystem",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(name: "VigilScan", dependencies: ["VigilDatabase", "VigilEngine", "VigilSystem"]),
        .target(name: "VigilService", dependencies: ["VigilScan", "VigilDatabase", "VigilEngine", "VigilSystem"]),
        .target(
            name: "VigilHTTP",
            dependencies: [
                "VigilService", "VigilEngine", "VigilScan", "VigilSystem",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
            ]
        ),
        .executableTarget(
            name: "vigil",
            dependencies: [
                "VigilScan", "VigilService", "VigilHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "VigilTestSupport", dependencies: ["VigilSystem", "CVigilZlib", "CVigilArchive"],
            path: "Tests/VigilTestSupport"),
        .testTarget(name: "VigilSignaturesTests", dependencies: ["VigilSignatures", "VigilTestSupport"]),
        .testTarget(name: "VigilFormatsTests", dependencies: ["VigilFormats", "VigilTestSupport"]),
        .testTarget(name: "VigilEngineTests", dependencies: ["VigilEngine", "VigilTestSupport"]),
        .testTarget(name: "VigilDatabaseTests", dependencies: ["VigilDatabase", "VigilEngine", "VigilTestSupport"]),
        .testTarget(name: "VigilScanTests", dependencies: ["VigilScan", "VigilTestSupport", "vigil"]),
        .testTarget(name: "VigilServiceTests", dependencies: ["VigilService", "VigilTestSupport", "vigil"]),
        .testTarget(name: "VigilHTTPTests", dependencies: ["VigilHTTP", "VigilService", "VigilTestSupport", "vigil"]),
    ]
)
