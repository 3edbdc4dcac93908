#if canImport(Glibc)
    import Glibc
#endif

/// A value set once and awaited many times, from threads (``wait()``) or tasks (``value``): how the HTTP server,
/// which runs in Swift tasks, reports to a thread-based daemon that it is bound or stopped.
final class Latch<Value: Sendable>: @unchecked Sendable {
    private var result: Value?
    private var waiters: [CheckedContinuation<Value, Never>] = []
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()

    init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    /// Sets the value and wakes every waiter; returns `false` (changing nothing) when it was already set.
    @discardableResult
    func set(_ value: Value) -> Bool {
        pthread_mutex_lock(&mutex)
        guard result == nil else {
            pthread_mutex_unlock(&mutex)
            return false
        }
        result = value
        let resumed = waiters
        waiters = []
        pthread_cond_broadcast(&condition)
        pthread_mutex_unlock(&mutex)
        for waiter in resumed { waiter.resume(returning: value) }
        return true
    }

    /// Blocks the calling thread until the value is set. Not for Swift concurrency's threads: use ``value``.
    func wait() -> Value {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while true {
            if let result { return result }
            pthread_cond_wait(&condition, &mutex)
        }
    }

    /// The value, once set.
    var value: Value {
        get async {
            await withCheckedContinuation { continuation in
                pthread_mutex_lock(&mutex)
                if let result {
                    pthread_mutex_unlock(&mutex)
                    continuation.resume(returning: result)
                } else {
                    waiters.append(continuation)
                    pthread_mutex_unlock(&mutex)
                }
            }
        }
    }
}
