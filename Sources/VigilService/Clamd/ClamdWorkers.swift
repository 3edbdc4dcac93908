import VigilSystem

/// The scanning threads (`MaxThreads`) and their queue (`MaxQueue`), with what each thread is doing for STATS.
final class ClamdWorkers: @unchecked Sendable {
    struct Item: Sendable {
        var job: ClamdJob
        var channel: ReplyChannel
    }

    /// A thread's task for STATS: clamd's task name and when it began.
    struct Activity: Sendable {
        var task = "IDLE"
        var since = monotonicSeconds()
        var path = ""
    }

    private let queue: BlockingQueue<Item>
    private let activities: Locked<[Activity]>
    private var running: [OwnThread] = []
    let threadCount: Int
    let capacity: Int

    init(threads: Int, capacity: Int, runner: ClamdJobRunner) {
        threadCount = max(1, threads)
        self.capacity = max(1, capacity)
        queue = BlockingQueue(capacity: self.capacity)
        activities = Locked(Array(repeating: Activity(), count: threadCount))
        for index in 0..<threadCount {
            let thread = OwnThread.start { [queue, activities] in
                while let item = queue.pop() {
                    activities.withLock { $0[index] = Activity(task: item.job.taskName, path: item.job.subject) }
                    runner.run(item.job, item.channel)
                    item.channel.finish()
                    activities.withLock { $0[index] = Activity() }
                }
            }
            running.append(thread)
        }
    }

    /// Queues a job; `false` when MaxQueue jobs already wait.
    func submit(_ job: ClamdJob, _ channel: ReplyChannel) -> Bool { queue.tryPush(Item(job: job, channel: channel)) }

    /// Jobs waiting for a thread.
    var queued: Int { queue.count }

    /// What every thread is doing.
    var activity: [Activity] { activities.withLock { $0 } }

    /// Lets the threads finish the queued jobs and waits for them.
    func drain() {
        queue.close()
        running.forEach { $0.join() }
    }
}

extension ClamdJob {
    /// clamd's task name for STATS.
    var taskName: String {
        switch work {
        case .path(let command, _): command.rawValue
        case .stream: "INSTREAM"
        case .descriptor: "FILDES"
        }
    }

    /// The path or stream the job reads.
    var subject: String {
        switch work {
        case .path(_, let path): path.description
        case .stream: "instream(local)"
        case .descriptor(let fd): "fd[\(fd.rawValue)]"
        }
    }
}
