import Glibc

/// One client thread's work and its results; touched by its own thread only until that thread is joined.
final class Client: @unchecked Sendable {
    let number: Int
    let options: Options
    let address: Address
    let requests: Requests
    let log: ErrorLog
    /// Latencies of the scans that succeeded, in nanoseconds.
    private(set) var latencies: [UInt64] = []
    /// Failed scans per ``Failure`` kind.
    private(set) var failures = [Int](repeating: 0, count: Failure.allCases.count)

    private let timeout: timeval
    /// The open session, with `--session`, and the number of its last command.
    private var session: Connection?
    private var command = 0
    private let reply = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 8)
    /// The clean request, its payload's first 16 bytes rewritten for each scan.
    private var clean: [UInt8]

    init(number: Int, options: Options, address: Address, requests: Requests, log: ErrorLog) {
        (self.number, self.options, self.address, self.requests, self.log) = (number, options, address, requests, log)
        let whole = options.timeout.rounded(.down)
        timeout = timeval(tv_sec: Int(whole), tv_usec: Int((options.timeout - whole) * 1e6))
        latencies.reserveCapacity(options.scans)
        clean = requests.clean
    }

    deinit { reply.deallocate() }

    /// Runs the client's scans; stops early when the run has had too many failures.
    func run() {
        scans: for scan in 1...options.scans {
            let infected = options.eicarEvery > 0 && scan % options.eicarEvery == 0
            if !infected && !options.samePayload { stamp(scan) }
            let start = Clock.now
            let result = options.session ? sessionScan(infected: infected) : singleScan(infected: infected)
            switch result {
            case .success: latencies.append(Clock.now - start)
            case .failure(let error):
                failures[error.kind.rawValue] += 1
                guard log.record("client \(number) scan \(scan): \(error.kind.name): \(error.message)") else {
                    break scans
                }
            }
        }
        if var connection = session {
            _ = Requests.endSession.withUnsafeBytes { connection.send($0) }
            connection.close()
        }
    }

    /// Writes the client's and the scan's numbers over the payload's first 16 bytes (as far as it has them).
    private func stamp(_ scan: Int) {
        var numbers = (UInt64(number).littleEndian, UInt64(scan).littleEndian)
        let count = min(16, requests.payloadSize)
        withUnsafeBytes(of: &numbers) { stamp in
            for i in 0..<count { clean[Requests.payloadOffset + i] = stamp[i] }
        }
    }

    /// One connection, one INSTREAM, one reply (`stream: OK`), then the server closes.
    private func singleScan(infected: Bool) -> Result<Void, ScanError> {
        var connection: Connection
        switch Connection.open(address, timeout: timeout) {
        case .success(let opened): connection = opened
        case .failure(let error): return .failure(ScanError(.connect, error.description))
        }
        defer { connection.close() }
        return exchange(on: connection, infected: infected, command: nil)
    }

    /// An INSTREAM on the client's session (opened on first use and after a failure, which that scan's latency
    /// includes), reply `N: stream: OK`.
    private func sessionScan(infected: Bool) -> Result<Void, ScanError> {
        if session == nil {
            var opened: Connection
            switch Connection.open(address, timeout: timeout) {
            case .success(let connection): opened = connection
            case .failure(let error): return .failure(ScanError(.connect, error.description))
            }
            if let error = Requests.openSession.withUnsafeBytes({ opened.send($0) }) {
                opened.close()
                return .failure(ScanError(.send, "IDSESSION: \(error)"))
            }
            (session, command) = (opened, 0)
        }
        command += 1
        let result = exchange(on: session!, infected: infected, command: command)
        if case .failure = result {
            session!.close()
            session = nil
        }
        return result
    }

    /// Sends the prepared request and checks the reply: `stream: OK` for the clean payload, `stream: NAME FOUND`
    /// for EICAR, preceded by `N: ` in a session.
    private func exchange(on connection: Connection, infected: Bool, command: Int?) -> Result<Void, ScanError> {
        let request = infected ? requests.eicar : clean
        if let error = request.withUnsafeBytes({ connection.send($0) }) {
            // A server that refuses the stream (too long, say) replies and closes: show what it said.
            guard case .success(let length) = connection.receiveReply(into: reply) else {
                return .failure(ScanError(.send, error.description))
            }
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: reply[..<length]), as: UTF8.self)
            return .failure(ScanError(.send, "\(error), after the reply '\(text)'"))
        }
        let length: Int
        switch connection.receiveReply(into: reply) {
        case .success(let count): length = count
        case .failure(let error): return .failure(error)
        }
        let text = UnsafeRawBufferPointer(rebasing: reply[..<length])
        var body = text[...]
        if let command {
            let prefix = Array("\(command): ".utf8)
            guard body.starts(with: prefix) else { return .failure(unexpected(text)) }
            body = body.dropFirst(prefix.count)
        }
        let matches =
            infected
            ? body.starts(with: Reply.stream) && body.reversed().starts(with: Reply.found.reversed())
            : body.elementsEqual(Reply.ok)
        return matches ? .success(()) : .failure(unexpected(text))
    }

    private func unexpected(_ text: UnsafeRawBufferPointer) -> ScanError {
        ScanError(.reply, "unexpected reply '\(String(decoding: text, as: UTF8.self))'")
    }
}

/// Starts a thread running `client`; exits when the system cannot make one. (Not in main.swift: there,
/// the closure would belong to the main actor, and Swift traps when another thread calls it.)
func startThread(_ client: Client) -> pthread_t {
    var thread = pthread_t()
    let context = Unmanaged.passRetained(client).toOpaque()
    let status = pthread_create(
        &thread, nil,
        { context in
            Unmanaged<Client>.fromOpaque(context!).takeRetainedValue().run()
            return nil
        }, context)
    guard status == 0 else {
        writeError("clamd-load: cannot start a thread: \(Errno(status))\n")
        exit(2)
    }
    return thread
}

/// The parts of clamd's replies the client checks.
enum Reply {
    static let stream = Array("stream: ".utf8)
    static let ok = Array("stream: OK".utf8)
    static let found = Array(" FOUND".utf8)
}

/// Prints the first few failures of all clients to standard error, and counts them all, to stop the run after
/// too many.
final class ErrorLog: @unchecked Sendable {
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var count = 0
    /// How many failures are printed.
    let printLimit: Int
    /// After how many failures the clients stop (each at its next failure).
    let stopLimit: Int

    init(printLimit: Int, stopLimit: Int) {
        (self.printLimit, self.stopLimit) = (printLimit, stopLimit)
        pthread_mutex_init(lock, nil)
    }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    /// Whether the run was cut short.
    var stopped: Bool {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return count >= stopLimit
    }

    /// Counts a failure and prints `message` if it is among the first `printLimit`; false when the run should stop.
    func record(_ message: @autoclosure () -> String) -> Bool {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        count += 1
        if count <= printLimit { writeError("clamd-load: \(message())\n") }
        return count < stopLimit
    }
}

/// The monotonic clock in nanoseconds.
enum Clock {
    static var now: UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
