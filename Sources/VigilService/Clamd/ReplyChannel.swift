import VigilSystem

/// Where a scanning thread sends one connection's replies: to the server's I/O thread, which writes them. Once the
/// client has gone, sends report `false` so a long scan stops.
final class ReplyChannel: Sendable {
    /// The connection's serial number.
    let serial: UInt64
    private let cancelled = Locked(false)
    private let deliver: @Sendable (UInt64, [UInt8]?) -> Void

    init(serial: UInt64, deliver: @escaping @Sendable (UInt64, [UInt8]?) -> Void) {
        self.serial = serial
        self.deliver = deliver
    }

    /// Whether the client has gone (or the server is stopping the connection).
    var isCancelled: Bool { cancelled.withLock { $0 } }

    /// Marks the client gone.
    func cancel() { cancelled.withLock { $0 = true } }

    /// Sends reply bytes; `false` once the client has gone.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        guard !isCancelled else { return false }
        deliver(serial, bytes)
        return true
    }

    /// Says the job is done (exactly once per job).
    func finish() { deliver(serial, nil) }
}
