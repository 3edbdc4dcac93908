import Foundation
import VigilHTTP
import VigilService
import VigilSystem

/// A server under test on 127.0.0.1 and an ephemeral port, scanning with the built-in database, its log kept.
struct TestServer {
    let server: HTTPServer
    let service: ScanService
    let logged: Locked<[String]>
    static let token = "test-token-4f0c"

    var port: Int { server.port }

    /// Starts a server, runs `body` with it, and stops it however `body` ends.
    static func with<T>(
        token: String? = nil, maximumBodySize: Int = 1 << 20, limits: HTTPServer.Limits = HTTPServer.Limits(),
        _ body: (TestServer) async throws -> T
    ) async throws -> T {
        let service = try ScanService(databasePaths: [])
        let logged = Locked([String]())
        let server = try await HTTPServer.start(
            service: service, host: "127.0.0.1", port: 0, bearerToken: token, maximumBodySize: maximumBodySize,
            limits: limits, log: { line in logged.withLock { $0.append(line) } })
        let running = TestServer(server: server, service: service, logged: logged)
        do {
            let result = try await body(running)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// Sends one request on a new connection.
    func request(
        _ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil
    ) throws -> HTTPMessage {
        try httpRequest(port: port, method, path, headers: headers, body: body)
    }
}

/// A `multipart/form-data` body.
struct MultipartBody {
    static let boundary = "----vigil-test-8d1e"
    var parts: [(field: String, filename: String?, bytes: [UInt8])]

    var contentType: String { "multipart/form-data; boundary=\(Self.boundary)" }

    var bytes: [UInt8] {
        var out: [UInt8] = []
        for part in parts {
            var head = "--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"\(part.field)\""
            if let filename = part.filename { head += "; filename=\"\(filename)\"" }
            head += "\r\nContent-Type: application/octet-stream\r\n\r\n"
            out += Array(head.utf8) + part.bytes + Array("\r\n".utf8)
        }
        return out + Array("--\(Self.boundary)--\r\n".utf8)
    }
}
