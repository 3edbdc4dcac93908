/// A command of clamd's protocol, as clamd 1.4 names and parses them.
public enum ClamdCommand: String, Sendable, CaseIterable {
    case scan = "SCAN"
    case quit = "QUIT"
    case reload = "RELOAD"
    case ping = "PING"
    case contscan = "CONTSCAN"
    case versionCommands = "VERSIONCOMMANDS"
    case version = "VERSION"
    case end = "END"
    case shutdown = "SHUTDOWN"
    case multiscan = "MULTISCAN"
    case fildes = "FILDES"
    case stats = "STATS"
    case idsession = "IDSESSION"
    case instream = "INSTREAM"
    case detstatsClear = "DETSTATSCLEAR"
    case detstats = "DETSTATS"
    case allmatchscan = "ALLMATCHSCAN"

    /// clamd's table order (`allCases`), which decides between commands sharing a prefix and is the order
    /// `VERSIONCOMMANDS` lists them in.
    static let table: [(command: ClamdCommand, name: [UInt8])] = allCases.map { ($0, Array($0.rawValue.utf8)) }

    /// Whether the command takes an argument (a path).
    var takesArgument: Bool { self == .scan || self == .contscan || self == .multiscan || self == .allmatchscan }

    /// Whether the command may be sent without a `z`/`n` prefix (clamd's "old style").
    var allowsOldStyle: Bool {
        switch self {
        case .versionCommands, .end, .stats, .idsession, .instream, .allmatchscan: false
        default: true
        }
    }

    /// Whether the command is accepted inside an IDSESSION.
    var allowedInSession: Bool {
        switch self {
        case .fildes, .scan, .end, .instream, .version, .ping, .stats, .versionCommands: true
        default: false
        }
    }

    /// Parses a command's text (its bytes up to the first NUL) as clamd's `parse_command` does: the first table
    /// entry that prefixes the text wins; a command taking an argument needs at least one byte after its name and
    /// skips exactly one (normally the space); any other must end there. `nil` is `UNKNOWN COMMAND`.
    static func parse(_ text: ArraySlice<UInt8>, oldStyle: Bool) -> (ClamdCommand, argument: [UInt8])? {
        let text = text.prefix { $0 != 0 }
        for (command, name) in table where text.starts(with: name) {
            let rest = text.dropFirst(name.count)
            if command.takesArgument {
                guard !rest.isEmpty else { return nil }
                return oldStyle && !command.allowsOldStyle ? nil : (command, Array(rest.dropFirst()))
            }
            guard rest.isEmpty, !oldStyle || command.allowsOldStyle else { return nil }
            return (command, [])
        }
        return nil
    }
}
