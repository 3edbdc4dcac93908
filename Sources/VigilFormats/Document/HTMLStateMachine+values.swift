extension HTMLStateMachine {
    /// `HTML_TAG_ARG_VAL`: an attribute value, always written double-quoted; `data:` values are left out of
    /// nocomment.html (clamscan extracts them separately).
    mutating func attributeValue(_ ptr: inout Int) {
        let c = line[ptr]
        let dataPrefix = Array("data:".utf8)
        if (tagValue.count == 5 && tagValue == dataPrefix)
            || (tagValue.count == 6 && tagValue.first == UInt8(ascii: "\"")
                && Array(tagValue.dropFirst()) == dataPrefix)
        {
            if !result.noComment.isEmpty { result.noComment.removeLast() }
            if quoted != .none { emit(UInt8(ascii: "\"")) }
            tagValue.removeAll(keepingCapacity: true)
            state = .dataURLType
            nextState = .tagArgument
        } else if c == UInt8(ascii: "&") {
            state = .charRef
            nextState = .tagArgumentValue
            ptr += 1
        } else if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
            let kind: HTMLQuoting = c == UInt8(ascii: "'") ? .single : .double
            let first = tagValue.isEmpty
            emit(UInt8(ascii: "\""))
            keepValue(UInt8(ascii: "\""))
            if first {
                quoted = kind
            } else if !escape, quoted == kind {
                addArgument(tagArgument, tagValue)
                skipToNextArgument()
            }
            ptr += 1
        } else if isCSpace(c) || c == UInt8(ascii: ">") {
            if quoted == .none {
                addArgument(tagArgument, tagValue)
                skipToNextArgument()
            } else {
                // A blank inside quotes ends the quoting (as libclamav does).
                emit(c)
                keepValue(isCSpace(c) ? 0x20 : c)
                state = .skipBlanks
                escape = false
                quoted = .none
                nextState = .tagArgumentValue
                ptr += 1
            }
        } else {
            if multibyteValue != 0, c < 0x80 || multibyteValue >= 0x10000 {
                if Self.isFullStop(multibyteValue, next: c) {
                    emit(UInt8(ascii: "."))
                    keepValue(UInt8(ascii: "."))
                    if multibyteValue == 0xA1 {
                        ptr += 1
                        multibyteValue = 0
                        return  // the C `continue` skips the escape check
                    }
                } else {
                    let c0 = UInt8(truncatingIfNeeded: multibyteValue >> 16)
                    let c1 = UInt8(truncatingIfNeeded: multibyteValue >> 8)
                    let c2 = UInt8(truncatingIfNeeded: multibyteValue)
                    if c0 != 0 { emit(c0) }
                    if c0 != 0 || c1 != 0 { emit(c1) }
                    emit(c2)
                    if c0 != 0 { keepValue(c0) }
                    if c0 != 0 || c1 != 0 { keepValue(c1) }
                    keepValue(c2)
                }
                multibyteValue = 0
            }
            if c >= 0x80 {
                multibyteValue = (multibyteValue << 8) | UInt32(c)
            } else {
                emit(cLower(c))
                keepValue(c)
            }
            ptr += 1
        }
        escape = line[ptr] == UInt8(ascii: "\\")
    }

    /// `HTML_ENTITY_REF_DECODE`: `&name;` replaced by its character, an unknown or unterminated one copied
    /// lowercased.
    mutating func entityReference(_ ptr: inout Int) {
        let c = line[ptr]
        if c == UInt8(ascii: ";") {
            if let decoded = Self.decodeEntity(entity) {
                for byte in decoded {
                    emit(byte)
                    keepReference(byte)
                }
            } else {
                emitUndecodedReference(entity, terminated: true)
            }
            entity.removeAll(keepingCapacity: true)
            state = nextState
            nextState = .bad
            ptr += 1
        } else if (isCAlnum(c) || c == UInt8(ascii: "_") || c == UInt8(ascii: ":") || c == UInt8(ascii: "-"))
            && entity.count < Self.stringLength
        {
            entity.append(c)
            ptr += 1
        } else {
            emitUndecodedReference(entity, terminated: false)
            state = nextState
            nextState = .bad
            entity.removeAll(keepingCapacity: true)
        }
    }

    /// `HTML_CHAR_REF_DECODE`: `&#ddd;` and `&#xhh;`. Terminated by `;` the character is lowercased (below
    /// 0x80) or normalised; cut short, its low byte is written as it is.
    mutating func numericReference(_ ptr: inout Int) {
        let c = line[ptr]
        if value == 0, c == UInt8(ascii: "x") || c == UInt8(ascii: "X") {
            hex = true
            ptr += 1
        } else if c == UInt8(ascii: ";") {
            keepReference(UInt8(truncatingIfNeeded: value))
            if value < 0x80 {
                emit(cLower(UInt8(truncatingIfNeeded: value)))
            } else {
                result.noComment.append(contentsOf: Self.normalizeUnit(UInt16(truncatingIfNeeded: value)))
            }
            state = nextState
            nextState = .bad
            ptr += 1
        } else if isCDigit(c) || (hex && isCHexDigit(c)) {
            // clamscan 1.4 bounds: a hex value too large for another hex digit takes a decimal one.
            if hex, value < Int64.max / 16 {
                value *= 16
            } else if value < Int64.max / 10 {
                value *= 10
            } else {
                emit(UInt8(truncatingIfNeeded: value))
                state = nextState
                nextState = .bad
                ptr += 1
                return
            }
            let increment = Int64(isCDigit(c) ? c - 0x30 : cLower(c) - 0x61 + 10)
            if value > Int64.max - increment {
                emit(UInt8(truncatingIfNeeded: value))
                state = nextState
                nextState = .bad
                ptr += 1
                return
            }
            value += increment
            ptr += 1
        } else {
            emit(UInt8(truncatingIfNeeded: value))
            state = nextState
            nextState = .bad
        }
    }
}
