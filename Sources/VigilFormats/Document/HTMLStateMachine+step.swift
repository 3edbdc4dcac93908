extension HTMLStateMachine {
    /// One turn of `cli_html_normalise`'s loop at `line[ptr]` (not NUL). Returns false where the C code
    /// aborts (`HTML_BAD_STATE`).
    mutating func step(_ ptr: inout Int) -> Bool {
        let c = line[ptr]
        if !binary, c == 0x0A {
            line[ptr] = 0x20  // a newline becomes a blank, then is looked at again
            return true
        }
        if !binary, c == 0x0D {
            ptr += 1
            return true
        }
        switch state {
        case .bad:
            return false
        case .skipBlanks:
            if isCSpace(c) {
                ptr += 1
            } else {
                state = nextState
                nextState = .bad
            }
        case .trimBlanks:
            if isCSpace(c) {
                ptr += 1
            } else {
                if !inScript { emit(0x20) }
                state = nextState
                nextState = .bad
            }
        case .eightBit:
            eightBit(&ptr)
        case .normal:
            normal(&ptr)
        case .tag:
            tagName(&ptr)
        case .tagArgument:
            tagArgumentName(&ptr)
        case .tagArgumentEqual:
            if c == UInt8(ascii: "=") {
                emit(c)
                ptr += 1
                startValue()
            } else {
                if !tagArgument.isEmpty { addArgument(tagArgument, nil) }
                tagArgument.removeAll(keepingCapacity: true)
                state = .tagArgument
                nextState = .bad
            }
        case .tagArgumentValue:
            attributeValue(&ptr)
        case .comment:
            if inScript, !isCSpace(c) {
                // Script text inside a comment still goes to nocomment.html, without blanks.
                let lower = cLower(c)
                emit(lower == UInt8(ascii: "'") ? UInt8(ascii: "\"") : lower)
            }
            if c == UInt8(ascii: ">") {
                state = .skipBlanks
                nextState = .normal
            }
            ptr += 1
        case .processTag:
            processTag(ptr)
        case .charRef:
            if c == UInt8(ascii: "#") {
                value = 0
                hex = false
                state = .charRefDecode
                ptr += 1
            } else {
                state = .entityRefDecode
            }
        case .entityRefDecode:
            entityReference(&ptr)
        case .charRefDecode:
            numericReference(&ptr)
        case .lookForScriptEncoder, .scriptDecode, .scriptDecodeLength, .scriptDecodeDecrypt:
            scriptEncoderStep(&ptr)
        case .dataURLType, .dataURLInit, .dataURLData, .dataURLFinish, .dataURLEscape, .escapeChar:
            dataURLStep(&ptr)
        }
        return true
    }

    /// Enters an attribute value after `=`.
    mutating func startValue() {
        state = .skipBlanks
        escape = false
        quoted = .none
        tagValue.removeAll(keepingCapacity: true)
        nextState = .tagArgumentValue
    }

    /// `HTML_8BIT`: bytes of 0x80 and above gathered (at most three) and copied out, the CJK full stops as
    /// `.`. notags.html gets the middle byte twice instead of the last (as libclamav writes it).
    mutating func eightBit(_ ptr: inout Int) {
        let c = line[ptr]
        guard c < 0x80 || multibyte >= 0x10000 else {
            multibyte = (multibyte << 8) | UInt32(c)
            ptr += 1
            return
        }
        if Self.isFullStop(multibyte, next: c) {
            emit(UInt8(ascii: "."))
            emitText(UInt8(ascii: "."))
            if multibyte == 0xA1 {
                ptr += 1
                multibyte = 0
                return
            }
        } else {
            let c0 = UInt8(truncatingIfNeeded: multibyte >> 16)
            let c1 = UInt8(truncatingIfNeeded: multibyte >> 8)
            let c2 = UInt8(truncatingIfNeeded: multibyte)
            if c0 != 0 {
                emit(c0)
                emitText(c0)
            }
            if c0 != 0 || c1 != 0 {
                emit(c1)
                emitText(c1)
            }
            emit(c2)
            emitText(c1)
        }
        multibyte = 0
        state = nextState
        nextState = .normal
    }

    /// Whether gathered bytes are a full stop: U+3002, U+FF0E, U+FE52 in UTF-8, or GB2312 `A1 A3`-like
    /// pairs (`A1` followed by `C`, `D` or `O`).
    static func isFullStop(_ multibyte: UInt32, next c: UInt8) -> Bool {
        multibyte == 0xE38082 || multibyte == 0xEFBC8E || multibyte == 0xEFB992
            || (multibyte == 0xA1 && (c == 0x43 || c == 0x44 || c == 0x4F))
    }

    /// `HTML_NORM`: text between tags.
    mutating func normal(_ ptr: inout Int) {
        let c = line[ptr]
        if c == UInt8(ascii: "<") {
            emit(c)
            if !inScript, !textSpaceWritten {
                emitText(0x20)
                textSpaceWritten = true
            }
            ptr += 1
            state = .skipBlanks
            tag.removeAll(keepingCapacity: true)
            nextState = .tag
        } else if isCSpace(c) {
            if !textSpaceWritten, !inScript {
                emitText(0x20)
                textSpaceWritten = true
            }
            state = .trimBlanks
            nextState = .normal
        } else if c == UInt8(ascii: "&") {
            if !textSpaceWritten, !inScript {
                emitText(0x20)
                textSpaceWritten = true
            }
            state = .charRef
            nextState = .normal
            ptr += 1
        } else if c >= 0x80 {
            state = .eightBit
            nextState = .normal
            multibyte = UInt32(c)
            ptr += 1
        } else {
            var lower = cLower(c)
            if inScript, lower == UInt8(ascii: "'") { lower = UInt8(ascii: "\"") }
            emit(lower)
            if !inScript {
                if c < 0x20 {
                    if !textSpaceWritten {
                        emitText(0x20)
                        textSpaceWritten = true
                    }
                } else {
                    emitText(lower)
                    textSpaceWritten = false
                }
            }
            ptr += 1
        }
    }

    /// `HTML_TAG`: the tag name, or `!` starting a comment.
    mutating func tagName(_ ptr: inout Int) {
        let c = line[ptr]
        if tag.isEmpty, c == UInt8(ascii: "!") {
            if inScript {
                emit(c)
            } else if !result.noComment.isEmpty {
                result.noComment.removeLast()  // take back the `<`
            }
            state = .comment
            nextState = .bad
            ptr += 1
        } else if c == UInt8(ascii: ">") {
            emit(c)
            ptr += 1
            state = .skipBlanks
            nextState = .processTag
        } else if !isCSpace(c) {
            emit(cLower(c))
            // Inside a script only an end tag is a tag.
            if inScript, tag.isEmpty, c != UInt8(ascii: "/") { state = .normal }
            if tag.count < Self.stringLength { tag.append(cLower(c)) }
            ptr += 1
        } else {
            state = .skipBlanks
            tagArgument.removeAll(keepingCapacity: true)
            nextState = inScript ? .processTag : .tagArgument
        }
    }

    /// `HTML_TAG_ARG`: an attribute name.
    mutating func tagArgumentName(_ ptr: inout Int) {
        let c = line[ptr]
        if c == UInt8(ascii: "=") {
            emit(c)
            ptr += 1
            startValue()
        } else if isCSpace(c) {
            ptr += 1
            state = .skipBlanks
            nextState = .tagArgumentEqual
        } else if c == UInt8(ascii: ">") {
            emit(c)
            if !tagArgument.isEmpty { addArgument(tagArgument, nil) }
            ptr += 1
            state = .processTag
            nextState = .bad
        } else {
            if tagArgument.isEmpty { emit(0x20) }
            emit(cLower(c))
            if tagArgument.count < Self.stringLength { tagArgument.append(cLower(c)) }
            ptr += 1
        }
    }
}
