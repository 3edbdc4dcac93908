import Foundation
import Testing
import VigilSystem
import VigilTestSupport

/// `vigil serve` as a process, for what its command line adds to the clamd.conf: the HTTP API beside the clamd
/// socket, its token, and the switch to `User` after binding.
@Suite(.serialized) struct ServeProcessTests {
    /// One HTTP/1.1 request on a new loopback connection; the whole response.
    private func http(_ port: Int, _ head: String, body: [UInt8] = []) throws -> String {
        let fd = try FileDescriptor.connectTCP(host: "127.0.0.1", port: port).get()
        defer { fd.close() }
        fd.setTimeout(seconds: 10)
        let request = Array((head + "Host: 127.0.0.1\r\nConnection: close\r\n\r\n").utf8) + body
        _ = request.withUnsafeBytes { fd.writeAll($0) }
        return readAll(fd)
    }

    @Test func serveRunsTheHTTPAPIBesideTheClamdSocket() throws {
        let directory = try TemporaryDirectory()
        let base = directory.path
        try directory.write("db/test.ndb", text: "Hello-Sig:0:*:68656c6c6f\n")
        let token = try directory.write("token", text: "s3cret\n")
        let socket = base + "/vigil.sock"
        let log = base + "/vigil.log"
        try directory.write(
            "serve.conf", text: RealClamd.configuration(socket: socket, database: base + "/db", log: log))
        let port = try RealClamd.freeLoopbackPort()
        let daemon = try RealClamdDaemon(
            name: "vigil", program: RealClamd.vigil,
            arguments: [
                "serve", "--config", base + "/serve.conf", "--http", "127.0.0.1:\(port)", "--http-token-file", token,
            ],
            socket: socket, outputPath: base + "/vigil.out", logPath: log)
        defer { daemon.stop() }
        try waitUntil { (try? http(port, "GET /v1/health HTTP/1.1\r\n"))?.hasPrefix("HTTP/1.1 200") == true }
        #expect(try http(port, "GET /v1/version HTTP/1.1\r\n").hasPrefix("HTTP/1.1 401"))
        let hello = Array("hello world".utf8)
        let scanned = try http(
            port, "POST /v1/scan HTTP/1.1\r\nAuthorization: Bearer s3cret\r\nContent-Length: \(hello.count)\r\n",
            body: hello)
        #expect(scanned.hasPrefix("HTTP/1.1 200") && scanned.contains(#""name":"Hello-Sig""#), "\(scanned)")
        let stream = Array("zINSTREAM\0".utf8) + chunked(hello)
        #expect(try realClamdExchange(socket, stream) == Array("stream: Hello-Sig FOUND\0".utf8))
        kill(daemon.process.processIdentifier, SIGTERM)
        #expect(daemon.waitForExit(seconds: 10) == 0, "\(daemon.diagnostics)")
    }

    @Test func serveRefusesABadHTTPAddress() throws {
        let run = try RealClamd.run(RealClamd.vigil, ["serve", "--http", "localhost:http"])
        #expect(run.status == 2 && run.stderr.contains("--http: expected [HOST:]PORT, got 'localhost:http'"))
    }

    @Test(.enabled(if: geteuid() == 0, "switching users needs root"))
    func serveStartedAsRootRunsAsUserAfterBinding() throws {
        let directory = try TemporaryDirectory()
        let base = directory.path
        try directory.write("db/test.ndb", text: "Hello-Sig:0:*:68656c6c6f\n")
        let socket = base + "/vigil.sock"
        let log = base + "/vigil.log"
        // Not RealClamd.configuration, which says `User root` when run as root (and the first User wins).
        try directory.write(
            "serve.conf",
            text: "Foreground yes\nDatabaseDirectory \(base)/db\nLogFile \(log)\nLocalSocket \(socket)\nUser nobody\n")
        let daemon = try RealClamdDaemon(
            name: "vigil", program: RealClamd.vigil, arguments: ["serve", "--config", base + "/serve.conf"],
            socket: socket, outputPath: base + "/vigil.out", logPath: log)
        defer { daemon.stop() }
        let status = try String(contentsOfFile: "/proc/\(daemon.process.processIdentifier)/status", encoding: .utf8)
        let uid = status.split(separator: "\n").first { $0.hasPrefix("Uid:") }.map(String.init) ?? ""
        #expect(uid.split(separator: "\t").dropFirst().allSatisfy { $0 == "65534" }, "\(uid)")
        // Bound as root, served as nobody: the socket still answers.
        let stream = Array("zINSTREAM\0".utf8) + chunked(Array("hello world".utf8))
        #expect(try realClamdExchange(socket, stream) == Array("stream: Hello-Sig FOUND\0".utf8))
    }
}
