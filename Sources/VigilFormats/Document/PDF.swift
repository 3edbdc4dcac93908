/// PDF documents: each stream object's decoded content, as ClamAV's `pdf.c` extracts it for scanning.
///
/// Objects are found by scanning the file for `N G obj`, not through the cross-reference table (which
/// ClamAV does not trust either), so damaged, truncated and incrementally updated files give every stream
/// they hold. A stream's bytes are run through its `/Filter` chain (Flate, LZW, ASCIIHex, ASCII85, RunLength,
/// with the Flate and LZW `/Predictor`s); the chain stops at the first filter Vigil does not decode (DCT,
/// JPX, JBIG2, CCITT fax, Crypt) or that fails, and the last stage decoded (the raw bytes if none) is the
/// member, as ClamAV scans it; a damaged Flate or LZW stream gives what it decoded before the damage, as in
/// ClamAV. Unlike ClamAV (which scans predicted bytes), Vigil undoes the predictors. `/JS` JavaScript strings
/// are members too.
///
/// Not read: encrypted content (see ``isEncrypted(_:)``), objects inside `/ObjStm` object streams (their
/// decoded stream is a member, but a `/Length` or `/JS` stored in one is not found).
public enum PDF {
    /// Filters decoded per stream at most: a longer chain stops after the 16th, as at an unsupported filter.
    static let maximumFilters = 16
    /// References followed to resolve one value (`/Length 5 0 R` where object 5 holds `6 0 R`); a cycle
    /// ends here, unresolved.
    static let maximumIndirection = 8

    /// Calls `visit` with each decoded stream and each `/JS` string (an ``ArchiveMember``) in file order until it
    /// returns false.
    ///
    /// A member is named after the file an `/EF` entry gives it (`/UF` or `/F`), else after its object
    /// (`obj 12 0`, `obj 12 0 /JS` for a script). Its `size` is the stream's `/DL` when declared, else the
    /// decoded length; a member that would exceed `maximumSize` bytes is `truncated` to it (its `size` is
    /// then at least `maximumSize + 1`), and no decoding stage allocates more than that.
    public static func forEachStream(
        in data: UnsafeRawBufferPointer, maximumSize: Int,
        _ visit: (ArchiveMember) -> Bool
    ) {
        let document = PDFScan(data)
        let maximumSize = max(0, maximumSize)
        var index = 0
        for object in document.objects {
            let name = "obj \(object.id.number) \(object.id.generation)"
            for script in object.scripts {
                let member = ArchiveMember(
                    name: name + " /JS", data: Array(script.prefix(maximumSize)),
                    truncated: script.count > maximumSize, isEncrypted: false, size: script.count, index: index)
                index += 1
                guard visit(member) else { return }
            }
            guard let stream = object.stream else { continue }
            var member = decode(stream, of: object, in: document, maximumSize: maximumSize)
            member.name = document.fileNames[object.id] ?? name
            member.index = index
            index += 1
            guard visit(member) else { return }
        }
    }

    /// Whether the document is encrypted: a trailer (or a cross-reference stream's dictionary) has an
    /// `/Encrypt` entry. Vigil does not decrypt; ClamAV decrypts documents whose user password is empty and
    /// raises `Heuristics.Encrypted.PDF` only for the others, which Vigil cannot tell apart.
    public static func isEncrypted(_ data: UnsafeRawBufferPointer) -> Bool {
        PDFScan(data).isEncrypted
    }

    /// A stream's member, its name and index left for the caller.
    static func decode(
        _ stream: PDFScan.Stream, of object: PDFScan.Object, in document: PDFScan,
        maximumSize: Int
    ) -> ArchiveMember {
        let dictionary = object.dictionary
        let end = stream.end ?? document.dataEnd(of: stream, length: document.resolve(dictionary["Length"])?.integer)
        let raw = UnsafeRawBufferPointer(rebasing: document.bytes[stream.start..<end])
        // One byte more than kept tells a stream that fits from one that does not.
        let limit = maximumSize < Int.max ? maximumSize + 1 : maximumSize
        var decoded: [UInt8]?
        for (filter, parameters) in filterChain(dictionary, in: document) {
            let output =
                if let stage = decoded {
                    stage.withUnsafeBytes { filter.decode($0, parameters: parameters, limit: limit) }
                } else {
                    filter.decode(raw, parameters: parameters, limit: limit)
                }
            // An empty stage stops the chain like a failed one (ClamAV breaks on empty content).
            guard let output, !output.isEmpty else { break }
            decoded = output
            if output.count > maximumSize { break }
        }
        let size = decoded?.count ?? raw.count
        let declared = document.resolve(dictionary["DL"])?.integer.flatMap { $0 >= 0 ? $0 : nil }
        var data = decoded ?? Array(raw.prefix(maximumSize))
        if data.count > maximumSize { data.removeLast(data.count - maximumSize) }
        return ArchiveMember(
            name: "", data: data, truncated: size > maximumSize, isEncrypted: false,
            size: declared ?? size, index: 0)
    }

    /// The filters of a stream dictionary with each one's `/DecodeParms`, at most ``maximumFilters``.
    static func filterChain(_ dictionary: PDFDictionary, in document: PDFScan) -> [(PDFFilter, PDFDictionary?)] {
        let filters: ArraySlice<PDFValue>
        switch document.resolve(dictionary["Filter"]) {
        case .name(let name)?: filters = [.name(name)]
        case .array(let items)?: filters = items.prefix(maximumFilters)
        default: return []
        }
        let parameters: [PDFValue]
        switch document.resolve(dictionary["DecodeParms"]) {
        case .dictionary(let single)?: parameters = [.dictionary(single)]
        case .array(let items)?: parameters = items
        default: parameters = []
        }
        return filters.enumerated().map { index, filter in
            let name = document.resolve(filter)?.name
            let parameters = index < parameters.count ? document.resolve(parameters[index])?.dictionary : nil
            return (name.map(PDFFilter.init(name:)) ?? .unsupported, parameters)
        }
    }
}

/// The first pass over a document: its objects in file order, the values of those without a stream (to
/// resolve references), the names `/EF` entries give embedded files, and whether it is encrypted.
///
/// Every search goes forward from a position that never decreases and remembers its last answer, so each byte
/// is searched once per keyword: a hostile file of unterminated objects is read in linear time.
struct PDFScan {
    /// An object with a stream or a script (the others matter only as ``values``).
    struct Object {
        var id: PDFObjectID
        var dictionary: PDFDictionary
        var stream: Stream?
        var scripts: [[UInt8]]
    }

    /// Where a stream's data lies.
    struct Stream {
        /// The first byte after `stream` and its end of line.
        var start: Int
        /// The end a direct `/Length` gives, when `endstream` follows it; nil to decide in the second pass.
        var end: Int?
        /// The first `endstream` after the data's start (or the end of the file).
        var endstream: Int
    }

    let bytes: UnsafeRawBufferPointer
    private(set) var objects: [Object] = []
    private(set) var values: [PDFObjectID: PDFValue] = [:]
    private(set) var fileNames: [PDFObjectID: String] = [:]
    private(set) var isEncrypted = false

    private static let stream = Array("stream".utf8)
    private var headers = KeywordSearch("obj")
    private var endobjs = KeywordSearch("endobj")
    private var streams = KeywordSearch("stream")
    private var endstreams = KeywordSearch("endstream")
    private var trailers = KeywordSearch("trailer")

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        var cursor = 0
        while let header = nextHeader(from: cursor) {
            scanTrailers(from: cursor, to: header.start)
            let body = header.end
            let endobj = endobjs.next(in: bytes, from: body) ?? bytes.count
            let limit = min(nextHeader(from: body)?.start ?? bytes.count, endobj)
            // The value first, so that `stream` in one of its strings is not taken for the keyword; a value
            // followed by something else (an unterminated dictionary) is followed by the first `stream`
            // keyword before the object ends, as ClamAV finds it.
            var lexer = PDFLexer(UnsafeRawBufferPointer(rebasing: bytes[..<limit]), at: body)
            let value = lexer.value()
            lexer.skipWhitespace()
            let keyword =
                Self.isStreamKeyword(in: bytes, at: lexer.position)
                ? lexer.position : nextStreamKeyword(from: lexer.position).flatMap { $0 < limit ? $0 : nil }
            if let keyword {
                cursor = addStream(header.id, dictionary: value?.dictionary, keyword: keyword)
            } else {
                if let value {
                    values[header.id] = value
                    var object = Object(id: header.id, dictionary: PDFDictionary(), stream: nil, scripts: [])
                    collect(value, into: &object)
                    if !object.scripts.isEmpty { objects.append(object) }
                }
                cursor = limit == endobj ? min(bytes.count, endobj + 6) : limit
            }
        }
        scanTrailers(from: cursor, to: bytes.count)
    }

    /// Records a stream object whose `stream` keyword is at `keyword`; returns where the object ends.
    private mutating func addStream(_ id: PDFObjectID, dictionary: PDFDictionary?, keyword: Int) -> Int {
        let dictionary = dictionary ?? PDFDictionary()
        var object = Object(id: id, dictionary: dictionary, stream: nil, scripts: [])
        collect(.dictionary(dictionary), into: &object)
        if dictionary["Type"]?.name?.elementsEqual("XRef".utf8) == true, isEncryptionEntry(dictionary["Encrypt"]) {
            isEncrypted = true
        }
        // The data starts after CR LF or LF; a lone CR stays (the Flate filter skips it, as ClamAV does).
        var start = keyword + 6
        if start + 1 < bytes.count, bytes[start] == 0x0D, bytes[start + 1] == 0x0A {
            start += 2
        } else if start < bytes.count, bytes[start] == 0x0A {
            start += 1
        }
        var stream = Stream(start: start, end: nil, endstream: bytes.count)
        if let length = dictionary["Length"]?.integer, let endstream = endstream(afterLength: length, from: start) {
            (stream.end, stream.endstream) = (start + length, endstream)
        } else {
            stream.endstream = endstreams.next(in: bytes, from: start) ?? bytes.count
        }
        object.stream = stream
        objects.append(object)
        return min(bytes.count, stream.endstream + 9)
    }

    /// Where `endstream` starts if it follows `length` bytes of data at `start` (after at most a little white
    /// space), which makes the length trustworthy.
    func endstream(afterLength length: Int, from start: Int) -> Int? {
        guard length >= 0, length <= bytes.count - start else { return nil }
        var position = start + length
        while position < min(bytes.count, start + length + 32), PDFLexer.isWhitespace(bytes[position]) {
            position += 1
        }
        return ByteReader(bytes).hasBytes(Array("endstream".utf8), at: position) ? position : nil
    }

    /// The end of a stream's data: its `/Length` when `endstream` follows it, else up to the first
    /// `endstream`, without the end of line before it.
    func dataEnd(of stream: Stream, length: Int?) -> Int {
        if let length, endstream(afterLength: length, from: stream.start) != nil { return stream.start + length }
        var end = stream.endstream
        if end > stream.start, bytes[end - 1] == 0x0A { end -= 1 }
        if end > stream.start, bytes[end - 1] == 0x0D { end -= 1 }
        return end
    }

    /// The value `value` stands for, following references through objects without a stream.
    func resolve(_ value: PDFValue?) -> PDFValue? {
        var value = value
        for _ in 0...PDF.maximumIndirection {
            guard case .reference(let id)? = value else { return value }
            value = values[id]
        }
        return nil
    }

    /// Collects `/JS` strings and the file names of `/EF` entries from a value, at every depth.
    private mutating func collect(_ value: PDFValue, into object: inout Object) {
        switch value {
        case .array(let items):
            for item in items { collect(item, into: &object) }
        case .dictionary(let dictionary):
            for (key, item) in dictionary.entries {
                if key.elementsEqual("JS".utf8), case .string(let script) = item { object.scripts.append(script) }
                collect(item, into: &object)
            }
            if let files = dictionary["EF"]?.dictionary,
                let name = Self.text(dictionary["UF"]) ?? Self.text(dictionary["F"])
            {
                for case (_, .reference(let id)) in files.entries { fileNames[id] = name }
            }
        default:
            break
        }
    }

    /// A text string: UTF-16BE after its byte order mark, UTF-8 after its own, else one character a byte.
    static func text(_ value: PDFValue?) -> String? {
        guard case .string(let bytes)? = value, !bytes.isEmpty else { return nil }
        if bytes.starts(with: [0xFE, 0xFF]) {
            let units = stride(from: 2, to: bytes.count - 1, by: 2).map {
                UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1])
            }
            return String(decoding: units, as: UTF16.self)
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return String(decoding: bytes.dropFirst(3), as: UTF8.self) }
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    /// Whether an `/Encrypt` entry is present (a dictionary or a reference to one, not `null`).
    private func isEncryptionEntry(_ value: PDFValue?) -> Bool {
        switch value {
        case .dictionary?, .reference?: true
        default: false
        }
    }

    /// Reads the `trailer` dictionaries between two objects for an `/Encrypt` entry.
    private mutating func scanTrailers(from start: Int, to end: Int) {
        var position = start
        while let keyword = trailers.next(in: bytes, from: position), keyword < end {
            var lexer = PDFLexer(UnsafeRawBufferPointer(rebasing: bytes[..<end]), at: keyword + 7)
            if let trailer = lexer.value()?.dictionary, isEncryptionEntry(trailer["Encrypt"]) { isEncrypted = true }
            position = max(keyword + 7, lexer.position)
        }
    }

    /// Whether the `stream` keyword is at `position` (not the end of `endstream`, nor part of a longer word).
    static func isStreamKeyword(in bytes: UnsafeRawBufferPointer, at position: Int) -> Bool {
        ByteReader(bytes).hasBytes(stream, at: position)
            && (position == 0 || !PDFLexer.isRegular(bytes[position - 1]))
            && (position + 6 == bytes.count || PDFLexer.isWhitespace(bytes[position + 6]))
    }

    /// The next `stream` keyword at or after `position`.
    private mutating func nextStreamKeyword(from position: Int) -> Int? {
        let bytes = bytes
        return streams.next(in: bytes, from: position) { Self.isStreamKeyword(in: bytes, at: $0) }
    }

    /// The next `N G obj` at or after `position`: the object's id, where its number starts and where `obj` ends.
    private mutating func nextHeader(from position: Int) -> (id: PDFObjectID, start: Int, end: Int)? {
        let bytes = bytes
        return headers.next(in: bytes, from: position) { Self.header(in: bytes, at: $0) != nil }
            .flatMap { Self.header(in: bytes, at: $0) }
    }

    /// The object header whose `obj` keyword is at `keyword`: white space, a generation, white space and a
    /// number before it (each at most 10 digits), and no letter after it.
    static func header(in bytes: UnsafeRawBufferPointer, at keyword: Int) -> (id: PDFObjectID, start: Int, end: Int)? {
        guard keyword > 0, PDFLexer.isWhitespace(bytes[keyword - 1]),
            keyword + 3 == bytes.count || !PDFLexer.isRegular(bytes[keyword + 3])
        else { return nil }
        var position = keyword - 1
        func number() -> (value: Int, start: Int)? {
            while position >= 0, PDFLexer.isWhitespace(bytes[position]) { position -= 1 }
            let end = position + 1
            while position >= 0, PDFLexer.isDigit(bytes[position]), end - position <= 10 { position -= 1 }
            guard position < end - 1, end - position <= 11, position < 0 || !PDFLexer.isDigit(bytes[position])
            else { return nil }
            let value = bytes[(position + 1)..<end].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            return (value, position + 1)
        }
        guard let generation = number(), position >= 0, PDFLexer.isWhitespace(bytes[position]),
            let object = number()
        else { return nil }
        return (PDFObjectID(number: object.value, generation: generation.value), object.start, keyword + 3)
    }
}

/// A forward search for a keyword that remembers its last answer: asked again from a position between its
/// last start and its answer, it answers at once, so searches from non-decreasing positions read each byte
/// once.
struct KeywordSearch {
    let keyword: [UInt8]
    private var searchedFrom = Int.max
    private var found: Int?

    init(_ keyword: String) { self.keyword = Array(keyword.utf8) }

    /// The first position at or after `start` where the keyword occurs and `accept` holds (the same test at
    /// every call).
    mutating func next(in bytes: UnsafeRawBufferPointer, from start: Int, where accept: (Int) -> Bool = { _ in true })
        -> Int?
    {
        if start >= searchedFrom, start <= found ?? Int.max { return found }
        searchedFrom = start
        found = nil
        var position = max(0, start)
        let last = bytes.count - keyword.count
        while position <= last {
            if bytes[position] == keyword[0],
                bytes[(position + 1)..<(position + keyword.count)].elementsEqual(keyword[1...]), accept(position)
            {
                found = position
                break
            }
            position += 1
        }
        return found
    }
}
