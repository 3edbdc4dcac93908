import CVigilLibc

/// Readiness notification for the daemon's one I/O thread: `epoll`, an `eventfd` other threads use to wake it,
/// and a `signalfd` so signals arrive as events instead of interrupting whatever runs.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What a descriptor is ready for.
public struct PollEvents: OptionSet, Sendable {
    public let rawValue: UInt32
    /// Creates events from `epoll` bits.
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Data (or a connection) to read.
    public static let readable = PollEvents(rawValue: cvigil_epoll_in)
    /// Room to write.
    public static let writable = PollEvents(rawValue: cvigil_epoll_out)
    /// The peer closed its writing half.
    public static let peerClosed = PollEvents(rawValue: cvigil_epoll_rdhup)
    /// Hung up or failed.
    public static let failed = PollEvents(rawValue: cvigil_epoll_hup | cvigil_epoll_err)
}

/// An `epoll` instance.
public final class EventPoller: @unchecked Sendable {
    private let fd: Int32
    private var fds = [Int32](repeating: 0, count: 64)
    private var events = [UInt32](repeating: 0, count: 64)

    /// Creates the instance.
    public init() throws(Errno) {
        fd = cvigil_epoll_create()
        guard fd >= 0 else { throw Errno(errno) }
    }

    deinit { Glibc.close(fd) }

    /// Watches `descriptor` for `events` (replacing what it was watched for, if it was).
    public func watch(_ descriptor: FileDescriptor, for events: PollEvents) {
        if cvigil_epoll_ctl(fd, Int32(cvigil_epoll_mod), descriptor.rawValue, events.rawValue) != 0 && errno == ENOENT {
            _ = cvigil_epoll_ctl(fd, Int32(cvigil_epoll_add), descriptor.rawValue, events.rawValue)
        }
    }

    /// Stops watching `descriptor`.
    public func forget(_ descriptor: FileDescriptor) {
        _ = cvigil_epoll_ctl(fd, Int32(cvigil_epoll_del), descriptor.rawValue, 0)
    }

    /// Waits up to `milliseconds` (-1: without limit) and calls `body` for each ready descriptor.
    public func wait(milliseconds: Int32, _ body: (FileDescriptor, PollEvents) -> Void) {
        let n = fds.withUnsafeMutableBufferPointer { f in
            events.withUnsafeMutableBufferPointer { e in
                cvigil_epoll_wait(fd, f.baseAddress, e.baseAddress, 64, milliseconds)
            }
        }
        for i in 0..<Int(max(n, 0)) { body(FileDescriptor(rawValue: fds[i]), PollEvents(rawValue: events[i])) }
    }
}

/// An `eventfd` that wakes an ``EventPoller`` from any thread.
public final class Wakeup: Sendable {
    /// The descriptor to watch for `.readable`.
    public let descriptor: FileDescriptor

    /// Creates it.
    public init() throws(Errno) {
        let fd = cvigil_eventfd()
        guard fd >= 0 else { throw Errno(errno) }
        descriptor = FileDescriptor(rawValue: fd)
    }

    deinit { descriptor.close() }

    /// Makes the descriptor readable.
    public func signal() {
        var one: UInt64 = 1
        _ = Glibc.write(descriptor.rawValue, &one, 8)
    }

    /// Makes it unreadable again.
    public func drain() {
        var value: UInt64 = 0
        _ = Glibc.read(descriptor.rawValue, &value, 8)
    }
}

/// The signals a daemon handles.
public enum SignalNumber {
    /// `SIGHUP`: reopen the log (and, for Vigil, reload).
    public static let hangup = SIGHUP
    /// `SIGINT`, `SIGTERM`: stop.
    public static let interrupt = SIGINT, terminate = SIGTERM
    /// `SIGUSR2`: reload.
    public static let user2 = SIGUSR2
}

/// Signals received as readable events (`signalfd`). Creating it blocks the signals in the calling thread and
/// in threads it starts afterwards, so create it before starting any.
public final class SignalReceiver: Sendable {
    /// The descriptor to watch for `.readable`.
    public let descriptor: FileDescriptor

    /// Receives `signals` from now on.
    public init(_ signals: [Int32]) throws(Errno) {
        let fd = signals.withUnsafeBufferPointer { cvigil_signalfd($0.baseAddress, Int32($0.count)) }
        guard fd >= 0 else { throw Errno(errno) }
        descriptor = FileDescriptor(rawValue: fd)
    }

    deinit { descriptor.close() }

    /// The next pending signal, if any.
    public func next() -> Int32? {
        let signal = cvigil_read_signal(descriptor.rawValue)
        return signal < 0 ? nil : signal
    }
}
