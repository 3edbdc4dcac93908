import NIOCore

/// Runs Swift tasks on SwiftNIO's event loop threads instead of the global concurrent pool.
///
/// The server's tasks (one per connection) prefer this executor, so the API answers whatever the process does with
/// Swift concurrency's few threads: a caller blocking one of them (a test, a synchronous wait) cannot starve it.
/// Nothing that runs here blocks: scans run on the scan threads.
final class EventLoopTaskExecutor: TaskExecutor {
    private let group: any EventLoopGroup

    init(_ group: any EventLoopGroup) { self.group = group }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        // A task's jobs run one at a time, so spreading them over the loops is safe.
        group.next().execute { job.runSynchronously(on: executor) }
    }
}
