import Foundation
import Testing

/// Schemathesis (PyPI) fuzzes a live server from `docs/openapi.json`, with every check it has: statuses, media
/// types, headers and bodies must conform, invalid input must be refused with 4xx, and the token must be enforced.
@Suite struct SchemathesisTests {
    /// Where `scripts/ensure-deps http` installs it.
    static let executable = OpenAPIContract.repositoryRoot + "/.build-venv/bin/schemathesis"

    /// Installs schemathesis when it is missing (CI's fresh clone), as `scripts/test` would.
    static func ensureInstalled() throws {
        guard !FileManager.default.isExecutableFile(atPath: executable) else { return }
        let install = Process()
        install.executableURL = URL(fileURLWithPath: OpenAPIContract.repositoryRoot + "/scripts/ensure-deps")
        install.arguments = ["http"]
        try install.run()
        install.waitUntilExit()
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw ClientError(description: "schemathesis is not installed: run scripts/ensure-deps http")
        }
    }

    @Test(.timeLimit(.minutes(5))) func liveServerConformsToTheDocument() async throws {
        try Self.ensureInstalled()
        try await TestServer.with(token: TestServer.token) { (server) async throws in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "vigil-schemathesis-\(server.port)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let output = directory.appendingPathComponent("output.txt")
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            let seed = ProcessInfo.processInfo.environment["VIGIL_SCHEMATHESIS_SEED"] ?? "20261124"
            let run = Process()
            run.executableURL = URL(fileURLWithPath: Self.executable)
            run.arguments = [
                "run", OpenAPIContract.documentPath, "--url", "http://127.0.0.1:\(server.port)",
                "--header", "Authorization: Bearer \(TestServer.token)", "--checks", "all", "--max-examples", "50",
                "--seed", seed, "--request-timeout", "10", "--workers", "2", "--no-color",
            ]
            run.currentDirectoryURL = directory  // its reports and caches stay out of the repository
            run.standardOutput = try FileHandle(forWritingTo: output)
            run.standardError = run.standardOutput
            try run.run()
            let deadline = Date().addingTimeInterval(240)
            while run.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
            if run.isRunning {
                run.terminate()
                run.waitUntilExit()
                Issue.record("schemathesis did not finish within 240 s")
            }
            let report = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            #expect(run.terminationStatus == 0, "schemathesis reported failures:\n\(report)")
            #expect(report.contains("passed"), "\(report)")
        }
    }
}
