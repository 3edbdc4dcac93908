#if canImport(Glibc)
    import Glibc
#endif

/// A bounded first-in first-out queue between threads: a producer blocks (or, with ``tryPush(_:)``, is told)
/// when consumers fall behind, so memory stays flat whatever the input.
public final class BlockingQueue<Element>: @unchecked Sendable {
    private var items: [Element] = []
    private var head = 0
    private var closed = false
    private let capacity: Int
    private var mutex = pthread_mutex_t()
    private var notEmpty = pthread_cond_t()
    private var notFull = pthread_cond_t()

    /// Creates an empty queue holding at most `capacity` elements.
    public init(capacity: Int) {
        self.capacity = capacity
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&notEmpty, nil)
        pthread_cond_init(&notFull, nil)
    }

    deinit {
        pthread_cond_destroy(&notFull)
        pthread_cond_destroy(&notEmpty)
        pthread_mutex_destroy(&mutex)
    }

    /// Adds an element, waiting while the queue is full.
    public func push(_ element: Element) {
        pthread_mutex_lock(&mutex)
        while items.count - head >= capacity { pthread_cond_wait(&notFull, &mutex) }
        items.append(element)
        pthread_cond_signal(&notEmpty)
        pthread_mutex_unlock(&mutex)
    }

    /// Adds an element unless the queue is full or closed; returns whether it was added.
    public func tryPush(_ element: Element) -> Bool {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        guard !closed, items.count - head < capacity else { return false }
        items.append(element)
        pthread_cond_signal(&notEmpty)
        return true
    }

    /// The number of elements waiting.
    public var count: Int {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return items.count - head
    }

    /// Takes the oldest element, waiting while empty; `nil` once closed and drained.
    public func pop() -> Element? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while head == items.count && !closed { pthread_cond_wait(&notEmpty, &mutex) }
        guard head < items.count else { return nil }
        let element = items[head]
        head += 1
        if head > 1024 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        pthread_cond_signal(&notFull)
        return element
    }

    /// No more elements will come; waiting consumers return `nil` once the queue drains.
    public func close() {
        pthread_mutex_lock(&mutex)
        closed = true
        pthread_cond_broadcast(&notEmpty)
        pthread_mutex_unlock(&mutex)
    }
}

/// A mutex around a value shared between threads (counters, an output stream, the daemon's engine).
public final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private var mutex = pthread_mutex_t()

    /// Creates a lock around `value`.
    public init(_ value: Value) {
        self.value = value
        pthread_mutex_init(&mutex, nil)
    }

    deinit { pthread_mutex_destroy(&mutex) }

    /// Runs `body` with the value while holding the lock.
    public func withLock<R>(_ body: (inout Value) -> R) -> R {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body(&value)
    }
}
