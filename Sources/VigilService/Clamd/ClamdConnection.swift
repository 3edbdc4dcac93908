import VigilSystem

/// How a reply is framed: the IDSESSION number it answers, if any, and the command's terminator (`\0` for `z`
/// commands, `\n` otherwise).
struct ReplyFormat: Sendable {
    var id: UInt32?
    var terminator: UInt8

    /// `ID: TEXT` + terminator (clamd's `conn_reply*`).
    func line(_ text: String) -> [UInt8] { line(subject: [], text) }

    /// `ID: PATH: TEXT` + terminator, with the path's own bytes, as clamd replies for a name that is not UTF-8.
    func line(_ path: FilePath, _ text: String) -> [UInt8] { line(subject: path.bytes, text) }

    /// `ID: SUBJECT: TEXT` + terminator, for a stream or a descriptor.
    func line(_ subject: String, _ text: String) -> [UInt8] { line(subject: Array(subject.utf8), text) }

    private func line(subject: [UInt8], _ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        if let id { bytes.append(contentsOf: "\(id): ".utf8) }
        if !subject.isEmpty { bytes += subject + Array(": ".utf8) }
        bytes.append(contentsOf: text.utf8)
        bytes.append(terminator)
        return bytes
    }
}

/// Work a connection hands to a scanning thread.
struct ClamdJob: Sendable {
    enum Work: Sendable {
        /// SCAN, CONTSCAN, MULTISCAN or ALLMATCHSCAN of a path.
        case path(ClamdCommand, FilePath)
        /// The bytes of an INSTREAM.
        case stream(StreamBuffer)
        /// A descriptor passed with FILDES.
        case descriptor(FileDescriptor)
    }

    var work: Work
    var format: ReplyFormat
}

/// What reading from a connection asks the server to do, in order.
enum ClamdAction: Sendable {
    case reply([UInt8])
    case dispatch(ClamdJob)
    case version(ReplyFormat, withCommands: Bool)
    case stats(ReplyFormat)
    case reload
    case shutdown
    /// The client is still sending what will never be read (a stream refused mid-way): refuse the rest at once
    /// and close without resetting the connection, so that the client's next write fails with `EPIPE` and the
    /// reply it may read is not lost.
    case refuseInput
}

/// One client connection's side of clamd's protocol, without the socket: bytes (and passed descriptors) in,
/// actions out. It frames commands as clamd's `get_cmd` does (`z…\0`, `n…\n`, or an unprefixed command that is
/// the whole first packet), runs IDSESSION numbering, INSTREAM chunks with the StreamMaxLength quota, and FILDES.
struct ClamdConnection {
    enum Phase: Equatable {
        case awaitingCommand
        case streaming
        case awaitingDescriptor
        /// No more commands are read; the connection closes once its replies are sent.
        case finished
    }

    /// The longest command line accepted (clamd's limit is its buffer; paths are at most `PATH_MAX`).
    static let maximumCommandLength = 8192

    private(set) var phase = Phase.awaitingCommand
    /// Whether IDSESSION began.
    private(set) var inSession = false
    private var nextID: UInt32 = 1
    private var input: [UInt8] = []
    private var start = 0
    private var receivedAny = false
    private var stream: StreamBuffer?
    private var chunkRemaining = 0
    private var quota = 0
    private var pending = ReplyFormat(id: nil, terminator: 0)
    private var pendingDescriptors: [FileDescriptor] = []
    let streamMaxLength: Int
    let allowAllMatchScan: Bool
    let temporaryDirectory: String

    init(streamMaxLength: Int, allowAllMatchScan: Bool, temporaryDirectory: String = "/tmp") {
        self.streamMaxLength = streamMaxLength
        self.allowAllMatchScan = allowAllMatchScan
        self.temporaryDirectory = temporaryDirectory
    }

    /// Whether a command is partly received or a stream or descriptor is awaited (ReadTimeout applies), rather
    /// than the connection waiting between commands (CommandReadTimeout, IdleTimeout).
    var isMidRequest: Bool { phase == .streaming || phase == .awaitingDescriptor || start < input.count }

    /// Whether the client has sent a command yet.
    var hasCommanded: Bool { inSession || nextID > 1 || phase != .awaitingCommand }

    /// Stops reading commands: the connection closes once its replies are sent.
    mutating func finish() { phase = .finished }

    /// Feeds what one read returned. A descriptor belongs to the byte after a FILDES command (clients send it on
    /// a one-byte message of its own, which one read may return together with the command); one that arrives
    /// anywhere else is clamd's protocol error.
    mutating func receive(_ bytes: UnsafeRawBufferPointer, descriptors: [FileDescriptor]) -> [ClamdAction] {
        guard phase != .finished else {
            descriptors.forEach { $0.close() }
            return []
        }
        var actions: [ClamdAction] = []
        pendingDescriptors.append(contentsOf: descriptors)
        let firstPacket = !receivedAny
        receivedAny = true
        input.append(contentsOf: bytes)
        process(firstPacket: firstPacket, into: &actions)
        if !pendingDescriptors.isEmpty {
            pendingDescriptors.forEach { $0.close() }
            pendingDescriptors.removeAll()
            if phase != .finished {
                let format = ReplyFormat(id: nil, terminator: 0)
                actions.append(.reply(format.line("PROTOCOL ERROR: ancillary data sent without FILDES. ERROR")))
                actions.append(.reply(format.line("Error processing command. ERROR")))
                phase = .finished
            }
        }
        if start > 0 && start * 2 >= input.count {
            input.removeFirst(start)
            start = 0
        }
        return actions
    }

    private mutating func process(firstPacket: Bool, into actions: inout [ClamdAction]) {
        while true {
            switch phase {
            case .finished: return
            case .awaitingDescriptor:
                guard start < input.count else { return }
                guard !pendingDescriptors.isEmpty else {
                    actions.append(.reply(pending.line("No file descriptor received. ERROR")))
                    phase = .finished
                    return
                }
                let descriptor = pendingDescriptors.removeFirst()
                actions.append(.dispatch(ClamdJob(work: .descriptor(descriptor), format: pending)))
                start += 1  // the byte the descriptor rode on
                phase = inSession ? .awaitingCommand : .finished
            case .streaming:
                guard consumeStream(into: &actions) else { return }
            case .awaitingCommand:
                guard let (text, terminator, oldStyle) = nextCommand(firstPacket: firstPacket) else {
                    if input.count - start > Self.maximumCommandLength {
                        actions.append(.reply(ReplyFormat(id: nil, terminator: 0).line("Command too long. ERROR")))
                        phase = .finished
                    }
                    return
                }
                handle(text, terminator: terminator, oldStyle: oldStyle, into: &actions)
            }
        }
    }

    /// The next framed command: its text, terminator and whether it was unprefixed.
    private mutating func nextCommand(firstPacket: Bool) -> (ArraySlice<UInt8>, UInt8, Bool)? {
        guard start < input.count else { return nil }
        let prefix = input[start]
        if prefix == UInt8(ascii: "z") || prefix == UInt8(ascii: "n") {
            let terminator: UInt8 = prefix == UInt8(ascii: "z") ? 0 : 10
            guard let end = input[start...].firstIndex(of: terminator) else { return nil }
            var text = input[(start + 1)..<end]
            start = end + 1
            if terminator == 10 { text = chomp(text.prefix { $0 != 0 }) }
            return (text, terminator, false)
        }
        // Unprefixed: only as the whole first packet (clamd: "one packet = one command"); later ones never parse.
        guard firstPacket && start == 0 else { return nil }
        let text = chomp(input[...].prefix { $0 != 0 })
        start = input.count
        return (text, 10, true)
    }

    private func chomp(_ text: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var text = text
        while let last = text.last, last == 10 || last == 13 { text.removeLast() }
        return text
    }

    private mutating func handle(
        _ text: ArraySlice<UInt8>, terminator: UInt8, oldStyle: Bool, into actions: inout [ClamdAction]
    ) {
        let parsed = ClamdCommand.parse(text, oldStyle: oldStyle)
        var format = ReplyFormat(id: nil, terminator: terminator)
        if inSession {
            format.id = nextID
            nextID &+= 1
            guard let (command, _) = parsed, command.allowedInSession else {
                actions.append(.reply(format.line("Command invalid inside IDSESSION. ERROR")))
                phase = .finished
                return
            }
        }
        guard let (command, argument) = parsed else {
            actions.append(.reply(format.line("UNKNOWN COMMAND")))
            phase = .finished
            return
        }
        let oneShot: Phase = inSession ? .awaitingCommand : .finished
        switch command {
        case .idsession:
            inSession = true
        case .end:
            if !inSession { actions.append(.reply(format.line("UNKNOWN COMMAND"))) }
            phase = .finished
        case .ping:
            actions.append(.reply(format.line("PONG")))
            phase = oneShot
        case .version, .versionCommands:
            actions.append(.version(format, withCommands: command == .versionCommands))
            phase = oneShot
        case .stats:
            actions.append(.stats(format))
            phase = oneShot
        case .reload:
            actions.append(.reply(format.line("RELOADING")))
            actions.append(.reload)
            phase = .finished
        case .shutdown, .quit:
            actions.append(.shutdown)
            phase = .finished
        case .detstats, .detstatsClear:
            phase = .finished
        case .scan, .contscan, .multiscan, .allmatchscan:
            let path = FilePath(bytes: argument)
            if command == .allmatchscan && !allowAllMatchScan {
                actions.append(.reply(format.line(path, "ALLMATCHSCAN command disabled by clamd configuration. ERROR")))
            } else {
                actions.append(.dispatch(ClamdJob(work: .path(command, path), format: format)))
            }
            phase = oneShot
        case .instream:
            pending = format
            stream = StreamBuffer(temporaryDirectory: temporaryDirectory)
            quota = streamMaxLength
            chunkRemaining = 0
            phase = .streaming
        case .fildes:
            pending = format
            phase = .awaitingDescriptor
        }
    }

    /// Consumes INSTREAM chunks; returns whether to go on processing (the stream ended or failed).
    private mutating func consumeStream(into actions: inout [ClamdAction]) -> Bool {
        while true {
            if chunkRemaining == 0 {
                guard input.count - start >= 4 else { return false }
                let length = input[start..<(start + 4)].reduce(0) { $0 << 8 | Int($1) }
                start += 4
                if length == 0 {
                    if let stream { actions.append(.dispatch(ClamdJob(work: .stream(stream), format: pending))) }
                    stream = nil
                    phase = inSession ? .awaitingCommand : .finished
                    return true
                }
                guard length <= quota else {
                    actions.append(.reply(pending.line("INSTREAM size limit exceeded. ERROR")))
                    actions.append(.refuseInput)
                    stream = nil
                    phase = .finished
                    return true
                }
                quota -= length
                chunkRemaining = length
            }
            let available = min(chunkRemaining, input.count - start)
            guard available > 0 else { return false }
            let failed = input.withUnsafeBytes { all in
                stream?.append(UnsafeRawBufferPointer(rebasing: all[start..<(start + available)]))
            }
            start += available
            chunkRemaining -= available
            if let failed {
                actions.append(.reply(pending.line("Error writing to temporary file: \(failed). ERROR")))
                actions.append(.refuseInput)
                stream = nil
                phase = .finished
                return true
            }
        }
    }
}
