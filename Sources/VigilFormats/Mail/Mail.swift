/// Internet mail (RFC 5322 with MIME) and mbox files: every part of every message, decoded, as clamscan's
/// `cli_mbox` saves them for scanning.
///
/// - An mbox holds messages that each begin with a `From ` line after an empty line.
/// - A `multipart/*` body is split at its boundary lines, each part read as a message of its own;
///   a `message/rfc822` body is read as a message.
/// - Any other body is one part, decoded by its `Content-Transfer-Encoding` (base64, quoted-printable,
///   uuencode); a text part also gives the files uuencoded inside it.
/// - Parts nest at most ``maximumDepth`` deep; deeper parts are given undecoded.
public enum Mail {
    /// How deep multipart and attached messages are followed.
    public static let maximumDepth = 32

    /// Calls `visit` with each part in order, decoded, each at most `maximumSize` bytes, until it returns
    /// false. A part is named by its file name (`Content-Disposition` filename or `Content-Type` name) when
    /// it has one.
    public static func forEachPart(
        in data: UnsafeRawBufferPointer, maximumSize: Int,
        _ visit: (ArchiveMember) -> Bool
    ) {
        withoutActuallyEscaping(visit) { visit in
            var walker = PartWalker(text: data, maximumSize: maximumSize, visit: visit)
            for message in messages(in: data) where !walker.message(message, depth: 0) { return }
        }
    }

    /// The messages of an mbox (a file whose first line starts `From `), or the one message of any other file.
    static func messages(in text: UnsafeRawBufferPointer) -> [Range<Int>] {
        guard TransferEncoding.hasPrefix(text, 0..<text.count, "From ") else { return [0..<text.count] }
        var starts: [Int] = []
        var lines = Lines(text)
        var previousEmpty = true
        while true {
            let start = lines.position
            guard let line = lines.next() else { break }
            if previousEmpty, TransferEncoding.hasPrefix(text, line, "From ") { starts.append(start) }
            previousEmpty = line.isEmpty
        }
        return starts.indices.map { starts[$0]..<($0 + 1 < starts.count ? starts[$0 + 1] : text.count) }
    }
}

/// The MIME headers of a message or part that decide how its body is read.
struct PartHeaders {
    /// The lowercased media type (`text/plain` when absent).
    var mediaType = "text/plain"
    /// The `Content-Type` parameters, names lowercased.
    var parameters: [String: String] = [:]
    /// The lowercased `Content-Transfer-Encoding`.
    var encoding = ""
    /// The file name, from `Content-Disposition` or the `Content-Type` name.
    var fileName = ""

    /// Reads the header lines at the start of `range`; returns them and where the body starts (after the
    /// empty line, or at `range`'s start when the first line is not a header).
    static func read(_ text: UnsafeRawBufferPointer, _ range: Range<Int>) -> (PartHeaders, bodyStart: Int) {
        var fields: [(name: String, value: String)] = []
        var lines = Lines(text, in: range)
        var bodyStart = range.lowerBound
        var first = true
        while let line = lines.next() {
            if line.isEmpty {
                bodyStart = lines.position
                break
            }
            if first, TransferEncoding.hasPrefix(text, line, "From ") {
                first = false
                continue
            }
            let string = String(decoding: UnsafeRawBufferPointer(rebasing: text[line]), as: UTF8.self)
            if text[line.lowerBound] == 0x20 || text[line.lowerBound] == 0x09, !fields.isEmpty {
                fields[fields.count - 1].value += " " + string.trimmed
            } else if let colon = string.firstIndex(of: ":"), !string[..<colon].contains(" ") {
                fields.append(
                    (String(string[..<colon]).lowercased(), String(string[string.index(after: colon)...]).trimmed))
            } else if first {
                return (PartHeaders(), range.lowerBound)
            }
            first = false
            bodyStart = lines.position
        }
        var headers = PartHeaders()
        for (name, value) in fields {
            switch name {
            case "content-type":
                let (type, parameters) = parse(value)
                if type.contains("/") { headers.mediaType = type }
                headers.parameters = parameters
                if headers.fileName.isEmpty, let name = parameters["name"] { headers.fileName = name }
            case "content-transfer-encoding":
                headers.encoding = value.lowercased()
            case "content-disposition":
                if let name = parse(value).parameters["filename"] { headers.fileName = name }
            default: break
            }
        }
        return (headers, bodyStart)
    }

    /// A structured header's value (`type; name=value; name="quoted value"`): the lowercased first item
    /// and the parameters.
    static func parse(_ value: String) -> (value: String, parameters: [String: String]) {
        var items: [String] = []
        var current = ""
        var quoted = false
        for character in value {
            if character == "\"" {
                quoted.toggle()
                continue
            }
            if character == ";" && !quoted {
                items.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        items.append(current)
        var parameters: [String: String] = [:]
        for item in items.dropFirst() {
            guard let equals = item.firstIndex(of: "=") else { continue }
            parameters[String(item[..<equals]).trimmed.lowercased()] =
                String(item[item.index(after: equals)...]).trimmed
        }
        return (items[0].trimmed.lowercased(), parameters)
    }
}

/// Walks a message's parts depth first, calling the visitor with each decoded leaf.
struct PartWalker {
    let text: UnsafeRawBufferPointer
    let maximumSize: Int
    let visit: (ArchiveMember) -> Bool
    var index = 0

    /// Reads the message or part in `range`; returns false once the visitor asked to stop.
    mutating func message(_ range: Range<Int>, depth: Int) -> Bool {
        let (headers, bodyStart) = PartHeaders.read(text, range)
        let body = bodyStart..<range.upperBound
        guard depth < Mail.maximumDepth else { return leaf(body, headers, decode: false) }
        if headers.mediaType.hasPrefix("multipart/"), let boundary = headers.parameters["boundary"], !boundary.isEmpty,
            let parts = split(body, boundary: boundary)
        {
            if !textFiles(parts.preamble) { return false }
            for part in parts.parts where !message(part, depth: depth + 1) { return false }
            return true
        }
        if headers.mediaType == "message/rfc822", headers.encoding.isEmpty || headers.encoding.hasSuffix("bit") {
            return message(body, depth: depth + 1)
        }
        return leaf(body, headers, decode: true)
    }

    /// Gives one part, decoded by its transfer encoding, then the files uuencoded inside a text part.
    private mutating func leaf(_ body: Range<Int>, _ headers: PartHeaders, decode: Bool) -> Bool {
        let content = UnsafeRawBufferPointer(rebasing: text[body])
        var output = BoundedOutput(maximumSize: maximumSize, expected: body.count)
        let encoding = decode ? headers.encoding : ""
        switch encoding {
        case "base64":
            TransferEncoding.base64(content, into: &output)
        case "quoted-printable":
            TransferEncoding.quotedPrintable(content, into: &output)
        case "x-uuencode", "uuencode", "x-uue", "uue":
            for file in TransferEncoding.uudecodedFiles(content, maximumSize: maximumSize)
            where !give(file.output, name: file.name.isEmpty ? headers.fileName : file.name) {
                return false
            }
            return true
        default:
            for byte in content { output.append(byte) }
            if decode, !textFiles(body) { return false }
        }
        return give(output, name: headers.fileName)
    }

    /// Gives the files uuencoded inside a text.
    private mutating func textFiles(_ range: Range<Int>) -> Bool {
        guard !range.isEmpty else { return true }
        for file in TransferEncoding.uudecodedFiles(
            UnsafeRawBufferPointer(rebasing: text[range]), maximumSize: maximumSize)
        where !give(file.output, name: file.name) {
            return false
        }
        return true
    }

    private mutating func give(_ output: BoundedOutput, name: String) -> Bool {
        defer { index += 1 }
        return visit(
            ArchiveMember(
                name: name, data: output.bytes, truncated: output.truncated, isEncrypted: false,
                size: output.produced, index: index))
    }

    /// A multipart body's preamble and parts: the text between `--boundary` lines up to `--boundary--`
    /// (or the body's end); `nil` when no boundary line is found.
    private func split(_ body: Range<Int>, boundary: String) -> (preamble: Range<Int>, parts: [Range<Int>])? {
        let delimiter = Array(("--" + boundary).utf8)
        var lines = Lines(text, in: body)
        var starts: [(start: Int, end: Int)] = []
        var closed = false
        while !closed {
            let lineStart = lines.position
            guard let line = lines.next() else { break }
            guard line.count >= delimiter.count,
                delimiter.indices.allSatisfy({ text[line.lowerBound + $0] == delimiter[$0] })
            else { continue }
            let rest = line.lowerBound + delimiter.count
            closed =
                rest + 1 < line.upperBound && text[rest] == UInt8(ascii: "-") && text[rest + 1] == UInt8(ascii: "-")
            // The line break before a delimiter belongs to it.
            var end = lineStart
            if end > body.lowerBound, text[end - 1] == 0x0A { end -= 1 }
            if end > body.lowerBound, text[end - 1] == 0x0D { end -= 1 }
            starts.append((lines.position, max(end, body.lowerBound)))
        }
        guard let first = starts.first else { return nil }
        var parts: [Range<Int>] = []
        for k in starts.indices.dropLast() where starts[k].start <= starts[k + 1].end {
            parts.append(starts[k].start..<starts[k + 1].end)
        }
        if !closed, let last = starts.last { parts.append(last.start..<body.upperBound) }
        return (body.lowerBound..<first.end, parts)
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    var trimmed: String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
