/// libclamav's JavaScript string helpers (`str.c`): escape decoding in string literals and `unescape()`.
/// Neither ever produces a NUL byte (libclamav writes 0x01 instead, its strings being C strings).
enum JSText {
    /// `cli_hex2int`.
    static func hexValue(_ c: UInt8) -> Int {
        switch c {
        case 0x30...0x39: Int(c - 0x30)
        case 0x41...0x46: Int(c - 0x41 + 10)
        case 0x61...0x66: Int(c - 0x61 + 10)
        default: -1
        }
    }

    /// `output_utf8`: a UTF-16 code unit as UTF-8, 0 as 0x01.
    static func appendUTF8(_ u: UInt16, to out: inout [UInt8]) {
        if u == 0 {
            out.append(1)
        } else if u < 0x80 {
            out.append(UInt8(u))
        } else if u < 0x800 {
            out.append(0xC0 | UInt8(u >> 6))
            out.append(0x80 | UInt8(u & 0x3F))
        } else {
            out.append(0xE0 | UInt8(u >> 12))
            out.append(0x80 | UInt8((u >> 6) & 0x3F))
            out.append(0x80 | UInt8(u & 0x3F))
        }
    }

    /// Four hex digits as libclamav combines them (an invalid last digit makes the whole unit 0xFFFF).
    static func unit(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> UInt16 {
        let value = (max(hexValue(a), 0) << 12) | (max(hexValue(b), 0) << 8) | (max(hexValue(c), 0) << 4) | hexValue(d)
        return UInt16(truncatingIfNeeded: value)
    }

    /// `cli_textbuffer_append_normalize`: `\0 \b \t \n \v \f \r \xhh \uhhhh` decoded, any other escaped
    /// byte kept without its backslash.
    static func appendUnescaped(_ text: UnsafeBufferPointer<UInt8>.SubSequence, to out: inout [UInt8]) {
        let s = Array(text)
        var i = 0
        while i < s.count {
            var c = s[i]
            if c == UInt8(ascii: "\\"), i + 1 < s.count {
                i += 1
                switch s[i] {
                case UInt8(ascii: "0"): c = 0
                case UInt8(ascii: "b"): c = 8
                case UInt8(ascii: "t"): c = 9
                case UInt8(ascii: "n"): c = 10
                case UInt8(ascii: "v"): c = 11
                case UInt8(ascii: "f"): c = 12
                case UInt8(ascii: "r"): c = 13
                case UInt8(ascii: "x"):
                    if i + 2 < s.count {
                        c = UInt8(truncatingIfNeeded: (max(hexValue(s[i + 1]), 0) << 4) | hexValue(s[i + 2]))
                    }
                    i += 2
                case UInt8(ascii: "u"):
                    if i + 4 < s.count {
                        appendUTF8(unit(s[i + 1], s[i + 2], s[i + 3], s[i + 4]), to: &out)
                        i += 5
                        continue
                    }
                default:
                    c = s[i]
                }
            }
            out.append(c == 0 ? 1 : c)
            i += 1
        }
    }

    /// `cli_unescape`: JavaScript's `unescape()` over a C string (`%hh` and `%uhhhh`).
    static func unescape(_ s: [UInt8]) -> [UInt8] {
        let s = Array(s.prefix { $0 != 0 })
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var k = 0
        while k < s.count {
            var c = s[k]
            if c == UInt8(ascii: "%") {
                if k + 5 >= s.count || s[k + 1] != UInt8(ascii: "u") || !s[(k + 2)...(k + 5)].allSatisfy(isCHexDigit) {
                    if k + 2 < s.count, isCHexDigit(s[k + 1]), isCHexDigit(s[k + 2]) {
                        c = UInt8((hexValue(s[k + 1]) << 4) | hexValue(s[k + 2]))
                        k += 2
                    }
                } else {
                    appendUTF8(unit(s[k + 2], s[k + 3], s[k + 4], s[k + 5]), to: &out)
                    k += 6
                    continue
                }
            }
            out.append(c == 0 ? 1 : c)
            k += 1
        }
        return out
    }
}
