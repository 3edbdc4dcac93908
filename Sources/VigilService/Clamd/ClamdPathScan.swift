import Dispatch
import VigilSystem

/// SCAN, CONTSCAN, MULTISCAN and ALLMATCHSCAN of a path, walked as clamd's `cli_ftw` walks it: symbolic links
/// and special files are skipped (a special file named by the command is an error), a directory's files come
/// before its subdirectories and each in inode order, at most `MaxDirectoryRecursion` levels deep. SCAN and
/// ALLMATCHSCAN stop at the first infected file; the path is answered `OK` when nothing was found and not
/// everything failed.
struct ClamdPathScan {
    /// clamd's `MaxDirectoryRecursion` default.
    static let maximumDepth = 15

    let service: ScanService
    let command: ClamdCommand
    let format: ReplyFormat
    let maxThreads: Int
    let channel: ReplyChannel
    /// clamd's counters: every walk event, the failed files, the detections.
    private var total = 0, errors = 0, infected = 0
    private var stopped = false

    init(service: ScanService, command: ClamdCommand, format: ReplyFormat, maxThreads: Int, channel: ReplyChannel) {
        self.service = service
        self.command = command
        self.format = format
        self.maxThreads = maxThreads
        self.channel = channel
    }

    private var stopsAtFirst: Bool { command == .scan || command == .allmatchscan }

    mutating func run(_ argument: FilePath) {
        let path = argument.trimmingTrailingSlashes
        let status: FileStatus
        switch fileStatus(path, followLinks: false) {
        case .success(let s): status = s
        case .failure(let e):
            reply(path, "File path check failure: \(e). ERROR")
            return
        }
        switch status.kind {
        case .regular: visitFile(path, size: status.size)
        case .directory:
            total += 1
            if command == .multiscan {
                multiscan(path)
                return
            }
            walk(path, depth: 0)
        case .symbolicLink: total += 1
        default:
            total += 1
            reply(path, "Not supported file type ERROR")
        }
        // clamd: OK when ok + errors == total (nothing infected) and not everything failed.
        if infected == 0 && errors != total { reply(path, "OK") }
    }

    private mutating func reply(_ path: FilePath, _ text: String) {
        if !channel.send(format.line(path, text)) { stopped = true }
    }

    /// The directory's entries to visit: files by inode, then directories by inode; others are counted and skipped.
    private mutating func entries(_ directory: FilePath) -> (files: [(FilePath, Int)], directories: [FilePath])? {
        let listing: [DirectoryEntry]
        switch FileDescriptor.openDirectory(directory).flatMap(listDirectory) {
        case .success(let l): listing = l
        case .failure(let e):
            total += 1
            errors += 1
            reply(directory, "lstat() failed: \(e). ERROR")
            return nil
        }
        var files: [(FilePath, Int, UInt64)] = []
        var directories: [(FilePath, UInt64)] = []
        for entry in listing {
            let path = directory.appending(entry.name)
            guard case .success(let status) = fileStatus(path, followLinks: false) else { continue }
            switch status.kind {
            case .regular: files.append((path, status.size, entry.inode))
            case .directory: directories.append((path, entry.inode))
            default: total += 1
            }
        }
        return (files.sorted { $0.2 < $1.2 }.map { ($0.0, $0.1) }, directories.sorted { $0.1 < $1.1 }.map(\.0))
    }

    private mutating func walk(_ directory: FilePath, depth: Int) {
        guard depth <= Self.maximumDepth else {
            total += 1
            return
        }
        guard let (files, directories) = entries(directory) else { return }
        for (file, size) in files {
            guard !stopped else { return }
            visitFile(file, size: size)
        }
        for subdirectory in directories {
            guard !stopped else { return }
            walk(subdirectory, depth: depth + 1)
        }
    }

    private mutating func visitFile(_ path: FilePath, size: Int) {
        total += 1
        guard size > 0 else { return }
        let (verdicts, outcome) = Self.scanFile(path, service: service, allMatch: command == .allmatchscan)
        for verdict in verdicts { reply(path, verdict) }
        switch outcome {
        case .clean: break
        case .failed: errors += 1
        case .infected(let count):
            infected += count
            if stopsAtFirst { stopped = true }
        }
    }

    enum Outcome {
        case clean, failed
        case infected(Int)
    }

    /// Reads and scans one file: what to reply after its path (nothing when clean) and what became of it.
    static func scanFile(_ path: FilePath, service: ScanService, allMatch: Bool) -> ([String], Outcome) {
        let fd: FileDescriptor
        switch FileDescriptor.openForReading(path, followLinks: false) {
        case .success(let d): fd = d
        case .failure(let e) where e == .accessDenied: return (["Access denied. ERROR"], .failed)
        case .failure: return (["Can't open file or directory ERROR"], .failed)
        }
        defer { fd.close() }
        guard case .success(let status) = fd.status(),
            case .success(let mapped) = MappedFile.map(fd, length: status.size)
        else { return (["Can't read file ERROR"], .failed) }
        let verdicts = withExtendedLifetime(mapped) { service.clamdVerdicts(mapped.bytes, allMatch: allMatch) }
        if verdicts == ["OK"] { return ([], .clean) }
        return (verdicts, .infected(verdicts.count))
    }

    /// MULTISCAN of a directory: its files, found as the walk finds them, scanned on up to `MaxThreads` threads
    /// (and no more than there are cores), answered as each finishes. The final `OK` counts files only, as clamd's
    /// job group does.
    private mutating func multiscan(_ directory: FilePath) {
        var found: [FilePath] = []
        collect(directory, depth: 0, into: &found)
        let files = found
        let counters = Locked((next: 0, clean: 0, errors: 0))
        let threads = max(1, min(maxThreads, onlineProcessorCount(), files.count))
        let (service, channel, format) = (self.service, self.channel, self.format)
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            while !channel.isCancelled {
                let index = counters.withLock { c -> Int in
                    defer { c.next += 1 }
                    return c.next
                }
                guard index < files.count else { return }
                let (verdicts, outcome) = Self.scanFile(files[index], service: service, allMatch: false)
                verdicts.forEach { channel.send(format.line(files[index], $0)) }
                counters.withLock { c in
                    if case .clean = outcome { c.clean += 1 }
                    if case .failed = outcome { c.errors += 1 }
                }
            }
        }
        let (clean, errors) = counters.withLock { ($0.clean, $0.errors) }
        if clean + errors == files.count && errors != files.count { reply(directory, "OK") }
    }

    private mutating func collect(_ directory: FilePath, depth: Int, into files: inout [FilePath]) {
        guard depth <= Self.maximumDepth, let (found, directories) = entries(directory) else { return }
        files.append(contentsOf: found.filter { $0.1 > 0 }.map(\.0))
        for subdirectory in directories { collect(subdirectory, depth: depth + 1, into: &files) }
    }
}
