/// Runs a `.cdiff` script on a container's members in memory, with the semantics of ClamAV 1.4's `cdiff.rs`
/// (checked against `sigtool --run-cdiff`):
///
/// - a line is split at its first space (or its newline) into the command and the rest; lines starting `#` are
///   comments; line numbers count every line, comments included;
/// - `ADD` appends the rest of its line verbatim, newline included; `DEL` and `XCHG` are recorded by line number
///   (a later one for the same line replaces an earlier one) and applied in line order at `CLOSE`, which fails if
///   a line does not start with the expected text, if an edit is past the end, or if an edited member's last
///   line has no newline; `CLOSE` creates the member if `ADD` needs it;
/// - `MOVE` and `UNLINK` need no member open; the `MOVE` destination must exist;
/// - fields are separated by single spaces (`XCHG`'s third field, the new line, is the rest of the line).
///
/// Where ClamAV would crash (a parameter-taking command on a last line without newline) or silently drop work
/// (a script ending with a member still open), this is an error: such a script is truncated or corrupt.
///
/// Each `CLOSE` with edits and each `MOVE` rewrites a whole member, so a hostile script could make the work grow
/// with the square of its size (grow a member with `ADD`, then edit it over and over). The bytes rewritten are
/// therefore budgeted: 16 times the members' and the script's size, far above what a real update needs (it
/// rewrites each member about once).
struct CDiffScript {
    struct Failure: Error {
        var line: Int
        var message: String
    }

    private struct Edit {
        var expected: ArraySlice<UInt8>
        var replacement: ArraySlice<UInt8>?
    }

    var members: [CVDArchive.Member]
    private var open: String?
    private var edits: [Int: Edit] = [:]
    private var additions: [UInt8] = []

    private var budget = 0

    init(members: [CVDArchive.Member]) { self.members = members }

    mutating func run(_ script: [UInt8]) throws(Failure) {
        budget = 16 * (members.reduce(script.count) { $0 + $1.bytes.count }) + (1 << 20)
        var start = script.startIndex
        var lineNumber = 0
        while start < script.endIndex {
            lineNumber += 1
            let end = script[start...].firstIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? script.endIndex
            let line = script[start..<end]
            start = end
            if line.first == UInt8(ascii: "#") { continue }
            do {
                try execute(line)
            } catch {
                throw Failure(line: lineNumber, message: error.message + " (\(Self.show(line)))")
            }
        }
        if let open {
            throw Failure(line: lineNumber, message: "the script ends with \(open) still open (no CLOSE; truncated?)")
        }
    }

    private struct CommandError: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    private mutating func execute(_ line: ArraySlice<UInt8>) throws(CommandError) {
        let separator = line.firstIndex { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") }
        let command = String(decoding: separator.map { line[line.startIndex..<$0] } ?? line, as: UTF8.self)
        let restWithNewline = separator.map { line[($0 + 1)...] }
        // As ClamAV: the parameters are the rest of the line only when it ends with a newline.
        let rest = restWithNewline.flatMap { $0.last == UInt8(ascii: "\n") ? $0.dropLast() : nil }
        func parameters(_ what: String) throws(CommandError) -> ArraySlice<UInt8> {
            guard let rest else { throw CommandError("\(command) needs \(what) and a newline after it") }
            return rest
        }

        switch command {
        case "OPEN":
            let name = try Self.memberName(try parameters("a database name"))
            if let open { throw CommandError("OPEN \(name) while \(open) is still open") }
            open = name
        case "ADD":
            guard open != nil else { throw CommandError("ADD with no database open") }
            guard let text = restWithNewline else { throw CommandError("ADD needs a signature") }
            additions += text
        case "DEL":
            let fields = Array(
                try parameters("a line number and its start").split(
                    separator: UInt8(ascii: " "), omittingEmptySubsequences: false))
            guard fields.count >= 2 else { throw CommandError("DEL needs a line number and the line's start") }
            let number = try Self.lineNumber(fields[0])
            guard open != nil else { throw CommandError("DEL with no database open") }
            edits[number] = Edit(expected: fields[1], replacement: nil)
        case "XCHG":
            let fields = Array(
                try parameters("a line number, its start and the new line").split(
                    separator: UInt8(ascii: " "), maxSplits: 2, omittingEmptySubsequences: false))
            guard fields.count == 3 else {
                throw CommandError("XCHG needs a line number, the line's start and the new line")
            }
            let number = try Self.lineNumber(fields[0])
            guard open != nil else { throw CommandError("XCHG with no database open") }
            edits[number] = Edit(expected: fields[1], replacement: fields[2])
        case "CLOSE":
            try close()
        case "MOVE":
            let fields = Array(
                try parameters("six fields").split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false))
            guard fields.count >= 6 else {
                throw CommandError("MOVE needs SOURCE DESTINATION START_LINE START_TEXT END_LINE END_TEXT")
            }
            let first = try Self.lineNumber(fields[2])
            let last = try Self.lineNumber(fields[4])
            if let open { throw CommandError("MOVE while \(open) is still open") }
            try move(
                from: String(decoding: fields[0], as: UTF8.self), to: String(decoding: fields[1], as: UTF8.self),
                first: (first, fields[3]), last: (last, fields[5]))
        case "UNLINK":
            let name = try Self.memberName(
                try parameters("a database name").split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
                    .first ?? [])
            if let open { throw CommandError("UNLINK \(name) while \(open) is still open") }
            guard let index = members.firstIndex(where: { $0.name == name }) else {
                throw CommandError("UNLINK \(name): no such database file")
            }
            members.remove(at: index)
        default:
            throw CommandError("unknown command \"\(command)\"")
        }
    }

    /// `CLOSE`: the recorded edits in line order, then the additions.
    private mutating func close() throws(CommandError) {
        guard let name = open else { throw CommandError("CLOSE with no database open") }
        open = nil
        if !edits.isEmpty {
            guard let index = members.firstIndex(where: { $0.name == name }) else {
                throw CommandError("\(name) does not exist, so its lines cannot be edited")
            }
            let ordered = edits.sorted { $0.key < $1.key }
            edits = [:]
            var next = 0
            let old = members[index].bytes
            try spend(old.count)
            var new: [UInt8] = []
            new.reserveCapacity(old.count)
            var lineNumber = 0
            for line in Self.lines(old) {
                lineNumber += 1
                guard line.last == UInt8(ascii: "\n") else {
                    throw CommandError("\(name) does not end with a newline")
                }
                let text = line.dropLast()
                if next < ordered.count && ordered[next].key == lineNumber {
                    let edit = ordered[next].value
                    guard text.starts(with: edit.expected) else {
                        throw CommandError(
                            "\(edit.replacement == nil ? "DEL" : "XCHG") of line \(lineNumber) of \(name): the line "
                                + "does not start with \"\(Self.show(edit.expected))\"")
                    }
                    if let replacement = edit.replacement {
                        new += replacement
                        new.append(UInt8(ascii: "\n"))
                    }
                    next += 1
                } else {
                    new += line
                }
            }
            guard next == ordered.count else {
                throw CommandError(
                    "\(ordered[next].value.replacement == nil ? "DEL" : "XCHG") of line \(ordered[next].key): "
                        + "\(name) has only \(lineNumber) lines")
            }
            members[index].bytes = new
        }
        if !additions.isEmpty {
            if let index = members.firstIndex(where: { $0.name == name }) {
                members[index].bytes += additions
            } else {
                members.append(CVDArchive.Member(name: name, bytes: additions))
            }
            additions = []
        }
    }

    /// `MOVE`: lines `first`…`last` of `source` (checked against the expected starts) go to the end of
    /// `destination`; the rest of `source` stays.
    private mutating func move(
        from source: String, to destination: String, first: (Int, ArraySlice<UInt8>), last: (Int, ArraySlice<UInt8>)
    ) throws(CommandError) {
        guard let to = members.firstIndex(where: { $0.name == destination }) else {
            throw CommandError("MOVE to \(destination): no such database file")
        }
        guard let from = members.firstIndex(where: { $0.name == source }) else {
            throw CommandError("MOVE from \(source): no such database file")
        }
        enum State { case before, moving, done }
        var state = State.before
        var moved: [UInt8] = []
        var kept: [UInt8] = []
        var lineNumber = 0
        try spend(members[from].bytes.count)
        for line in Self.lines(members[from].bytes) {
            lineNumber += 1
            if state == .before && lineNumber == first.0 {
                guard line.starts(with: first.1) else {
                    throw CommandError(
                        "MOVE: line \(lineNumber) of \(source) does not start with \"\(Self.show(first.1))\"")
                }
                state = .moving
                moved += line
            } else if state == .moving {
                moved += line
                if lineNumber == last.0 {
                    guard line.starts(with: last.1) else {
                        throw CommandError(
                            "MOVE: line \(lineNumber) of \(source) does not start with \"\(Self.show(last.1))\"")
                    }
                    state = .done
                }
            } else {
                kept += line
            }
        }
        guard state == .done else {
            throw CommandError("MOVE: lines \(first.0)–\(last.0) of \(source) were not found")
        }
        members[to].bytes += moved
        members[from].bytes = kept
    }

    /// Counts `bytes` of rewriting against the budget.
    private mutating func spend(_ bytes: Int) throws(CommandError) {
        budget -= bytes
        guard budget >= 0 else {
            throw CommandError("the script rewrites far more than the database holds (a hostile update?)")
        }
    }

    /// The lines of a member, each with its newline (the last may have none), one at a time.
    private static func lines(_ bytes: [UInt8]) -> some Sequence<ArraySlice<UInt8>> {
        var start = bytes.startIndex
        return AnyIterator {
            guard start < bytes.endIndex else { return nil }
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? bytes.endIndex
            defer { start = end }
            return bytes[start..<end]
        }
    }

    /// A database name as `OPEN` and `UNLINK` accept it: letters, digits, `.` and `_`, and no directory part.
    private static func memberName(_ field: ArraySlice<UInt8>) throws(CommandError) -> String {
        guard let name = String(validating: field, as: UTF8.self) else {
            throw CommandError("the database name is not UTF-8")
        }
        guard !name.isEmpty, name != ".", name != "..",
            name.unicodeScalars.allSatisfy({
                $0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "." || $0 == "_"
            })
        else {
            throw CommandError("invalid database name \"\(name)\" (letters, digits, '.' and '_' only)")
        }
        return name
    }

    /// A line number: decimal digits, optionally after `+` (as Rust's `usize::from_str`).
    private static func lineNumber(_ field: ArraySlice<UInt8>) throws(CommandError) -> Int {
        let digits = field.first == UInt8(ascii: "+") ? field.dropFirst() : field
        guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let value = Int(String(decoding: digits, as: UTF8.self))
        else {
            throw CommandError("invalid line number \"\(show(field))\"")
        }
        return value
    }

    /// Text for a message: printable, without the newline, at most 80 characters.
    static func show(_ bytes: ArraySlice<UInt8>) -> String {
        var text = String(decoding: bytes.prefix(80), as: UTF8.self)
        while text.last == "\n" || text.last == "\r" { text.removeLast() }
        let printable = String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
        return bytes.count > 80 ? printable + "…" : printable
    }
}
