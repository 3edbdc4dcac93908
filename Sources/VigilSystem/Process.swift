/// Process-level calls of a daemon: permissions of its socket file, the user it runs as, detaching from the
/// terminal, its pid file, and its descriptor limit.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Sets `path`'s permission bits.
public func changeMode(_ path: String, _ mode: UInt32) -> Result<Void, Errno> {
    valueOrErrno({ chmod(path, mode_t(mode)) }).map { _ in () }
}

/// Sets `path`'s group, given by name or number.
public func changeGroup(_ path: String, _ group: String) -> Result<Void, Errno> {
    let gid: gid_t
    if let number = UInt32(group) {
        gid = number
    } else if let entry = getgrnam(group) {
        gid = entry.pointee.gr_gid
    } else {
        return .failure(Errno(ENOENT))
    }
    return valueOrErrno({ chown(path, uid_t.max, gid) }).map { _ in () }
}

/// Whether the process runs as root.
public var isRoot: Bool { geteuid() == 0 }

/// Runs as `user` from now on (its group and supplementary groups too). Only root can.
public func switchUser(_ user: String) -> Result<Void, Errno> {
    guard let entry = getpwnam(user) else { return .failure(Errno(ENOENT)) }
    let uid = entry.pointee.pw_uid
    let gid = entry.pointee.pw_gid
    if initgroups(user, gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0 { return .failure(Errno(errno)) }
    return .success(())
}

/// Detaches from the terminal as a daemon does: forks (the parent exits 0), starts a new session, changes to `/`
/// and points standard input, output and error at `/dev/null`. Call before starting any thread.
public func detachFromTerminal() -> Result<Void, Errno> {
    switch fork() {
    case -1: return .failure(Errno(errno))
    case 0: break
    default: _exit(0)
    }
    _ = setsid()
    _ = chdir("/")
    let null = open("/dev/null", O_RDWR)
    if null >= 0 {
        for fd in Int32(0)...2 { _ = dup2(null, fd) }
        if null > 2 { Glibc.close(null) }
    }
    return .success(())
}

/// The process id.
public var processID: Int32 { getpid() }

/// Raises the soft limit on open descriptors to the hard limit (a daemon holds one per client).
public func raiseDescriptorLimit() {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
    limit.rlim_cur = limit.rlim_max
    _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}

/// Sends `message` to syslog (facility `LOG_LOCAL6`, as clamd's default), identifying the process as `vigil`.
public func systemLog(_ message: String, error: Bool) {
    openlog("vigil", LOG_PID, LOG_LOCAL6)
    message.withCString { text in withVaList([text]) { vsyslog(error ? LOG_ERR : LOG_INFO, "%s", $0) } }
}

/// The process's resident memory in bytes (`/proc/self/statm`), or `nil` where it cannot be read.
public func residentMemory() -> Int? {
    guard case .success(let file) = readWholeFile("/proc/self/statm") else { return nil }
    let fields = file.bytes.split(separator: UInt8(ascii: " "))
    guard fields.count > 1, let pages = Int(String(decoding: fields[1], as: UTF8.self)) else { return nil }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}
