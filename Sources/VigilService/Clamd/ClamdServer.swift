import VigilScan
import VigilSystem

/// Why `vigil serve` could not start.
public struct ServeError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, for the user.
    public var description: String

    /// An error with its description.
    public init(_ description: String) { self.description = description }
}

/// clamd's socket protocol on one I/O thread: it accepts, reads and frames commands, answers the quick ones
/// itself, queues scans for the scanning threads, and writes every reply; a slow, silent or vanished client
/// costs one descriptor and a buffer, never a thread.
public final class ClamdServer: @unchecked Sendable {
    let configuration: ClamdConfiguration
    let log: ServiceLog
    /// The engine scans use; set by ``run(service:signals:)``.
    private var service: ScanService!
    private let poller: EventPoller
    private let wakeup: Wakeup
    private var listeners: [Int32: FileDescriptor] = [:]
    private var listening = true
    private var connections: [Int32: Connection] = [:]
    private var bySerial: [UInt64: Int32] = [:]
    private var nextSerial: UInt64 = 1
    private let outbox = Locked([(UInt64, [UInt8]?)]())
    private let requests = Locked(Requests())
    private var workers: ClamdWorkers?
    private var scratch = [UInt8](repeating: 0, count: 1 << 16)
    private var lastSweep = monotonicSeconds()
    private var databaseFingerprint: [String] = []
    private var lastSelfCheck = monotonicSeconds()
    private var unixSocketPath: String?
    /// The TCP port bound (the configured one, or the kernel's pick for port 0).
    public private(set) var tcpPort: Int?

    private struct Requests {
        var shutdown = false
        var reload = false
    }

    /// One client.
    private final class Connection {
        let fd: FileDescriptor
        let channel: ReplyChannel
        var protocolState: ClamdConnection
        var output: [UInt8] = []
        var written = 0
        var outstanding = 0
        var lastActivity = monotonicSeconds()
        var readClosed = false
        /// Input was refused (``ClamdAction/refuseInput``): what is queued is discarded before closing.
        var refusedInput = false
        var watched = PollEvents()

        init(fd: FileDescriptor, channel: ReplyChannel, protocolState: ClamdConnection) {
            self.fd = fd
            self.channel = channel
            self.protocolState = protocolState
        }

        var isDone: Bool {
            outstanding == 0 && written == output.count && (protocolState.phase == .finished || readClosed)
        }
    }

    /// Prepares a server; ``bind()`` then opens its sockets and ``run(service:signals:)`` serves.
    public init(configuration: ClamdConfiguration, log: ServiceLog) throws(ServeError) {
        self.configuration = configuration
        self.log = log
        do {
            poller = try EventPoller()
            wakeup = try Wakeup()
        } catch {
            throw ServeError("cannot create the event loop: \(error)")
        }
    }

    /// Opens the configured sockets (before dropping privileges): the UNIX socket with its mode and group, and the
    /// TCP port on each `TCPAddr` (loopback when none).
    public func bind() throws(ServeError) {
        let backlog = configuration.maxConnectionQueueLength
        if let path = configuration.localSocket {
            switch FileDescriptor.listenUnix(path: path, backlog: backlog) {
            case .success(let fd): add(listener: fd)
            case .failure(.addressInUse):
                throw ServeError("LOCAL: Socket file \(path) is in use by another process.")
            case .failure(let e): throw ServeError("LOCAL: Cannot bind to \(path): \(e)")
            }
            unixSocketPath = path
            // clamd makes the socket 0666 unless told otherwise, so every local user's client can connect.
            if case .failure(let e) = changeMode(path, configuration.localSocketMode ?? 0o666) {
                throw ServeError("LOCAL: Cannot set mode of \(path): \(e)")
            }
            if let group = configuration.localSocketGroup, case .failure(let e) = changeGroup(path, group) {
                throw ServeError("LOCAL: Cannot set group of \(path) to \(group): \(e)")
            }
            log.info("LOCAL: Unix socket file \(path)")
        }
        if let port = configuration.tcpSocket {
            let hosts = configuration.tcpAddresses.isEmpty ? ["127.0.0.1"] : configuration.tcpAddresses
            for host in hosts {
                switch FileDescriptor.listenTCP(host: host, port: tcpPort ?? port, backlog: backlog) {
                case .success(let (fds, bound)):
                    fds.forEach(add(listener:))
                    tcpPort = bound
                    log.info("TCP: Bound to [\(host)]:\(bound)")
                case .failure(let e): throw ServeError("TCP: Cannot bind to \(e)")
                }
            }
        }
        guard !listeners.isEmpty else { throw ServeError("Please define server type (local and/or TCP).") }
    }

    private func add(listener fd: FileDescriptor) {
        listeners[fd.rawValue] = fd
        poller.watch(fd, for: .readable)
    }

    /// Asks the server to stop (from any thread): no new connections; scans in flight finish and are answered.
    public func requestShutdown() {
        requests.withLock { $0.shutdown = true }
        wakeup.signal()
    }

    /// Asks for a database reload in the background (from any thread).
    public func requestReload() {
        requests.withLock { $0.reload = true }
        wakeup.signal()
    }

    /// Serves with `service` until SHUTDOWN, SIGTERM or SIGINT (when `signals` receives them; SIGHUP and SIGUSR2
    /// reload), then drains: queued and running scans finish and their replies are sent. Removes the UNIX socket
    /// file.
    public func run(service: ScanService, signals: SignalReceiver? = nil) {
        self.service = service
        databaseFingerprint = DatabaseFingerprint.of(service.databasePaths)
        let runner = ClamdJobRunner(service: service, maxThreads: configuration.maxThreads)
        workers = ClamdWorkers(threads: configuration.maxThreads, capacity: configuration.maxQueue, runner: runner)
        poller.watch(wakeup.descriptor, for: .readable)
        if let signals { poller.watch(signals.descriptor, for: .readable) }
        var reloader: OwnThread?
        var stopping = false
        while !(stopping && connections.isEmpty) {
            poller.wait(milliseconds: 250) { fd, events in
                if fd == wakeup.descriptor {
                    wakeup.drain()
                } else if fd == signals?.descriptor {
                    while let signal = signals?.next() { handle(signal: signal) }
                } else if let listener = listeners[fd.rawValue] {
                    accept(from: listener)
                } else if let connection = connections[fd.rawValue] {
                    serve(connection, events)
                }
            }
            deliverReplies()
            let busy = reloading.withLock { $0 }
            let request = requests.withLock { r -> Requests in
                // A reload asked for during one stays asked for until that one ends.
                defer { if !busy { r.reload = false } }
                return r
            }
            if request.reload && !busy {
                reloader?.join()
                reloader = startReload()
            }
            if request.shutdown && !stopping {
                stopping = true
                stopListening()
                for connection in connections.values where connection.outstanding == 0 { close(connection) }
            }
            sweep(stopping: stopping)
        }
        workers?.drain()
        reloader?.join()
        log.info("--- Stopped")
    }

    // MARK: connections

    private func accept(from listener: FileDescriptor) {
        while listening {
            switch listener.accept() {
            case .success(let fd):
                let serial = nextSerial
                nextSerial += 1
                let channel = ReplyChannel(serial: serial) { [outbox, wakeup] serial, bytes in
                    outbox.withLock { $0.append((serial, bytes)) }
                    wakeup.signal()
                }
                let state = ClamdConnection(
                    streamMaxLength: configuration.streamMaxLength, allowAllMatchScan: configuration.allowAllMatchScan,
                    temporaryDirectory: configuration.temporaryDirectory)
                let connection = Connection(fd: fd, channel: channel, protocolState: state)
                connections[fd.rawValue] = connection
                bySerial[serial] = fd.rawValue
                updateInterest(connection)
            case .failure(.wouldBlock):  // none pending
                return
            case .failure(let e) where Errno.descriptorsExhausted.contains(e):  // pause until some close
                log.warning("Cannot accept a connection: \(e); waiting")
                pauseListening()
                return
            case .failure:
                return
            }
        }
    }

    private func serve(_ connection: Connection, _ events: PollEvents) {
        if events.contains(.writable) { flush(connection) }
        if events.contains(.readable) || events.contains(.peerClosed) { read(connection) }
        if events.contains(.failed) && connections[connection.fd.rawValue] != nil {
            close(connection)
            return
        }
        finishIfDone(connection)
    }

    private func read(_ connection: Connection) {
        guard !connection.readClosed, connection.protocolState.phase != .finished else { return }
        var descriptors: [FileDescriptor] = []
        let result = scratch.withUnsafeMutableBytes { connection.fd.receive(into: $0, descriptors: &descriptors) }
        switch result {
        case .success(0):
            descriptors.forEach { $0.close() }
            // A client that half-closes still gets the replies of what it sent; nothing more can come.
            connection.readClosed = true
        case .success(let n):
            connection.lastActivity = monotonicSeconds()
            let actions = scratch.withUnsafeBytes {
                connection.protocolState.receive(UnsafeRawBufferPointer(rebasing: $0[0..<n]), descriptors: descriptors)
            }
            for action in actions { perform(action, connection) }
        case .failure(.wouldBlock):
            break
        case .failure:
            descriptors.forEach { $0.close() }
            close(connection)
            return
        }
        updateInterest(connection)
    }

    private func perform(_ action: ClamdAction, _ connection: Connection) {
        switch action {
        case .reply(let bytes): append(bytes, to: connection)
        case .dispatch(let job):
            guard let workers, workers.submit(job, connection.channel) else {
                if case .descriptor(let fd) = job.work { fd.close() }
                service.metrics.recordError()
                append(
                    job.format.line("Too many requests queued (MaxQueue \(configuration.maxQueue)). ERROR"),
                    to: connection)
                connection.protocolState.finish()
                return
            }
            connection.outstanding += 1
            if workers.queued >= workers.capacity { pauseListening() }
        case .version(let format, let withCommands):
            var text = versionText(terminator: withCommands ? "|" : "")
            if withCommands { text += " COMMANDS: " + ClamdCommand.allCases.map(\.rawValue).joined(separator: " ") }
            append(format.line(text), to: connection)
        case .stats(let format):
            append(format.line(statsText()), to: connection)
        case .reload:
            requestReload()
        case .shutdown:
            log.info("SHUTDOWN command received")
            requestShutdown()
        case .refuseInput:
            connection.fd.shutdownRead()
            connection.refusedInput = true
        }
    }

    private func append(_ bytes: [UInt8], to connection: Connection) {
        if connection.written == connection.output.count {
            connection.output.removeAll(keepingCapacity: true)
            connection.written = 0
        }
        connection.output.append(contentsOf: bytes)
        flush(connection)
    }

    private func flush(_ connection: Connection) {
        while connection.written < connection.output.count {
            let result = connection.output.withUnsafeBytes {
                connection.fd.send(UnsafeRawBufferPointer(rebasing: $0[connection.written...]))
            }
            switch result {
            case .success(let n): connection.written += n
            case .failure(.wouldBlock):
                updateInterest(connection)
                return
            case .failure:
                // The client is gone: what was left to say is dropped.
                connection.channel.cancel()
                connection.output.removeAll()
                connection.written = 0
                connection.readClosed = true
                return
            }
        }
        updateInterest(connection)
    }

    private func deliverReplies() {
        let batch = outbox.withLock { items -> [(UInt64, [UInt8]?)] in
            defer { items.removeAll(keepingCapacity: true) }
            return items
        }
        for (serial, bytes) in batch {
            guard let fd = bySerial[serial], let connection = connections[fd] else { continue }
            if let bytes {
                append(bytes, to: connection)
            } else {
                connection.outstanding -= 1
                finishIfDone(connection)
            }
        }
        if !listening, let workers, workers.queued < workers.capacity, !requests.withLock({ $0.shutdown }) {
            resumeListening()
        }
    }

    private func finishIfDone(_ connection: Connection) {
        guard connections[connection.fd.rawValue] === connection else { return }
        if connection.isDone { close(connection) }
    }

    private func updateInterest(_ connection: Connection) {
        guard connections[connection.fd.rawValue] === connection else { return }
        var events = PollEvents()
        if !connection.readClosed && connection.protocolState.phase != .finished { events.insert(.readable) }
        if connection.written < connection.output.count { events.insert(.writable) }
        if events != connection.watched {
            connection.watched = events
            poller.watch(connection.fd, for: events)
        }
    }

    private func close(_ connection: Connection) {
        guard connections.removeValue(forKey: connection.fd.rawValue) != nil else { return }
        connection.channel.cancel()
        poller.forget(connection.fd)
        if connection.refusedInput { discardQueuedInput(connection.fd) }
        connection.fd.close()
        // Jobs still running for it finish into the void; their serial is no longer known.
        bySerial.removeValue(forKey: connection.channel.serial)
        if !listening && !requests.withLock({ $0.shutdown }) { resumeListening() }
    }

    /// Reads away what a client sent before its input was refused: closing a UNIX socket with unread data resets
    /// the connection (the client reads `ECONNRESET` instead of its reply or `EPIPE`). Bounded: the refusal stops
    /// further writes, so only what was already queued is left.
    private func discardQueuedInput(_ fd: FileDescriptor) {
        for _ in 0..<256 {
            var descriptors: [FileDescriptor] = []
            let result = scratch.withUnsafeMutableBytes { fd.receive(into: $0, descriptors: &descriptors) }
            descriptors.forEach { $0.close() }
            guard case .success(let n) = result, n > 0 else { return }
        }
    }

    // MARK: timeouts, listening, reload

    /// Closes connections past their timeout: CommandReadTimeout before the first command, ReadTimeout in the
    /// middle of a request (or while replies wait for a client that does not read), IdleTimeout between a
    /// session's commands.
    private func sweep(stopping: Bool) {
        let now = monotonicSeconds()
        guard now - lastSweep >= 0.25 else { return }
        lastSweep = now
        for connection in Array(connections.values) {
            let state = connection.protocolState
            let limit: Int
            if connection.outstanding > 0 && connection.written == connection.output.count {
                continue
            } else if connection.written < connection.output.count || state.isMidRequest {
                limit = configuration.readTimeout
            } else if !state.hasCommanded {
                limit = configuration.commandReadTimeout
            } else {
                limit = configuration.idleTimeout
            }
            if stopping && connection.outstanding == 0 && connection.written == connection.output.count {
                close(connection)
            } else if now - connection.lastActivity > Double(limit) {
                close(connection)
            }
        }
        if configuration.selfCheck > 0 && now - lastSelfCheck >= Double(configuration.selfCheck) && !stopping {
            lastSelfCheck = now
            let fingerprint = DatabaseFingerprint.of(service.databasePaths)
            if fingerprint != databaseFingerprint {
                log.info("SelfCheck: Database modification detected. Forcing reload.")
                requestReload()
            }
        }
    }

    private func pauseListening() {
        guard listening else { return }
        listening = false
        listeners.values.forEach { poller.forget($0) }
    }

    private func resumeListening() {
        guard !listening else { return }
        listening = true
        listeners.values.forEach { poller.watch($0, for: .readable) }
    }

    private func stopListening() {
        pauseListening()
        listeners.values.forEach { $0.close() }
        listeners.removeAll()
        if let unixSocketPath { _ = removeFile(unixSocketPath) }
    }

    private let reloading = Locked(false)

    private func startReload() -> OwnThread {
        reloading.withLock { $0 = true }
        let fingerprint = DatabaseFingerprint.of(service.databasePaths)
        databaseFingerprint = fingerprint
        let service: ScanService = self.service
        return OwnThread.start { [log, reloading, wakeup] in
            log.info("Reading databases from \(service.databasePaths.joined(separator: ", "))")
            switch service.reload() {
            case .success(let database):
                log.info("Database correctly reloaded (\(database.engine.signatureCount) signatures)")
            case .failure(let error):
                log.error("Database reload failed, keeping the old database: \(error)")
            case nil:
                break
            }
            reloading.withLock { $0 = false }
            wakeup.signal()
        }
    }

    private func handle(signal: Int32) {
        switch signal {
        case SignalNumber.hangup:
            log.reopen()
            requestReload()
        case SignalNumber.user2:
            requestReload()
        default:  // SIGTERM, SIGINT
            log.info("Received signal \(signal), shutting down")
            requestShutdown()
        }
    }

    // MARK: VERSION and STATS

    /// `vigil 0.1.0` and, with a ClamAV database, `/VERSION/BUILD TIME` as clamd prints them.
    private func versionText(terminator: String) -> String {
        let database = service.database
        var text = ServiceIdentity.version
        if let version = database.version {
            let time = database.buildTime.map { formatLocalTime($0, "%a %b %e %H:%M:%S %Y") } ?? ""
            text += "/\(version)/\(time)"
        }
        return text + terminator
    }

    private func statsText() -> String {
        guard let workers else { return "" }
        let now = monotonicSeconds()
        let activity = workers.activity
        let idle = activity.filter { $0.task == "IDLE" }.count
        var text = "POOLS: 1\n\nSTATE: VALID PRIMARY\n"
        text += "THREADS: live \(activity.count)  idle \(idle) max \(workers.threadCount)"
        text += " idle-timeout \(configuration.idleTimeout)\n"
        text += "QUEUE: \(workers.queued) items\n"
        for thread in activity { text += "\t\(thread.task) \(fixed(now - thread.since, digits: 6)) \(thread.path)\n" }
        let resident = residentMemory().map { fixed(Double($0) / 1_048_576, digits: 3) + "M" } ?? "N/A"
        text += "\nMEMSTATS: heap N/A mmap N/A used N/A free N/A releasable N/A pools 1"
        text += " pools_used \(resident) pools_total \(resident)\nEND"
        return text
    }
}
