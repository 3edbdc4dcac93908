import Testing
import VigilTestSupport

@testable import VigilHTTP

/// `POST /v1/scan` end to end over a socket, every response checked against `docs/openapi.json`.
@Suite struct ScanEndpointTests {
    let contract: OpenAPIContract

    init() throws { contract = try OpenAPIContract.load() }

    private func scan(_ server: TestServer, headers: [(String, String)] = [], body: [UInt8], query: String = "")
        throws -> HTTPMessage
    {
        let response = try server.request("POST", "/v1/scan" + query, headers: headers, body: body)
        #expect(contract.violations(of: response, to: "POST", "/v1/scan") == [])
        return response
    }

    @Test func rawBodyWithEicarIsInfected() async throws {
        try await TestServer.with { (server) async throws in
            let response = try scan(
                server, headers: [("Content-Type", "application/octet-stream")], body: TestContent.eicar)
            #expect(response.status == 200)
            let json = try response.json()
            #expect(json["infected"] == .bool(true))
            #expect(json["detections"]?[0]?["name"] == .string("Eicar-Test-Signature"))
            #expect(json["detections"]?[0]?["chain"] == .array([]))
            #expect(json["detections"]?[0]?["file"] == .null)
            #expect(json["bytes_scanned"] == .integer(68))
            #expect(json["database"]?["version"] == .string("builtin"))
            #expect(json["files"]?.array?.count == 1)
            #expect(server.logged.withLock { $0 }.contains { $0.contains("Eicar-Test-Signature FOUND") })
        }
    }

    @Test func cleanBodyAndEmptyBodyAreClean() async throws {
        try await TestServer.with { (server) async throws in
            for body in [Array("hello, world\n".utf8), [], TestContent.noise(100_000, seed: 7)] {
                let response = try scan(server, body: body)
                #expect(response.status == 200)
                #expect(try response.json()["infected"] == .bool(false))
                #expect(try response.json()["bytes_scanned"] == .integer(body.count))
            }
        }
    }

    @Test func chunkedBodyIsScanned() async throws {
        try await TestServer.with { (server) async throws in
            let connection = try RawHTTPConnection(port: server.port)
            let eicar = TestContent.eicar
            var request = "POST /v1/scan HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            request += String(20, radix: 16) + "\r\n" + String(decoding: eicar[..<20], as: UTF8.self) + "\r\n"
            request += String(48, radix: 16) + "\r\n" + String(decoding: eicar[20...], as: UTF8.self) + "\r\n0\r\n\r\n"
            try connection.send(request)
            let response = try connection.readResponse()
            #expect(response.status == 200)
            #expect(try response.json()["infected"] == .bool(true))
            #expect(contract.violations(of: response, to: "POST", "/v1/scan") == [])
        }
    }

    @Test func archiveMemberChainIsReported() async throws {
        try await TestServer.with { (server) async throws in
            let zip = RawZip.build([
                RawZip.Entry("docs/readme.txt", Array("hi".utf8)), .init("eicar.com", TestContent.eicar),
            ])
            let response = try scan(server, body: zip)
            #expect(response.status == 200)
            #expect(try response.json()["detections"]?[0]?["chain"] == .array([.string("eicar.com")]))
        }
    }

    @Test func multipartScansEachFilePart() async throws {
        try await TestServer.with { (server) async throws in
            let form = MultipartBody(parts: [
                ("comment", nil, Array("not a file".utf8)),
                ("upload", "clean.txt", Array("clean".utf8)),
                ("upload", "eicar.txt", TestContent.eicar),
            ])
            let response = try scan(server, headers: [("Content-Type", form.contentType)], body: form.bytes)
            #expect(response.status == 200)
            let json = try response.json()
            #expect(json["infected"] == .bool(true))
            #expect(json["files"]?.array?.count == 2)
            #expect(json["files"]?[0]?["file"] == .string("clean.txt"))
            #expect(json["files"]?[1]?["infected"] == .bool(true))
            #expect(json["detections"]?[0]?["file"] == .string("eicar.txt"))
            #expect(json["detections"]?[0]?["part"] == .integer(1))
            #expect(json["bytes_scanned"] == .integer(73))
        }
    }

    @Test func multipartWithoutFilenamesScansEveryPart() async throws {
        try await TestServer.with { (server) async throws in
            let form = MultipartBody(parts: [("a", nil, Array("x".utf8)), ("b", nil, TestContent.eicar)])
            let response = try scan(server, headers: [("Content-Type", form.contentType)], body: form.bytes)
            let json = try response.json()
            #expect(json["files"]?.array?.count == 2)
            #expect(json["detections"]?[0]?["part"] == .integer(1))
            #expect(json["files"]?[1]?["field"] == .string("b"))
        }
    }

    @Test(arguments: [
        ("multipart/form-data", "no boundary"),
        ("multipart/form-data; boundary=abc", "body without the boundary"),
        ("multipart/form-data; boundary=\(MultipartBody.boundary)", "truncated"),
    ])
    func malformedMultipartIs400(contentType: String, _ what: String) async throws {
        try await TestServer.with { (server) async throws in
            var body = MultipartBody(parts: [("f", "x.txt", Array("abc".utf8))]).bytes
            body.removeLast(20)
            let response = try scan(server, headers: [("Content-Type", contentType)], body: body)
            #expect(response.status == 400, "\(what)")
            #expect(try response.json()["error"]?.string?.isEmpty == false)
            #expect(server.service.metrics.snapshot.errors == 1)
        }
    }

    @Test func allMatchQuery() async throws {
        try await TestServer.with { (server) async throws in
            #expect(try scan(server, body: TestContent.eicar, query: "?all_match=true").status == 200)
            #expect(try scan(server, body: TestContent.eicar, query: "?all_match=false").status == 200)
            #expect(try scan(server, body: TestContent.eicar, query: "?all_match=maybe").status == 400)
        }
    }

    @Test func oversizedBodyIs413AndClosesTheConnection() async throws {
        try await TestServer.with(maximumBodySize: 1000) { (server) async throws in
            // Declared too large: refused before the body is sent.
            let connection = try RawHTTPConnection(port: server.port)
            try connection.send("POST /v1/scan HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n")
            let declared = try connection.readResponse()
            #expect(declared.status == 413)
            #expect(declared.header("connection") == "close")
            #expect(contract.violations(of: declared, to: "POST", "/v1/scan") == [])
            #expect(connection.closesWithin(5))
            // Chunked past the limit: refused when the limit is crossed.
            let chunked = try RawHTTPConnection(port: server.port)
            try chunked.send("POST /v1/scan HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            let chunk = String(repeating: "a", count: 600)
            try chunked.send("258\r\n\(chunk)\r\n258\r\n\(chunk)\r\n")
            #expect(try chunked.readResponse().status == 413)
            #expect(chunked.closesWithin(5))
            // At the limit exactly: scanned.
            #expect(try scan(server, body: [UInt8](repeating: 0x41, count: 1000)).status == 200)
        }
    }

    @Test func expectContinueIsAnswered() async throws {
        try await TestServer.with { (server) async throws in
            let connection = try RawHTTPConnection(port: server.port)
            try connection.send(
                "POST /v1/scan HTTP/1.1\r\nHost: x\r\nContent-Length: 68\r\nExpect: 100-continue\r\n\r\n")
            let interim = try connection.readHead()
            #expect(interim.status == 100)
            try connection.send(TestContent.eicar)
            #expect(try connection.readResponse().status == 200)
            let refused = try server.request("POST", "/v1/scan", headers: [("Expect", "something-else")], body: [1])
            #expect(refused.status == 417)
            #expect(contract.violations(of: refused, to: "POST", "/v1/scan") == [])
        }
    }

    @Test func contentEncodingIs415() async throws {
        try await TestServer.with { (server) async throws in
            let response = try scan(server, headers: [("Content-Encoding", "gzip")], body: [0x1F, 0x8B])
            #expect(response.status == 415)
        }
    }

    @Test func keepAliveServesManyScansOnOneConnection() async throws {
        try await TestServer.with { (server) async throws in
            let connection = try RawHTTPConnection(port: server.port)
            for i in 0..<20 {
                let response = try connection.request(
                    "POST", "/v1/scan", body: i % 2 == 0 ? TestContent.eicar : [1, 2])
                #expect(response.status == 200)
                #expect(try response.json()["infected"] == .bool(i % 2 == 0))
            }
            #expect(server.service.metrics.snapshot.scans == 20)
            #expect(server.service.metrics.snapshot.detections == 10)
        }
    }

    @Test func memoryBudgetRefusesUploadsBeyondIt() async throws {
        var limits = HTTPServer.Limits()
        limits.maximumBufferedBodyBytes = 1000
        try await TestServer.with(maximumBodySize: 100_000, limits: limits) { (server) async throws in
            // One upload holds the budget while its body is incomplete.
            let holder = try RawHTTPConnection(port: server.port)
            try holder.send("POST /v1/scan HTTP/1.1\r\nHost: x\r\nContent-Length: 900\r\n\r\nabc")
            try await Task.sleep(for: .milliseconds(200))
            let refused = try scan(server, body: [UInt8](repeating: 0, count: 500))
            #expect(refused.status == 503)
            #expect(refused.header("retry-after") == "1")
            try holder.send([UInt8](repeating: 0, count: 897))
            #expect(try holder.readResponse().status == 200)
            #expect(try scan(server, body: [UInt8](repeating: 0, count: 500)).status == 200)
        }
    }
}
