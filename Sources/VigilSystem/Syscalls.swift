import CVigilLibc

/// The one place Vigil talks to the kernel: thin wrappers over the POSIX calls the scanner needs,
/// retrying on `EINTR` and returning ``Errno`` instead of setting a global.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// An `errno` value with its system message.
public struct Errno: Error, Hashable, Sendable, CustomStringConvertible {
    /// The raw `errno` code.
    public var code: Int32

    /// Creates an error from a raw `errno` code.
    public init(_ code: Int32) { self.code = code }

    /// The system's message for the code, as `strerror` gives it.
    public var description: String { String(cString: strerror(code)) }

    /// `EACCES`: permission denied.
    public static let accessDenied = Errno(EACCES)
    /// `EAGAIN`: a non-blocking call would block.
    public static let wouldBlock = Errno(EAGAIN)
    /// `EADDRINUSE`: the address is in use.
    public static let addressInUse = Errno(EADDRINUSE)
    /// `EMFILE`, `ENFILE`: no descriptor left, in the process or the system.
    public static let descriptorsExhausted: Set<Errno> = [Errno(EMFILE), Errno(ENFILE)]
}

/// Runs `body` until it does not fail with `EINTR`; returns its value or the `errno` it set.
@inline(__always)
func valueOrErrno<T: FixedWidthInteger>(_ body: () -> T) -> Result<T, Errno> {
    while true {
        let value = body()
        if value != -1 { return .success(value) }
        if errno != EINTR { return .failure(Errno(errno)) }
    }
}

/// What kind of file system object a path names.
public enum FileKind: Sendable, Equatable {
    case regular, directory, symbolicLink, fifo, characterDevice, blockDevice, socket, unknown

    init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFDIR: self = .directory
        case S_IFLNK: self = .symbolicLink
        case S_IFIFO: self = .fifo
        case S_IFCHR: self = .characterDevice
        case S_IFBLK: self = .blockDevice
        case S_IFSOCK: self = .socket
        default: self = .unknown
        }
    }

    init(direntType: UInt8) {
        switch Int32(direntType) {
        case Int32(DT_REG): self = .regular
        case Int32(DT_DIR): self = .directory
        case Int32(DT_LNK): self = .symbolicLink
        case Int32(DT_FIFO): self = .fifo
        case Int32(DT_CHR): self = .characterDevice
        case Int32(DT_BLK): self = .blockDevice
        case Int32(DT_SOCK): self = .socket
        default: self = .unknown
        }
    }
}

/// The facts of `stat` that Vigil uses.
public struct FileStatus: Sendable, Equatable {
    /// The object's kind.
    public var kind: FileKind
    /// Size in bytes.
    public var size: Int
    /// Modification time, seconds since the epoch.
    public var modificationTime: Int
    /// Device and inode, which identify the object (loop detection when following links).
    public var device: UInt64, inode: UInt64

    init(_ st: stat) {
        kind = FileKind(mode: st.st_mode)
        size = Int(st.st_size)
        modificationTime = Int(st.st_mtim.tv_sec)
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
    }
}

/// An open file descriptor that the owner must close.
public struct FileDescriptor: Sendable, Equatable {
    /// The raw descriptor.
    public let rawValue: Int32

    /// Wraps a raw descriptor (`0` is standard input).
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Standard input.
    public static let standardInput = FileDescriptor(rawValue: 0)
    /// Standard output.
    public static let standardOutput = FileDescriptor(rawValue: 1)
    /// Standard error.
    public static let standardError = FileDescriptor(rawValue: 2)

    /// Opens `path` (relative to `directory` when given) read-only, without following a final symbolic link
    /// unless `followLinks`, without blocking on a FIFO, and without updating the access time where the
    /// kernel allows it: a scanner leaves no trace on what it reads.
    public static func openForReading(
        _ path: FilePath, relativeTo directory: FileDescriptor? = nil, followLinks: Bool = true
    ) -> Result<FileDescriptor, Errno> {
        var flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK
        if !followLinks { flags |= O_NOFOLLOW }
        // cvigil_o_noatime is allowed only to the file's owner (or CAP_FOWNER); fall back without it.
        return openWithoutAccessTime(path, relativeTo: directory, flags: flags)
    }

    /// ``openForReading(_:relativeTo:followLinks:)`` of a path given as text.
    public static func openForReading(
        _ path: String, relativeTo directory: FileDescriptor? = nil, followLinks: Bool = true
    ) -> Result<FileDescriptor, Errno> {
        openForReading(FilePath(path), relativeTo: directory, followLinks: followLinks)
    }

    /// Opens a directory for listing, relative to `directory` when given, never following a final link.
    public static func openDirectory(_ path: FilePath, relativeTo directory: FileDescriptor? = nil)
        -> Result<FileDescriptor, Errno>
    {
        openWithoutAccessTime(path, relativeTo: directory, flags: O_RDONLY | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW)
    }

    /// ``openDirectory(_:relativeTo:)`` of a path given as text.
    public static func openDirectory(_ path: String, relativeTo directory: FileDescriptor? = nil)
        -> Result<FileDescriptor, Errno>
    {
        openDirectory(FilePath(path), relativeTo: directory)
    }

    /// `openat` with `O_NOATIME`, which only the file's owner (or `CAP_FOWNER`) may use, else without it.
    private static func openWithoutAccessTime(_ path: FilePath, relativeTo directory: FileDescriptor?, flags: Int32)
        -> Result<FileDescriptor, Errno>
    {
        let dirfd = directory?.rawValue ?? AT_FDCWD
        return path.withCString { cPath in
            switch valueOrErrno({ openat(dirfd, cPath, flags | cvigil_o_noatime) }) {
            case .success(let fd): return .success(FileDescriptor(rawValue: fd))
            case .failure(let e) where e.code == EPERM:
                return valueOrErrno({ openat(dirfd, cPath, flags) }).map(FileDescriptor.init(rawValue:))
            case .failure(let e): return .failure(e)
            }
        }
    }

    /// Creates an unnamed file in `directory` for reading and writing, private to this process and removed when
    /// closed (`O_TMPFILE`).
    public static func anonymousTemporaryFile(in directory: String) -> Result<FileDescriptor, Errno> {
        valueOrErrno({ open(directory, cvigil_o_tmpfile | O_RDWR | O_CLOEXEC, 0o600) }).map(
            FileDescriptor.init(rawValue:))
    }

    /// A second descriptor for the same open file (`dup`, close-on-exec).
    public func duplicate() -> Result<FileDescriptor, Errno> {
        valueOrErrno({ fcntl(rawValue, F_DUPFD_CLOEXEC, 0) }).map(FileDescriptor.init(rawValue:))
    }

    /// `fstat` on the descriptor.
    public func status() -> Result<FileStatus, Errno> {
        var st = stat()
        return valueOrErrno({ fstat(rawValue, &st) }).map { _ in FileStatus(st) }
    }

    /// Reads up to `buffer.count` bytes; `0` at end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, Errno> {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return .success(0) }
        return valueOrErrno({ Glibc.read(rawValue, base, buffer.count) })
    }

    /// Writes all of `bytes`, looping over short writes.
    @discardableResult
    public func writeAll(_ bytes: UnsafeRawBufferPointer) -> Result<Void, Errno> {
        var offset = 0
        while offset < bytes.count {
            switch valueOrErrno({ Glibc.write(rawValue, bytes.baseAddress! + offset, bytes.count - offset) }) {
            case .success(let n): offset += n
            case .failure(let e): return .failure(e)
            }
        }
        return .success(())
    }

    /// Writes a string's UTF-8 bytes.
    @discardableResult
    public func writeAll(_ text: String) -> Result<Void, Errno> {
        var text = text
        return text.withUTF8 { writeAll(UnsafeRawBufferPointer($0)) }
    }

    /// Reads up to `buffer.count` bytes at `offset` without moving the file position; `0` at end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Result<Int, Errno> {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return .success(0) }
        return valueOrErrno({ pread(rawValue, base, buffer.count, off_t(offset)) })
    }

    /// Creates (or truncates) `path` for writing with mode 0644, not following a final symbolic link.
    public static func create(_ path: String) -> Result<FileDescriptor, Errno> {
        valueOrErrno({ open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644) })
            .map(FileDescriptor.init(rawValue:))
    }

    /// Opens `path` for appending, creating it (mode 0640) if missing: a log file.
    public static func openForAppending(_ path: String) -> Result<FileDescriptor, Errno> {
        valueOrErrno({ open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640) }).map(
            FileDescriptor.init(rawValue:))
    }

    /// Flushes the file's data to stable storage.
    public func synchronize() -> Result<Void, Errno> { valueOrErrno({ fsync(rawValue) }).map { _ in () } }

    /// Whether the descriptor is a terminal.
    public var isTerminal: Bool { isatty(rawValue) == 1 }

    /// Closes the descriptor.
    public func close() { _ = Glibc.close(rawValue) }
}

/// `stat` (following links) or `lstat` on a path.
public func fileStatus(_ path: FilePath, followLinks: Bool) -> Result<FileStatus, Errno> {
    var st = stat()
    return path.withCString { cPath in
        valueOrErrno({ followLinks ? stat(cPath, &st) : lstat(cPath, &st) }).map { _ in FileStatus(st) }
    }
}

/// ``fileStatus(_:followLinks:)`` of a path given as text.
public func fileStatus(_ path: String, followLinks: Bool) -> Result<FileStatus, Errno> {
    fileStatus(FilePath(path), followLinks: followLinks)
}

/// Renames `from` to `to`, replacing `to` atomically.
public func renameFile(_ from: String, to: String) -> Result<Void, Errno> {
    valueOrErrno({ rename(from, to) }).map { _ in () }
}

/// Removes a file.
@discardableResult
public func removeFile(_ path: String) -> Result<Void, Errno> { valueOrErrno({ unlink(path) }).map { _ in () } }

/// A file mapped read-only into memory (`mmap` with `PROT_READ`, `MAP_PRIVATE`): its pages are read from the
/// page cache when first touched and count towards the process's memory only then. Unmapped when released.
public final class MappedFile: @unchecked Sendable {
    /// The mapped bytes.
    public let bytes: UnsafeRawBufferPointer

    private init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Maps `length` bytes of the open file `fd` from its start.
    public static func map(_ fd: FileDescriptor, length: Int) -> Result<MappedFile, Errno> {
        guard length > 0 else { return .success(MappedFile(bytes: UnsafeRawBufferPointer(start: nil, count: 0))) }
        guard let address = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd.rawValue, 0), address != MAP_FAILED else {
            return .failure(Errno(errno))
        }
        // Lookups touch a few scattered pages: without these hints the kernel maps whole 2 MiB folios or
        // read-ahead windows around each one, and every byte of those counts as resident.
        _ = madvise(address, length, MADV_RANDOM)
        _ = madvise(address, length, MADV_NOHUGEPAGE)
        return .success(MappedFile(bytes: UnsafeRawBufferPointer(start: address, count: length)))
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}

/// One entry of a directory listing.
public struct DirectoryEntry: Sendable {
    /// The entry's name within its directory, as the file system holds it.
    public var name: FilePath
    /// Its kind from `d_type`; `.unknown` when the file system does not fill it in.
    public var kind: FileKind
    /// Its inode number (`d_ino`).
    public var inode: UInt64 = 0
}

/// Lists a directory opened with ``FileDescriptor/openDirectory(_:relativeTo:)``, skipping `.` and `..`.
/// The descriptor is consumed (closed) by the call.
public func listDirectory(_ directory: FileDescriptor) -> Result<[DirectoryEntry], Errno> {
    guard let dir = fdopendir(directory.rawValue) else {
        let e = Errno(errno)
        directory.close()
        return .failure(e)
    }
    defer { closedir(dir) }
    var entries: [DirectoryEntry] = []
    while true {
        errno = 0
        guard let entry = readdir(dir) else {
            if errno != 0 { return .failure(Errno(errno)) }
            break
        }
        let name = withUnsafeBytes(of: &entry.pointee.d_name) { FilePath(bytes: $0) }
        if name == "." || name == ".." { continue }
        entries.append(
            DirectoryEntry(
                name: name, kind: FileKind(direntType: entry.pointee.d_type), inode: UInt64(entry.pointee.d_ino)))
    }
    return .success(entries)
}

/// Reads a whole file into memory with its status from the same descriptor (signature files; not for scanned
/// content, which uses reused buffers).
public func readWholeFile(_ path: String) -> Result<(bytes: [UInt8], status: FileStatus), Errno> {
    let fd: FileDescriptor
    switch FileDescriptor.openForReading(path) {
    case .success(let d): fd = d
    case .failure(let e): return .failure(e)
    }
    defer { fd.close() }
    let status: FileStatus
    switch fd.status() {
    case .success(let s): status = s
    case .failure(let e): return .failure(e)
    }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { fd.read(into: $0) }
        switch n {
        case .success(0): return .success((bytes, status))
        case .success(let k): bytes.append(contentsOf: chunk[0..<k])
        case .failure(let e): return .failure(e)
        }
    }
}

/// Seconds since the epoch, with fractions (wall clock).
public func wallClockSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Seconds on a monotonic clock, for durations and rates.
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Formats epoch seconds in local time with a `strftime` format.
public func formatLocalTime(_ seconds: Int, _ format: String) -> String {
    var t = time_t(seconds)
    var parts = tm()
    localtime_r(&t, &parts)
    var buffer = [CChar](repeating: 0, count: 64)
    let n = strftime(&buffer, buffer.count, format, &parts)
    return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// The number of online processors.
public func onlineProcessorCount() -> Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

/// An environment variable's value.
public func environmentValue(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
