extension HTMLStateMachine {
    /// `HTML_PROCESS_TAG`: acts on a complete tag: scripts start and end, JScript.Encode is looked for, and
    /// links and images put their address into notags.html.
    mutating func processTag(_ ptr: Int) {
        state = .skipBlanks
        nextState = .normal
        defer { arguments.removeAll(keepingCapacity: true) }
        if tag.first == UInt8(ascii: "/") {
            if tag == Array("/style".utf8), inStyle {
                inScript = false
                inStyle = false
            }
            if tag == Array("/script".utf8) {
                inScript = false
                inStyle = false
                if script != nil {
                    scriptEnd = ptr
                    processScript(end: ptr)
                    script = nil
                    scriptBegin = nil
                    scriptEnd = nil
                }
            }
        } else if tag == Array("script".utf8) {
            let language = argument("language") ?? nil
            for (encoded, plain) in [("jscript.encode", "javascript"), ("vbscript.encode", "vbscript")]
            where language.map({ Self.equalsIgnoringCase($0, encoded) }) ?? false {
                if let index = arguments.firstIndex(where: { $0.name == Array("language".utf8) }) {
                    arguments[index].value = Array(plain.utf8)
                }
                state = .skipBlanks
                nextState = .scriptDecode
                emitTag()  // the tag as it will be decoded, after the one already written
                break
            }
            inScript = true
            if script == nil {
                script = JSNormalizer()
                scriptBegin = ptr
                scriptEnd = nil
            }
        } else if tag == Array("style".utf8) {
            // clamscan 1.4 treats a style sheet like a script (blanks dropped, kept out of notags.html), but
            // does not normalise it; `</script>` ends it too.
            inScript = true
            inStyle = true
        } else if tag == Array("%@".utf8) {
            if let language = argument("language") ?? nil,
                Self.equalsIgnoringCase(language, "jscript.encode")
                    || Self.equalsIgnoringCase(language, "vbscript.encode")
            {
                savedNextState = nextState
                nextState = state
                lookForScriptEncoder = false
                state = .lookForScriptEncoder
            }
        } else if tag == Array("a".utf8) || tag == Array("img".utf8) {
            if let address = argument(tag == Array("a".utf8) ? "href" : "src") ?? nil, !address.isEmpty {
                // A C string: the value ends at its first NUL.
                result.noTags.append(contentsOf: address.prefix { $0 != 0 })
                emitText(0x20)
                textSpaceWritten = true
            }
        }
    }

    /// `html_output_tag`: `<tag name="value" ...>` with values lowercased.
    mutating func emitTag() {
        emit(UInt8(ascii: "<"))
        result.noComment.append(contentsOf: tag)
        for (name, value) in arguments {
            emit(0x20)
            result.noComment.append(contentsOf: name.prefix { $0 != 0 })
            if let value {
                emit(UInt8(ascii: "="))
                emit(UInt8(ascii: "\""))
                for c in value.prefix(while: { $0 != 0 }) { emit(cLower(c)) }
                emit(UInt8(ascii: "\""))
            }
        }
        emit(UInt8(ascii: ">"))
    }

    /// `strcasecmp(bytes, text) == 0`, `bytes` read as a C string.
    static func equalsIgnoringCase(_ bytes: [UInt8], _ text: String) -> Bool {
        let string = bytes.prefix { $0 != 0 }
        return string.count == text.utf8.count && zip(string, text.utf8).allSatisfy { cLower($0) == cLower($1) }
    }

    /// The `data:` URL states: the URL is skipped (clamscan writes it to a file of its own), but character
    /// references in it still go to nocomment.html.
    mutating func dataURLStep(_ ptr: inout Int) {
        let c = line[ptr]
        switch state {
        case .dataURLType:
            if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
                if !escape, quoted == (c == UInt8(ascii: "'") ? .single : .double) {
                    skipToNextArgument()
                }
                ptr += 1
            } else if isCSpace(c) || c == UInt8(ascii: ">") {
                if quoted == .none {
                    skipToNextArgument()
                } else {
                    state = .skipBlanks
                    escape = false
                    quoted = .none
                    nextState = .dataURLType
                    ptr += 1
                }
            } else if c == UInt8(ascii: ",") {
                state = .dataURLInit
                escape = false
                nextState = .bad
                ptr += 1
            } else {
                ptr += 1
            }
            escape = line[ptr] == UInt8(ascii: "\\")
        case .dataURLInit:
            state = .dataURLData
            binary = true
        case .dataURLData:
            if c == UInt8(ascii: "&") {
                state = .charRef
                nextState = .dataURLData
            } else if c == UInt8(ascii: "%") {
                length = 0
                value = 0
                state = .escapeChar
                nextState = .dataURLEscape
            } else if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
                if !escape, quoted == (c == UInt8(ascii: "'") ? .single : .double) { state = .dataURLFinish }
            } else if isCSpace(c) || c == UInt8(ascii: ">") {
                if quoted == .none { state = .dataURLFinish }
            }
            ptr += 1
            escape = line[ptr] == UInt8(ascii: "\\")
        case .dataURLFinish:
            state = .skipBlanks
            escape = false
            quoted = .none
            nextState = .tagArgument
            binary = false
        case .dataURLEscape:
            state = .dataURLData
        default:  // .escapeChar
            guard (value >> 32) * 16 < Int64(Int32.max) else {
                state = nextState
                nextState = .bad
                ptr += 1
                return
            }
            value *= 16
            length += 1
            if isCHexDigit(c) {
                value += Int64(isCDigit(c) ? c - 0x30 : cLower(c) - 0x61 + 10)
            } else {
                state = nextState
            }
            if length == 2 { state = nextState }
            ptr += 1
        }
    }
}
