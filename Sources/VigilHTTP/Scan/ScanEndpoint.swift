import HTTPTypes
import HummingbirdCore
import NIOCore
import NIOPosix
import VigilService
import VigilSystem

/// `POST /v1/scan`: reads the body (raw, or `multipart/form-data` with one scan per file part) within the size
/// and memory limits, scans it on the scan threads and answers with a `ScanResult`.
struct ScanEndpoint: Sendable {
    let service: ScanService
    let pool: NIOThreadPool
    let maximumBodySize: Int
    let maximumParts: Int
    let budget: BodyBudget
    let log: @Sendable (String) -> Void

    /// The reply to a scan request (already routed and authorized); throws when the body cannot be read.
    func reply(to request: Request, writer: borrowing ResponseWriter, peer: String) async throws -> Reply {
        let reply = try await scan(request, writer: writer, peer: peer)
        if reply.status != .ok { service.metrics.recordError() }
        return reply
    }

    private func scan(_ request: Request, writer: borrowing ResponseWriter, peer: String) async throws -> Reply {
        // Everything refused before the body is read closes the connection, leaving the body unread.
        if let encoding = request.headers[.contentEncoding], encoding.trimmingSpace().lowercased() != "identity" {
            return Reply.error(.unsupportedMediaType, "Content-Encoding \(encoding) is not supported: send the bytes")
                .closing()
        }
        let allMatch: Bool
        switch request.uri.queryParameters["all_match"] {
        case nil, "false": allMatch = false
        case "true": allMatch = true
        default: return Reply.error(.badRequest, "all_match must be true or false").closing()
        }
        var form: MultipartFormData?
        if let contentType = request.headers[.contentType].map({ HeaderParameters($0[...]) }),
            contentType.value == "multipart/form-data"
        {
            do throws(MultipartError) {
                form = try MultipartFormData(boundary: MultipartFormData.boundary(of: contentType))
                form?.maximumParts = maximumParts
            } catch {
                return Reply.error(.badRequest, error.message).closing()
            }
        }
        let declared = request.headers[.contentLength].flatMap { Int($0) }.flatMap { $0 >= 0 ? $0 : nil }
        if let declared, declared > maximumBodySize { return tooLarge() }
        var body = ByteBuffer()
        var reserved = 0
        defer { budget.release(reserved) }
        if let declared {
            guard budget.reserve(declared) else { return busy() }
            reserved = declared
            body.reserveCapacity(declared)
        }
        if let expect = request.headers[.expect] {
            guard expect.trimmingSpace().lowercased() == "100-continue" else {
                return Reply.error(.expectationFailed, "unsupported expectation: \(expect)").closing()
            }
            // Only now, with the upload accepted, does the client send it.
            try await writer.writeInformationalHead(HTTPResponse(status: .continue))
        }
        do {
            for try await chunk in request.body {
                let size = body.readableBytes + chunk.readableBytes
                guard size <= maximumBodySize else { return tooLarge() }
                if size > reserved {
                    guard budget.reserve(size - reserved) else { return busy() }
                    reserved = size
                }
                body.writeImmutableBuffer(chunk)
            }
        } catch {
            service.metrics.recordError()
            throw error
        }

        let parts: [ScannedPart]
        do {
            parts = try await pool.runIfActive { [body, service, form] in
                try body.withUnsafeReadableBytes { bytes throws(MultipartError) in
                    try Self.scan(bytes, form: form, allMatch: allMatch, service: service)
                }
            }
        } catch let error as MultipartError {
            return .error(.badRequest, error.message)
        } catch {
            return Reply.error(.serviceUnavailable, "the server is shutting down").closing()
        }
        for part in parts {
            for detection in part.verdict.detections {
                let name = printable(part.filename ?? part.field ?? "stream")
                log("http \(peer): \(name): \(printable(detection.name)) FOUND")
            }
        }
        let database = parts.last?.verdict.database ?? service.database
        return .json(.ok, APIDocument.scanResult(parts, database: database, now: wallClockSeconds()))
    }

    /// Scans a raw body whole, or each file part of a form (every part when none is a file).
    static func scan(_ bytes: UnsafeRawBufferPointer, form: MultipartFormData?, allMatch: Bool, service: ScanService)
        throws(MultipartError) -> [ScannedPart]
    {
        guard let form else {
            return [ScannedPart(index: 0, verdict: service.scan(bytes, allMatch: allMatch))]
        }
        let parts = try form.parts(of: bytes)
        let files = parts.contains { $0.filename != nil } ? parts.filter { $0.filename != nil } : parts
        return files.enumerated().map { index, part in
            let content = UnsafeRawBufferPointer(rebasing: bytes[part.content])
            let verdict = service.scan(content, allMatch: allMatch)
            return ScannedPart(index: index, filename: part.filename, field: part.field, verdict: verdict)
        }
    }

    private func tooLarge() -> Reply {
        Reply.error(.contentTooLarge, "the body is larger than \(maximumBodySize) bytes").closing()
    }

    private func busy() -> Reply {
        var reply = Reply.error(.serviceUnavailable, "too many uploads at once; retry shortly").closing()
        reply.headers[.retryAfter] = "1"
        return reply
    }
}

/// `text` with control characters replaced by `?`, so that a client's file name cannot forge log lines.
func printable(_ text: String) -> String {
    String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : $0 }))
}
