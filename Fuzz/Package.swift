// swift-tools-version:6.0
// libFuzzer targets, kept out of the main package so `swift build` and `swift test` never need the fuzzer
// runtime. Build and run (DESIGN.md):
//   cd Fuzz && swift build -c release --product FuzzSignatures --sanitize=fuzzer \
//       -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
//   SWIFT_BACKTRACE=enable=no .build/release/FuzzSignatures -max_total_time=60 -max_len=1048576 corpus/signatures
import PackageDescription

/// The main package's identity is its directory's name, whatever the clone is called.
let vigil = String(#filePath.split(separator: "/").dropLast(2).last ?? "main")

let package = Package(
    name: "VigilFuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(
            name: "FuzzSignatures",
            dependencies: [
                .product(name: "VigilSignatures", package: vigil),
                .product(name: "VigilEngine", package: vigil),
            ]),
        .executableTarget(
            name: "FuzzCVD",
            dependencies: [
                .product(name: "VigilDatabase", package: vigil), .product(name: "VigilFormats", package: vigil),
            ]),
        .executableTarget(name: "FuzzCDiff", dependencies: [.product(name: "VigilDatabase", package: vigil)]),
        .executableTarget(name: "FuzzVDB", dependencies: [.product(name: "VigilEngine", package: vigil)]),
        .executableTarget(name: "FuzzFormats", dependencies: [.product(name: "VigilFormats", package: vigil)]),
        .executableTarget(name: "FuzzHTTP", dependencies: [.product(name: "VigilHTTP", package: vigil)]),
        .executableTarget(name: "FuzzServe", dependencies: [.product(name: "VigilService", package: vigil)]),
        .executableTarget(
            name: "FuzzYara",
            dependencies: [
                .product(name: "VigilSignatures", package: vigil), .product(name: "VigilEngine", package: vigil),
            ]),
        .executableTarget(
            name: "FuzzYaraModules",
            dependencies: [
                .product(name: "VigilSignatures", package: vigil), .product(name: "VigilEngine", package: vigil),
            ]),
        .executableTarget(
            name: "FuzzYaraRegex",
            dependencies: [
                .product(name: "VigilSignatures", package: vigil), .product(name: "VigilEngine", package: vigil),
            ]),
        .executableTarget(
            name: "FuzzContainers",
            dependencies: [
                .product(name: "VigilEngine", package: vigil), .product(name: "VigilFormats", package: vigil),
                .product(name: "VigilSignatures", package: vigil),
            ]),
    ]
)
