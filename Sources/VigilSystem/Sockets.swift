import CVigilLibc

/// The socket calls of the daemon: listening on UNIX and TCP sockets, accepting, reading with passed
/// descriptors, and writing without `SIGPIPE`. Like ``Syscalls.swift`` they retry on `EINTR` and return
/// ``Errno``.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// An address that could not be used for a TCP socket, with the resolver's or the kernel's reason.
public struct AddressError: Error, Sendable, CustomStringConvertible {
    /// The address as given.
    public var address: String
    /// Why it could not be used.
    public var reason: String
    /// `ADDRESS: REASON`.
    public var description: String { "\(address): \(reason)" }
}

extension FileDescriptor {
    /// Creates a UNIX stream socket listening at `path` with `backlog` pending connections, non-blocking. A stale
    /// socket file nobody listens on is replaced; one in use is `EADDRINUSE`.
    public static func listenUnix(path: String, backlog: Int) -> Result<FileDescriptor, Errno> {
        if case .success = connectUnix(path: path).map({ $0.close() }) { return .failure(.addressInUse) }
        if case .success(let status) = fileStatus(path, followLinks: false), status.kind == .socket {
            _ = unlink(path)
        }
        return withUnixAddress(path) { address, length in
            let fd = socket(
                AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else { return .failure(Errno(errno)) }
            guard bind(fd, address, length) == 0, listen(fd, Int32(clamping: backlog)) == 0 else {
                let e = Errno(errno)
                Glibc.close(fd)
                return .failure(e)
            }
            return .success(FileDescriptor(rawValue: fd))
        }
    }

    /// Connects a blocking UNIX stream socket to `path`.
    public static func connectUnix(path: String) -> Result<FileDescriptor, Errno> {
        withUnixAddress(path) { address, length in
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { return .failure(Errno(errno)) }
            if case .failure(let e) = valueOrErrno({ connect(fd, address, length) }) {
                Glibc.close(fd)
                return .failure(e)
            }
            return .success(FileDescriptor(rawValue: fd))
        }
    }

    private static func withUnixAddress(
        _ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Result<FileDescriptor, Errno>
    ) -> Result<FileDescriptor, Errno> {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity else { return .failure(Errno(ENAMETOOLONG)) }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }

    /// Creates TCP sockets listening on `host` (a name or a numeric IPv4/IPv6 address) and `port` (0: one the
    /// kernel picks, the same on every address), non-blocking; returns them with the port bound.
    public static func listenTCP(host: String, port: Int, backlog: Int) -> Result<([FileDescriptor], Int), AddressError>
    {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            return .failure(AddressError(address: host, reason: String(cString: gai_strerror(status))))
        }
        defer { freeaddrinfo(list) }
        var sockets: [FileDescriptor] = []
        var bound = port
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            let fd = socket(
                info.pointee.ai_family,
                info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else { continue }
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            if info.pointee.ai_family == AF_INET6 {
                setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
            }
            setPort(info.pointee.ai_addr, bound)
            guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0,
                listen(fd, Int32(clamping: backlog)) == 0
            else {
                let reason = Errno(errno).description
                Glibc.close(fd)
                sockets.forEach { $0.close() }
                return .failure(AddressError(address: "\(host):\(port)", reason: reason))
            }
            if bound == 0 { bound = localPort(fd) }
            sockets.append(FileDescriptor(rawValue: fd))
        }
        guard !sockets.isEmpty else { return .failure(AddressError(address: host, reason: "no usable address")) }
        return .success((sockets, bound))
    }

    private static func setPort(_ address: UnsafeMutablePointer<sockaddr>, _ port: Int) {
        let value = in_port_t(UInt16(truncatingIfNeeded: port)).bigEndian
        if Int32(address.pointee.sa_family) == AF_INET {
            address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_port = value }
        } else if Int32(address.pointee.sa_family) == AF_INET6 {
            address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_port = value }
        }
    }

    private static func localPort(_ fd: Int32) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        return withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                guard getsockname(fd, address, &length) == 0 else { return 0 }
                if Int32(address.pointee.sa_family) == AF_INET {
                    return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                        Int(UInt16(bigEndian: $0.pointee.sin_port))
                    }
                }
                return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    Int(UInt16(bigEndian: $0.pointee.sin6_port))
                }
            }
        }
    }

    /// Connects a blocking TCP socket to `host`:`port`.
    public static func connectTCP(host: String, port: Int) -> Result<FileDescriptor, Errno> {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let info = list else {
            return .failure(Errno(EADDRNOTAVAIL))
        }
        defer { freeaddrinfo(list) }
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(Errno(errno)) }
        if case .failure(let e) = valueOrErrno({ connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) }) {
            Glibc.close(fd)
            return .failure(e)
        }
        return .success(FileDescriptor(rawValue: fd))
    }

    /// Accepts one pending connection as a non-blocking descriptor.
    public func accept() -> Result<FileDescriptor, Errno> {
        valueOrErrno({ cvigil_accept(rawValue) })
            .map(FileDescriptor.init(rawValue:))
    }

    /// Reads what has arrived, and any descriptors passed with it (`SCM_RIGHTS`), which the caller then owns.
    public func receive(into buffer: UnsafeMutableRawBufferPointer, descriptors: inout [FileDescriptor])
        -> Result<Int, Errno>
    {
        var fds = [Int32](repeating: -1, count: 8)
        var count: Int32 = 0
        let n = fds.withUnsafeMutableBufferPointer {
            cvigil_receive(rawValue, buffer.baseAddress, buffer.count, $0.baseAddress, 8, &count)
        }
        for i in 0..<Int(count) { descriptors.append(FileDescriptor(rawValue: fds[i])) }
        return n < 0 ? .failure(Errno(errno)) : .success(n)
    }

    /// Writes what the socket takes now, without raising `SIGPIPE` on a closed peer.
    public func send(_ bytes: UnsafeRawBufferPointer) -> Result<Int, Errno> {
        valueOrErrno({ Glibc.send(rawValue, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)) }
        )
    }

    /// Writes `bytes` with the descriptor `passed` attached (a FILDES client's side).
    public func send(_ bytes: UnsafeRawBufferPointer, passing passed: FileDescriptor) -> Result<Int, Errno> {
        let n = cvigil_send_descriptor(rawValue, bytes.baseAddress, bytes.count, passed.rawValue)
        return n < 0 ? .failure(Errno(errno)) : .success(n)
    }

    /// Bounds a blocking socket's reads and writes to `seconds` each (clients' timeouts).
    public func setTimeout(seconds: Double) {
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        setsockopt(rawValue, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(rawValue, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Ends the writing half: the peer reads end-of-file.
    public func shutdownWrite() { _ = shutdown(rawValue, Int32(SHUT_WR)) }

    /// Ends the reading half: on a UNIX socket the peer's further writes fail with `EPIPE`; what was already sent
    /// can still be read.
    public func shutdownRead() { _ = shutdown(rawValue, Int32(SHUT_RD)) }
}
