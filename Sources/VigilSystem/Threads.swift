#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A POSIX thread of the process's own, for work that blocks (a daemon's scanning threads and I/O loop), which
/// Dispatch's shared pool should not be asked to hold.
public final class OwnThread: @unchecked Sendable {
    private var handle = pthread_t()
    private let body: @Sendable () -> Void

    private init(_ body: @escaping @Sendable () -> Void) { self.body = body }

    /// Starts `body` on a new thread.
    public static func start(_ body: @escaping @Sendable () -> Void) -> OwnThread {
        let thread = OwnThread(body)
        let context = Unmanaged.passRetained(thread).toOpaque()
        let status = pthread_create(
            &thread.handle, nil,
            { context in
                let thread = Unmanaged<OwnThread>.fromOpaque(context!).takeRetainedValue()
                thread.body()
                return nil
            }, context)
        precondition(status == 0, "pthread_create failed: \(Errno(status))")
        return thread
    }

    /// Waits for the thread to end.
    public func join() { pthread_join(handle, nil) }
}
