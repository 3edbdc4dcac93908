import Foundation
import Testing
import VigilService
import VigilTestSupport

@testable import VigilHTTP

/// Starting, binding errors and graceful stopping, from threads and from tasks.
@Suite struct ServerLifecycleTests {
    @Test func portZeroPicksAPortAndStartWorksFromAPlainThread() throws {
        let service = try ScanService(databasePaths: [])
        let started = Latch<Result<HTTPServer, HTTPServerError>>()
        // The daemon's way: a blocking start and stop on threads outside Swift concurrency.
        Thread.detachNewThread {
            do throws(HTTPServerError) {
                started.set(
                    .success(
                        try HTTPServer.start(
                            service: service, host: "127.0.0.1", port: 0, bearerToken: nil, maximumBodySize: 1024,
                            log: { _ in })))
            } catch {
                started.set(.failure(error))
            }
        }
        let server = try started.wait().get()
        #expect(server.port > 0)
        #expect(try httpRequest(port: server.port, "GET", "/v1/health").status == 200)
        let stopped = Latch<Void>()
        Thread.detachNewThread {
            server.stop()
            server.stop()  // a second stop waits for the same shutdown
            stopped.set(())
        }
        stopped.wait()
        #expect(throws: (any Error).self) { try httpRequest(port: server.port, "GET", "/v1/health") }
    }

    @Test func bindFailuresAreThrown() async throws {
        let service = try ScanService(databasePaths: [])
        try await TestServer.with { (running) async throws in
            await #expect(throws: HTTPServerError.self) {
                try await HTTPServer.start(
                    service: service, host: "127.0.0.1", port: running.port, bearerToken: nil, maximumBodySize: 1,
                    log: { _ in })
            }
            do throws(HTTPServerError) {
                let extra = try await HTTPServer.start(
                    service: service, host: "127.0.0.1", port: running.port, bearerToken: nil, maximumBodySize: 1,
                    log: { _ in })
                Issue.record("bound port \(extra.port) twice")
                await extra.stop()
            } catch {
                #expect(error.code == .bindFailed)
                #expect(error.message.contains("127.0.0.1:\(running.port)"))
                #expect(error.message.contains("in use"))
            }
        }
        await #expect(throws: HTTPServerError.self) {
            try await HTTPServer.start(
                service: service, host: "no-such-host.invalid", port: 0, bearerToken: nil, maximumBodySize: 1,
                log: { _ in })
        }
        await #expect(throws: HTTPServerError.self) {
            try await HTTPServer.start(
                service: service, host: "127.0.0.1", port: 70000, bearerToken: nil, maximumBodySize: 1, log: { _ in })
        }
        await #expect(throws: HTTPServerError.self) {
            try await HTTPServer.start(
                service: service, host: "127.0.0.1", port: 0, bearerToken: "", maximumBodySize: 1, log: { _ in })
        }
    }

    @Test func stopLetsARequestInFlightFinish() async throws {
        let service = try ScanService(databasePaths: [])
        let server = try await HTTPServer.start(
            service: service, host: "127.0.0.1", port: 0, bearerToken: nil, maximumBodySize: 1 << 20, log: { _ in })
        let connection = try RawHTTPConnection(port: server.port)
        try connection.send("POST /v1/scan HTTP/1.1\r\nHost: x\r\nContent-Length: 68\r\n\r\n")
        try connection.send(Array(TestContent.eicar[..<30]))
        try await Task.sleep(for: .milliseconds(100))
        let stopping = Task { await server.stop() }
        try await Task.sleep(for: .milliseconds(200))
        try connection.send(Array(TestContent.eicar[30...]))
        let response = try connection.readResponse()
        #expect(response.status == 200)
        #expect(try response.json()["infected"] == .bool(true))
        await stopping.value
        #expect(throws: (any Error).self) { try httpRequest(port: server.port, "GET", "/v1/health") }
    }
}
