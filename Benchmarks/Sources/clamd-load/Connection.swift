import Glibc

/// Why a scan failed; each kind is counted separately.
enum Failure: Int, CaseIterable {
    /// `socket` or `connect` failed (refused, no such socket, backlog full, timed out).
    case connect
    /// `send` failed (reset, broken pipe, timed out).
    case send
    /// `recv` failed (reset, timed out).
    case receive
    /// The server closed the connection before a complete reply.
    case closed
    /// A complete reply, but not the one expected.
    case reply

    var name: String { ["connect", "send", "receive", "closed", "reply"][rawValue] }
}

/// A resolved address to connect to, made once and shared read-only by every client.
struct Address: @unchecked Sendable {
    /// `AF_UNIX`, `AF_INET` or `AF_INET6`.
    let family: Int32
    /// The `sockaddr` bytes.
    let storage: sockaddr_storage
    /// How many of them count.
    let length: socklen_t

    /// Resolves `endpoint`; nil (with a message) when it cannot be.
    init?(_ endpoint: Endpoint) {
        var storage = sockaddr_storage()
        switch endpoint {
        case .unix(let path):
            var address = sockaddr_un()
            let capacity = MemoryLayout.size(ofValue: address.sun_path)
            guard path.utf8.count < capacity else {
                writeError("clamd-load: socket path longer than \(capacity - 1) bytes: \(path)\n")
                return nil
            }
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                raw.copyBytes(from: path.utf8)
                raw[path.utf8.count] = 0
            }
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: address, as: sockaddr_un.self) }
            (family, length) = (AF_UNIX, socklen_t(MemoryLayout<sockaddr_un>.size))
        case .tcp(let host, let port):
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(host, port, &hints, &list)
            guard status == 0, let first = list else {
                writeError("clamd-load: cannot resolve \(host):\(port): \(String(cString: gai_strerror(status)))\n")
                return nil
            }
            defer { freeaddrinfo(list) }
            withUnsafeMutableBytes(of: &storage) { raw in
                raw.copyMemory(
                    from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
            }
            (family, length) = (first.pointee.ai_family, first.pointee.ai_addrlen)
        }
        self.storage = storage
    }
}

/// One client's socket: connect, send a prepared request, read one NUL-terminated reply.
/// Every blocking call waits at most the scan's timeout (`SO_SNDTIMEO`, `SO_RCVTIMEO`).
struct Connection {
    /// The descriptor; -1 when closed.
    private(set) var descriptor: Int32 = -1

    /// Opens a connection to `address`; the failure's `errno` on error.
    static func open(_ address: Address, timeout: timeval) -> Result<Connection, Errno> {
        let descriptor = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return .failure(Errno(errno)) }
        var timeout = timeout
        let size = socklen_t(MemoryLayout<timeval>.size)
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, size)  // connect obeys it too
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, size)
        if address.family != AF_UNIX {
            var one: Int32 = 1
            setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        var storage = address.storage
        let status = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, address.length) }
        }
        guard status == 0 else {
            let error = Errno(errno)
            Glibc.close(descriptor)
            return .failure(error)
        }
        return .success(Connection(descriptor: descriptor))
    }

    /// Sends all of `bytes`, in as few calls as the kernel allows.
    func send(_ bytes: UnsafeRawBufferPointer) -> Errno? {
        var offset = 0
        while offset < bytes.count {
            let sent = Glibc.send(descriptor, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if sent < 0 {
                if errno == EINTR { continue }
                return Errno(errno)
            }
            offset += sent
        }
        return nil
    }

    /// Reads into `buffer` up to and including the first NUL; returns the reply's length without it.
    /// `.closed` when the peer closes first (also a reply of the buffer's size without NUL counts so).
    func receiveReply(into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, ScanError> {
        var count = 0
        while count < buffer.count {
            let received = recv(descriptor, buffer.baseAddress! + count, buffer.count - count, 0)
            if received < 0 {
                if errno == EINTR { continue }
                return .failure(ScanError(.receive, Errno(errno).description))
            }
            if received == 0 { break }
            if let end = memchr(buffer.baseAddress! + count, 0, received) {
                return .success(end - buffer.baseAddress!)
            }
            count += received
        }
        let partial = String(decoding: UnsafeRawBufferPointer(rebasing: buffer[..<count]), as: UTF8.self)
        return .failure(
            ScanError(.closed, count == 0 ? "connection closed, no reply" : "incomplete reply '\(partial)'"))
    }

    /// Closes the socket.
    mutating func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }
}

/// A failed scan: the kind, for the counts, and what happened, for the first few messages.
struct ScanError: Error {
    var kind: Failure
    var message: String

    init(_ kind: Failure, _ message: String) { (self.kind, self.message) = (kind, message) }
}

/// An `errno` value with its system message.
struct Errno: Error, CustomStringConvertible {
    var code: Int32
    init(_ code: Int32) { self.code = code }
    var description: String {
        code == EAGAIN ? "timed out" : String(cString: strerror(code))  // what SO_RCVTIMEO/SO_SNDTIMEO give
    }
}
