import VigilSystem

/// The outcome of reading one file for scanning.
enum ReadOutcome {
    /// The content is in the reader's buffer (`count` bytes); `size` is the file's size.
    case content(count: Int, size: Int)
    /// An empty file (clamscan: "Empty file"; not scanned).
    case empty
    /// Larger than a limit: reported clean without scanning, as clamscan does by default.
    case overLimit(size: Int)
    /// A failure, with the reason for the error line.
    case failure(String)
}

/// Reads files with `read(2)` into one buffer per thread, reused and grown as needed, so content is never
/// copied into a fresh allocation per file. Files are opened read-only without updating their access time.
final class ContentReader {
    private(set) var buffer: UnsafeMutableRawBufferPointer
    let maxFileSize: Int
    let maxScanSize: Int

    init(maxFileSize: Int, maxScanSize: Int) {
        buffer = .allocate(byteCount: 1 << 20, alignment: 16)
        self.maxFileSize = maxFileSize
        self.maxScanSize = maxScanSize
    }

    deinit { buffer.deallocate() }

    /// The bytes read by the last successful ``read(path:followLink:)``.
    func content(_ count: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: buffer[0..<count]) }

    private func reserve(_ count: Int) {
        guard count > buffer.count else { return }
        buffer.deallocate()
        buffer = .allocate(byteCount: max(count, buffer.count * 2), alignment: 16)
    }

    /// Opens and reads a regular file.
    func read(path: FilePath, followLink: Bool) -> ReadOutcome {
        let fd: FileDescriptor
        switch FileDescriptor.openForReading(path, followLinks: followLink) {
        case .success(let d): fd = d
        case .failure(let e): return .failure(reason(for: e))
        }
        defer { fd.close() }
        let status: FileStatus
        switch fd.status() {
        case .success(let s): status = s
        case .failure(let e): return .failure(reason(for: e))
        }
        guard status.kind == .regular else { return .failure("Not a regular file") }
        if status.size == 0 { return .empty }
        if status.size > maxFileSize || status.size > maxScanSize { return .overLimit(size: status.size) }
        return fill(fd, expected: status.size)
    }

    /// Reads standard input to its end, keeping at most the limits' worth (the rest is read and dropped).
    func readStandardInput() -> ReadOutcome {
        let limit = min(maxFileSize, maxScanSize)
        let chunk = 1 << 16
        var total = 0
        while true {
            let at = min(total, limit)
            reserve(at + chunk)
            switch FileDescriptor.standardInput.read(
                into: UnsafeMutableRawBufferPointer(rebasing: buffer[at..<(at + chunk)]))
            {
            case .success(0):
                if total == 0 { return .empty }
                return total > limit ? .overLimit(size: total) : .content(count: total, size: total)
            case .success(let n): total += n
            case .failure(let e): return .failure(reason(for: e))
            }
        }
    }

    /// Reads up to `expected` bytes (a file that shrinks yields what it has; one that grows, its first bytes).
    private func fill(_ fd: FileDescriptor, expected: Int) -> ReadOutcome {
        reserve(expected)
        var count = 0
        while count < expected {
            switch fd.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[count..<expected])) {
            case .success(0): return count == 0 ? .empty : .content(count: count, size: count)
            case .success(let n): count += n
            case .failure(let e): return .failure(reason(for: e))
            }
        }
        return .content(count: count, size: count)
    }
}
