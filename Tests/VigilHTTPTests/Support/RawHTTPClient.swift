import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An HTTP/1.1 response as read off the socket.
struct HTTPMessage {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    /// The first field called `name` (case-insensitive).
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as JSON.
    func json() throws -> JSON { try JSONDecoder().decode(JSON.self, from: Data(body)) }
}

struct ClientError: Error, CustomStringConvertible {
    var description: String
}

/// A blocking TCP connection to the server under test, speaking just enough HTTP/1.1 to send any bytes (well-formed
/// or not) and read responses framed by `Content-Length`, chunked encoding or the connection's end.
final class RawHTTPConnection {
    private let fd: Int32
    private var buffered: [UInt8] = []

    init(port: Int, timeout: Double = 15) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError(description: "socket: errno \(errno)") }
        var time = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            throw ClientError(description: "connect to port \(port): errno \(errno)")
        }
    }

    deinit { close(fd) }

    /// Sends `bytes`; a peer that closed is an error.
    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw ClientError(description: "send: errno \(errno)") }
            sent += n
        }
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Reads more bytes into the buffer; `false` at the end of the stream.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 {
            throw ClientError(description: errno == EAGAIN ? "timed out reading" : "recv: errno \(errno)")
        }
        buffered += chunk[..<n]
        return n > 0
    }

    private func line() throws -> String {
        while true {
            if let lf = buffered.firstIndex(of: 0x0A) {
                let end = lf > 0 && buffered[lf - 1] == 0x0D ? lf - 1 : lf
                let text = String(decoding: buffered[..<end], as: UTF8.self)
                buffered.removeFirst(lf + 1)
                return text
            }
            guard try fill() else { throw ClientError(description: "connection closed inside a response head") }
        }
    }

    private func bytes(_ count: Int) throws -> [UInt8] {
        while buffered.count < count {
            guard try fill() else { throw ClientError(description: "connection closed inside a response body") }
        }
        defer { buffered.removeFirst(count) }
        return Array(buffered[..<count])
    }

    /// Reads one response head (interim `1xx` responses included).
    func readHead() throws -> (status: Int, headers: [(name: String, value: String)]) {
        let statusLine = try line()
        let pieces = statusLine.split(separator: " ", maxSplits: 2)
        guard pieces.count >= 2, pieces[0].hasPrefix("HTTP/1."), let status = Int(pieces[1]) else {
            throw ClientError(description: "bad status line: \(statusLine)")
        }
        var headers: [(name: String, value: String)] = []
        while true {
            let field = try line()
            if field.isEmpty { break }
            guard let colon = field.firstIndex(of: ":") else { throw ClientError(description: "bad field: \(field)") }
            headers.append(
                (
                    String(field[..<colon]),
                    String(field[field.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
                ))
        }
        return (status, headers)
    }

    /// Reads the next final response, skipping interim (`1xx`) ones.
    func readResponse(toHead: Bool = false) throws -> HTTPMessage {
        var (status, headers) = try readHead()
        while (100..<200).contains(status) { (status, headers) = try readHead() }
        var message = HTTPMessage(status: status, headers: headers, body: [])
        if toHead { return message }
        if message.header("transfer-encoding")?.lowercased() == "chunked" {
            while true {
                let sizeLine = try line()
                guard let size = Int(sizeLine.split(separator: ";")[0], radix: 16) else {
                    throw ClientError(description: "bad chunk size: \(sizeLine)")
                }
                if size == 0 {
                    while try !line().isEmpty {}
                    break
                }
                message.body += try bytes(size)
                _ = try line()
            }
        } else if let length = message.header("content-length").flatMap({ Int($0) }) {
            message.body = try bytes(length)
        } else {
            while try fill() {}
            message.body = buffered
            buffered = []
        }
        return message
    }

    /// Whether the server closes the connection (or resets it) within `seconds`, reading and discarding anything
    /// it sends first.
    func closesWithin(_ seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) >= 0 else { return true }
            guard poller.revents != 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n == 0 || (n < 0 && errno != EAGAIN) { return true }
        }
        return false
    }
}

extension RawHTTPConnection {
    /// Sends one request and reads its response.
    func request(
        _ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil
    ) throws -> HTTPMessage {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body, !headers.contains(where: { $0.0.lowercased() == "transfer-encoding" }) {
            head += "Content-Length: \(body.count)\r\n"
        }
        try send(Array((head + "\r\n").utf8) + (body ?? []))
        return try readResponse()
    }
}

/// Sends one request on a new connection.
func httpRequest(
    port: Int, _ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil
) throws -> HTTPMessage {
    try RawHTTPConnection(port: port).request(method, path, headers: headers, body: body)
}
