// swift-tools-version:6.0
// Load benchmarks for `vigil serve`, kept out of the main package: no dependencies, builds in seconds.
// Build and run (or let scripts/bench-serve do both, against clamd and Vigil in one run):
//   cd Benchmarks && swift build -c release --product clamd-load
//   .build/release/clamd-load --unix /run/clamav/clamd.ctl --clients 8 --scans 2000 --size 4096
import PackageDescription

let package = Package(
    name: "VigilBenchmarks",
    targets: [.executableTarget(name: "clamd-load")]
)
