import VigilSystem

/// The daemon's log: clamd's `LogFile`, `LogSyslog` and `LogTime`, and standard error in the foreground.
public final class ServiceLog: Sendable {
    private let file: Locked<FileDescriptor?>
    private let path: String?
    private let syslog: Bool
    private let time: Bool
    private let standardError: Bool

    /// Opens `path` for appending (created if missing).
    public init(path: String?, syslog: Bool, time: Bool, standardError: Bool) throws(Errno) {
        self.path = path
        self.syslog = syslog
        self.time = time
        self.standardError = standardError
        file = Locked(try path.map { p throws(Errno) in try FileDescriptor.openForAppending(p).get() })
    }

    /// A log that writes nowhere (tests).
    public static let silent = try! ServiceLog(path: nil, syslog: false, time: false, standardError: false)

    /// Reopens the log file (after log rotation; SIGHUP).
    public func reopen() {
        guard let path, case .success(let reopened) = FileDescriptor.openForAppending(path) else { return }
        file.withLock {
            $0?.close()
            $0 = reopened
        }
    }

    /// Logs a line.
    public func info(_ message: String) { write(message, error: false) }

    /// Logs a line as an error (`ERROR: ` prefix, syslog priority `LOG_ERR`).
    public func error(_ message: String) { write("ERROR: " + message, error: true) }

    /// Logs a line as a warning.
    public func warning(_ message: String) { write("WARNING: " + message, error: false) }

    private func write(_ message: String, error: Bool) {
        let stamp = time ? formatLocalTime(Int(wallClockSeconds()), "%a %b %e %H:%M:%S %Y") + " -> " : ""
        let line = stamp + message + "\n"
        file.withLock { _ = $0?.writeAll(line) }
        if standardError { FileDescriptor.standardError.writeAll(line) }
        if syslog { systemLog(message, error: error) }
    }
}
