extension HTMLStateMachine {
    /// The JScript.Encode / VBScript.Encode states (`#@~^` + length + encoded text + checksum + `^#~@`):
    /// the text is decoded in place in the chunk, as libclamav does, and then read as normal text.
    mutating func scriptEncoderStep(_ ptr: inout Int) {
        switch state {
        case .lookForScriptEncoder:
            lookForScriptEncoder = true
            if let found = find(Self.marker, from: ptr) {
                line[found] = UInt8(ascii: "/")
                line[found + 1] = UInt8(ascii: "/")
                scriptEncoderStart = found + 4
            } else {
                scriptEncoderStart = nil
            }
            state = nextState
            nextState = savedNextState
        case .scriptDecode:
            if hasMarker(at: ptr) {
                line[ptr] = UInt8(ascii: "/")
                line[ptr + 1] = UInt8(ascii: "/")
                ptr += 4
                state = .scriptDecodeLength
                nextState = .bad
            } else {
                emit(cLower(line[ptr]))
                ptr += 1
            }
        case .scriptDecodeLength:
            guard cLength(from: ptr) >= 8 else {
                state = .normal
                nextState = .bad
                return
            }
            decoder = ScriptDecoder()
            decoder.length = ScriptDecoder.decodeLength(line, at: ptr)
            state = .scriptDecodeDecrypt
            inScriptEncoder = true
            nextState = .bad
            line[ptr + 7] = 0x0A  // for the JavaScript normaliser
            ptr += 8
        default:  // .scriptDecodeDecrypt
            decoder.decode(&line, at: ptr)
            if decoder.length == 0 { inScriptEncoder = false }
            state = .normal
            nextState = .bad
        }
    }

    /// The start marker of encoded script.
    static let marker = Array("#@~^".utf8)

    /// `strstr(line + from, marker)`.
    func find(_ needle: [UInt8], from: Int) -> Int? {
        var i = from
        while line[i] != 0 {
            if hasMarker(at: i) { return i }
            i += 1
        }
        return nil
    }

    /// Whether the C string at `at` starts with `#@~^`.
    func hasMarker(at: Int) -> Bool {
        for (k, c) in Self.marker.enumerated() where at + k >= line.count || line[at + k] != c { return false }
        return true
    }

    /// `strlen(line + from)`.
    func cLength(from: Int) -> Int {
        var i = from
        while i < line.count, line[i] != 0 { i += 1 }
        return i - from
    }
}

/// `screnc_decode`: the decoder of Microsoft's Script Encoder, with its remaining length and position in the
/// 64-entry table order.
struct ScriptDecoder {
    /// Encoded characters still to decode.
    var length: UInt32 = 0
    /// The checksum (computed but, as in libclamav, only logged).
    var sum: UInt32 = 0
    /// The position in ``order``.
    var position = 0

    /// The length encoded in the six base64 characters at `at` (as libclamav computes it, sign quirks too).
    static func decodeLength(_ line: [UInt8], at: Int) -> UInt32 {
        func b(_ k: Int) -> Int32 { base64[Int(line[at + k])] }
        var n: Int32 = b(0) < 0 ? 0 : b(0) << 2
        n &+= b(1) >> 4
        n &+= (b(1) & 0x0F) << 12
        n &+= ((b(2) >> 2) < 0 ? 0 : (b(2) >> 2)) << 8
        n &+= (b(2) & 0x03) << 22
        n &+= b(3) < 0 ? 0 : b(3) << 16
        n &+= (b(4) < 0 ? 0 : b(4) << 2) &<< 24
        n &+= ((b(5) >> 4) < 0 ? 0 : (b(5) >> 4)) &<< 24
        return UInt32(bitPattern: n)
    }

    /// Decodes in place from `at` to the end of the C string in `line` or of the encoded text; at its end
    /// skips the checksum and end marker and moves the rest of the chunk up behind the decoded text.
    mutating func decode(_ line: inout [UInt8], at: Int) {
        var ptr = at
        var dst = at
        while length > 0, line[ptr] != 0 {
            let c = line[ptr]
            if c == 0x0A || c == 0x0D {
                ptr += 1
                continue
            }
            if c < 0x80 {
                var value = Self.tables[Self.order[position]][Int(c)]
                if value == 0xFF {
                    ptr += 1
                    length &-= 1
                    switch line[ptr] {
                    case 0: ptr -= 1
                    case 0x21: value = 0x3C
                    case 0x23: value = 0x0D
                    case 0x24: value = 0x40
                    case 0x26: value = 0x0A
                    case 0x2A: value = 0x3E
                    default: break
                    }
                }
                sum &+= UInt32(value)
                line[dst] = value
                dst += 1
                position = (position + 1) % 64
            } else {
                line[dst] = line[ptr]
                dst += 1
                ptr += 1
                line[dst] = line[ptr]
                dst += 1
                if line[ptr] == 0 {
                    dst -= 1
                    break
                }
            }
            ptr += 1
            length &-= 1
        }
        if length == 0 {
            var rest = ptr
            while line[rest] != 0 { rest += 1 }
            if rest - ptr >= 12 { ptr += 12 }
            var i = 0
            repeat {
                line[dst + i] = line[ptr + i]
                i += 1
            } while line[ptr + i - 1] != 0
        } else {
            line[dst] = 0
        }
    }
}
