import Testing
import VigilTestSupport

@testable import VigilHTTP

/// Hostile and broken clients: none may crash the server or keep it from answering others.
@Suite struct RobustnessTests {
    static var shortLimits: HTTPServer.Limits {
        var limits = HTTPServer.Limits()
        limits.idleTimeout = 1
        limits.maximumHeaderBytes = 8 * 1024
        return limits
    }

    /// The server still answers a plain request.
    static func answers(_ server: TestServer) throws -> Bool {
        try server.request("GET", "/v1/health").status == 200
    }

    @Test func hugeHeadersAreRefused() async throws {
        try await TestServer.with(limits: Self.shortLimits) { (server) async throws in
            let connection = try RawHTTPConnection(port: server.port)
            try connection.send(
                "GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 64 * 1024))\r\n\r\n")
            #expect(try connection.readResponse().status == 400)
            #expect(connection.closesWithin(5))
            let many = try RawHTTPConnection(port: server.port)
            try many.send("GET /v1/health HTTP/1.1\r\n" + (0..<500).map { "X-\($0): y\r\n" }.joined() + "\r\n")
            #expect(try many.readResponse().status == 400)
            let longPath = try RawHTTPConnection(port: server.port)
            try longPath.send("GET /\(String(repeating: "p", count: 100_000)) HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try longPath.readResponse().status == 400)
            #expect(try Self.answers(server))
        }
    }

    @Test func garbageIsRefused() async throws {
        try await TestServer.with(limits: Self.shortLimits) { (server) async throws in
            for garbage in [
                "\u{0}\u{1}\u{2}\r\n\r\n", "HELLO\r\n\r\n", "GET / HTTP/9.9\r\n\r\n", "zSCAN /tmp\0",
                "POST /v1/scan HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
                "POST /v1/scan HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
                "POST /v1/scan HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n",
            ] {
                let connection = try RawHTTPConnection(port: server.port)
                try connection.send(garbage)
                if let response = try? connection.readResponse() { #expect(response.status == 400, "\(garbage)") }
                #expect(connection.closesWithin(5), "\(garbage)")
            }
            #expect(try Self.answers(server))
        }
    }

    @Test func slowHeadersAreCutOff() async throws {
        try await TestServer.with(limits: Self.shortLimits) { (server) async throws in
            // Slowloris: a head that never ends, a byte at a time.
            let connection = try RawHTTPConnection(port: server.port)
            try connection.send("GET /v1/health HTTP/1.1\r\nX-Slow: ")
            var cut = false
            for _ in 0..<40 where !cut {
                try? await Task.sleep(for: .milliseconds(100))
                if (try? connection.send("a")) == nil { cut = true }
            }
            #expect(cut || connection.closesWithin(2))
            // A connection that sends nothing at all.
            let silent = try RawHTTPConnection(port: server.port)
            #expect(silent.closesWithin(5))
            #expect(try Self.answers(server))
        }
    }

    @Test func stalledAndTruncatedBodiesDoNotWedgeTheServer() async throws {
        try await TestServer.with(limits: Self.shortLimits) { (server) async throws in
            let stalled = try RawHTTPConnection(port: server.port)
            try stalled.send("POST /v1/scan HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nonly this")
            var truncated: RawHTTPConnection? = try RawHTTPConnection(port: server.port)
            try truncated?.send("POST /v1/scan HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\npart")
            truncated = nil  // closes the socket mid-body
            #expect(try Self.answers(server))
            #expect(stalled.closesWithin(5))
            #expect(try Self.answers(server))
            #expect(server.service.metrics.snapshot.scans == 0)
        }
    }

    @Test func idleKeepAliveConnectionsAreClosed() async throws {
        try await TestServer.with(limits: Self.shortLimits) { (server) async throws in
            let connection = try RawHTTPConnection(port: server.port)
            #expect(try connection.request("GET", "/v1/health").status == 200)
            #expect(connection.closesWithin(5))
        }
    }

    @Test func manyConcurrentClients() async throws {
        try await TestServer.with { (server) async throws in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<32 {
                    group.addTask {
                        let connection = try RawHTTPConnection(port: server.port)
                        var infected = 0
                        for j in 0..<10 {
                            let body = (i + j) % 3 == 0 ? TestContent.eicar : TestContent.noise(4096, seed: UInt64(j))
                            let response = try connection.request("POST", "/v1/scan", body: body)
                            if try response.json()["infected"] == .bool(true) { infected += 1 }
                        }
                        return infected
                    }
                }
                var infected = 0
                for try await count in group { infected += count }
                #expect(infected == server.service.metrics.snapshot.detections)
                #expect(server.service.metrics.snapshot.scans == 320)
            }
        }
    }
}
