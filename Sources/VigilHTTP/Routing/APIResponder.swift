import HTTPTypes
import HummingbirdCore
import NIOCore
import VigilService
import VigilSystem

/// Answers every request on the listener: routes it, checks the bearer token, runs the operation and writes the
/// reply with its `Date`, counting it for `/metrics`.
struct APIResponder: Sendable {
    let service: ScanService
    let token: BearerToken?
    let scans: ScanEndpoint
    let counters: HTTPRequestCounters
    let log: @Sendable (String) -> Void

    /// Seconds a connection that is closed after its reply may go on sending before it is cut off: long enough for
    /// the client to read the reply (closing with unread input would reset the connection and lose it).
    static let lingerSeconds: Int64 = 2

    /// Hummingbird's responder: `Request` in, the reply written to `writer`.
    func respond(to request: Request, writer: consuming ResponseWriter, channel: any Channel) async throws {
        // A throw means the body could not be read (the client went away or broke the framing): nobody to answer,
        // and Hummingbird closes the connection.
        let reply = try await self.reply(to: request, writer: writer, channel: channel)
        counters.record(status: Int(reply.status.code))
        var headers = reply.headers
        headers[.contentType] = reply.contentType
        headers[.date] = httpDate(Int(wallClockSeconds()))
        if reply.closesConnection { headers[.connection] = "close" }
        let body = ByteBuffer(string: reply.body)
        if request.method == .head {
            // The head a GET would have, without its body.
            headers[.contentLength] = String(body.readableBytes)
            try await writer.writeResponse(HTTPResponse(status: reply.status, headerFields: headers))
        } else {
            try await writer.write(
                response: HTTPResponse(status: reply.status, headerFields: headers),
                body: ResponseBody(byteBuffer: body))
        }
        if reply.closesConnection {
            // Stop writing, then let the client's unread bytes drain for a moment before closing for good.
            channel.close(mode: .output, promise: nil)
            channel.eventLoop.scheduleTask(in: .seconds(Self.lingerSeconds)) { channel.close(promise: nil) }
        }
    }

    private func reply(to request: Request, writer: borrowing ResponseWriter, channel: any Channel) async throws
        -> Reply
    {
        guard let endpoint = Endpoint(path: request.uri.path) else {
            return .error(.notFound, "no such endpoint: \(request.uri.path)")
        }
        guard endpoint.allows(request.method) else {
            var reply = Reply.error(.methodNotAllowed, "\(request.uri.path) answers \(endpoint.allowed) only")
            reply.headers[.allow] = endpoint.allowed
            return endpoint == .scan ? reply.closing() : reply
        }
        if let token, endpoint.needsAuthorization {
            let offered = request.headers[.authorization]
            guard token.admits(offered) else {
                var reply = Reply.error(
                    .unauthorized, offered == nil ? "a bearer token is required" : "invalid bearer token")
                reply.headers[.wwwAuthenticate] =
                    offered == nil ? "Bearer realm=\"vigil\"" : "Bearer realm=\"vigil\", error=\"invalid_token\""
                return endpoint == .scan ? reply.closing() : reply
            }
        }
        let now = wallClockSeconds()
        switch endpoint {
        case .scan:
            return try await scans.reply(to: request, writer: writer, peer: Self.peer(channel))
        case .version:
            return .json(.ok, APIDocument.version(database: service.database, now: now))
        case .health:
            return .json(.ok, APIDocument.health)
        case .metrics:
            let page = PrometheusExposition.render(
                service.metrics.snapshot, database: service.database, requests: counters.snapshot, now: now)
            return Reply(status: .ok, contentType: PrometheusExposition.contentType, body: page)
        }
    }

    /// The client's address as `host:port`, for logs.
    static func peer(_ channel: any Channel) -> String {
        guard let address = channel.remoteAddress else { return "unknown" }
        guard let ip = address.ipAddress, let port = address.port else { return address.description }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}
