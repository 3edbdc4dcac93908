/// The states of `cli_html_normalise`.
enum HTMLState: UInt8 {
    case bad, normal, eightBit, comment, charRef, entityRefDecode, skipBlanks, trimBlanks, tag, tagArgument
    case tagArgumentValue, tagArgumentEqual, processTag, charRefDecode, lookForScriptEncoder, scriptDecode
    case scriptDecodeLength, scriptDecodeDecrypt, dataURLType, dataURLInit, dataURLData, dataURLFinish
    case dataURLEscape, escapeChar
}

/// How an attribute value is quoted.
enum HTMLQuoting { case single, double, none }

/// One pass of libclamav's HTML normaliser over a buffer, chunk by chunk as `cli_readchunk` reads it: the
/// chunking is visible in the output (blanks at a chunk start are dropped), so it is reproduced.
struct HTMLStateMachine {
    /// clamscan's `HTML_STR_LENGTH`: tag names, attribute names and values and entity names keep at most this.
    static let stringLength = 1024

    /// The whole input.
    let data: UnsafeRawBufferPointer
    /// The forms written so far.
    var result = HTMLNormalization()

    /// The current state and the one to go to after it (C `state`, `next_state`, `saved_next_state`).
    var state = HTMLState.normal
    var nextState = HTMLState.bad
    var savedNextState = HTMLState.bad
    /// Inside a `data:` URL: newlines are kept.
    var binary = false
    /// The byte after the last one read in a value is a backslash.
    var escape = false
    /// A numeric reference is hexadecimal.
    var hex = false
    /// The numeric reference or `%` escape being read.
    var value: Int64 = 0
    /// The digits of the `%` escape being read.
    var length = 0
    /// How the current attribute value is quoted.
    var quoted = HTMLQuoting.none
    /// Inside a script or style sheet.
    var inScript = false
    /// Whether the "script" is a style sheet, which `</style>` ends as well.
    var inStyle = false
    /// notags.html ends with a blank.
    var textSpaceWritten = false
    /// After `<%@ language=...encode>`: every chunk is searched for `#@~^`.
    var lookForScriptEncoder = false
    /// Inside encoded script that continues in the next chunk.
    var inScriptEncoder = false
    /// Where encoded script starts in the current chunk, once its marker is found.
    var scriptEncoderStart: Int?
    /// The state of the encoded-script decoder.
    var decoder = ScriptDecoder()
    /// The tag name, attribute name, attribute value and entity name being read (lowercased, raw, raw).
    var tag: [UInt8] = []
    var tagArgument: [UInt8] = []
    var tagValue: [UInt8] = []
    var entity: [UInt8] = []
    /// The attributes of the current tag.
    var arguments: [(name: [UInt8], value: [UInt8]?)] = []
    /// Bytes of 0x80 and above gathered in text and in attribute values.
    var multibyte: UInt32 = 0
    var multibyteValue: UInt32 = 0
    /// The script being read, and where its text starts and ends in the current chunk.
    var script: JSNormalizer?
    var scriptBegin: Int?
    var scriptEnd: Int?
    /// The current chunk, NUL-terminated, changed in place as libclamav changes it.
    var line: [UInt8] = []

    init(_ data: UnsafeRawBufferPointer) { self.data = data }

    /// Runs the normaliser over the whole input.
    mutating func run() {
        var reader = HTMLChunkReader(data: data)
        var aborted = false
        if reader.next(into: &line) {
            var ptr = 0
            chunks: while true {
                while line[ptr] != 0, isCSpace(line[ptr]) { ptr += 1 }
                var stalled = 0
                while line[ptr] != 0 {
                    let before = ptr
                    if !step(&ptr) {
                        aborted = true
                        break chunks
                    }
                    // Guard against a state cycle that makes no progress (the C code has none we know of).
                    stalled = ptr == before ? stalled + 1 : 0
                    if stalled > 64 {
                        aborted = true
                        break chunks
                    }
                }
                if script != nil {
                    processScript(end: ptr)
                    scriptBegin = nil
                    scriptEnd = nil
                }
                if lookForScriptEncoder, let start = scriptEncoderStart {
                    ptr = start
                    scriptEncoderStart = nil
                    state = .scriptDecodeLength
                    nextState = .bad
                    continue
                }
                guard reader.next(into: &line) else { break }
                ptr = 0
                if inScriptEncoder {
                    state = .scriptDecodeDecrypt
                    nextState = .bad
                } else if lookForScriptEncoder, scriptEncoderStart == nil, state != .lookForScriptEncoder {
                    savedNextState = nextState
                    nextState = state
                    state = .lookForScriptEncoder
                }
                if nextState == state { nextState = .bad }
            }
        }
        if !aborted, !entity.isEmpty {
            // An entity cut by the end of the file.
            if let decoded = Self.decodeEntity(entity) {
                result.noComment.append(contentsOf: decoded)
            } else {
                result.noComment.append(UInt8(ascii: "&"))
                for c in entity { result.noComment.append(cLower(c)) }
            }
        }
        if script != nil { finishScript() }
    }

    /// `js_process`: hands the script text of the current chunk up to `end` to the JavaScript normaliser,
    /// and prints the script when it has ended.
    mutating func processScript(end: Int) {
        let begin = scriptBegin ?? 0
        let end = scriptEnd ?? end
        if end > begin {
            line.withUnsafeBufferPointer { script?.process(UnsafeBufferPointer(rebasing: $0[begin..<end])) }
        }
        if !inScript {
            finishScript()
        }
    }

    /// Closes the current script and appends its normalised text to `javascript`.
    mutating func finishScript() {
        guard var normalizer = script else { return }
        script = nil
        normalizer.finish()
        var output = result.javascript ?? []
        result.javascript = nil  // so that `output` owns the storage and grows in place
        normalizer.output(appendingTo: &output)
        result.javascript = output
    }

    /// Appends to `nocomment.html`.
    @inline(__always) mutating func emit(_ c: UInt8) { result.noComment.append(c) }
    /// Appends to `notags.html`.
    @inline(__always) mutating func emitText(_ c: UInt8) { result.noTags.append(c) }
    /// Stores a byte of the current attribute value, up to `HTML_STR_LENGTH`.
    @inline(__always) mutating func keepValue(_ c: UInt8) {
        if tagValue.count < Self.stringLength { tagValue.append(c) }
    }
    /// Stores a byte of a decoded reference when it is inside an attribute value.
    @inline(__always) mutating func keepReference(_ c: UInt8) {
        if nextState == .tagArgumentValue { keepValue(c) }
    }

    /// Ends the current attribute: blanks are skipped, then the next attribute's name is read.
    mutating func skipToNextArgument() {
        state = .skipBlanks
        tagArgument.removeAll(keepingCapacity: true)
        nextState = .tagArgument
    }

    /// Writes `&`, the reference's name lowercased, and `;` when `terminated`, to `nocomment.html` and (inside
    /// an attribute value) to the value: a reference that names no character stays as written.
    mutating func emitUndecodedReference(_ name: [UInt8], terminated: Bool) {
        emit(UInt8(ascii: "&"))
        keepReference(UInt8(ascii: "&"))
        for byte in name {
            emit(cLower(byte))
            keepReference(cLower(byte))
        }
        if terminated {
            keepReference(UInt8(ascii: ";"))
            emit(UInt8(ascii: ";"))
        }
    }

    /// `html_tag_arg_add`: a value that starts with a quote loses it and its last byte.
    mutating func addArgument(_ name: [UInt8], _ value: [UInt8]?) {
        guard var value else {
            arguments.append((name, nil))
            return
        }
        if value.first == UInt8(ascii: "\"") {
            value.removeFirst()
            if !value.isEmpty { value.removeLast() }
        }
        arguments.append((name, value))
    }

    /// `html_tag_arg_value`: the first attribute of that name.
    func argument(_ name: String) -> [UInt8]?? {
        let bytes = Array(name.utf8)
        return arguments.first { $0.name == bytes }.map { $0.value }
    }

    /// `entity_norm`: a named reference's replacement, or nil when the name is unknown.
    static func decodeEntity(_ name: [UInt8]) -> [UInt8]? {
        guard let unit = HTMLEntities.values[name] else { return nil }
        return normalizeUnit(unit)
    }

    /// `u16_normalize`: a code unit below 255 as that byte, the ideographic full stops as `.`, the rest as
    /// `&#xhhhh;`; nothing for 0.
    static func normalizeUnit(_ unit: UInt16) -> [UInt8] {
        if unit == 0 { return [] }
        if unit < 0xFF { return [UInt8(unit)] }
        if unit == 0x3002 || unit == 0xFF0E || unit == 0xFE52 { return [UInt8(ascii: ".")] }
        let digits = Array("0123456789abcdef".utf8)
        return Array("&#x".utf8) + [12, 8, 4, 0].map { digits[Int(unit >> UInt16($0)) & 0xF] } + [UInt8(ascii: ";")]
    }
}
