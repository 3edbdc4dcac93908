/// Hexadecimal digits: the strings of the built-in tables, and the hex text of mail, RTF, PDF and URLs.
enum Hex {
    /// The bytes of an even-length hex string; characters that are not hex digits count as zero.
    static func decode(_ text: String) -> [UInt8] {
        let digits = Array(text.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index + 1 < digits.count {
            bytes.append(nibble(digits[index]) << 4 | nibble(digits[index + 1]))
            index += 2
        }
        return bytes
    }

    /// The value of one hex digit of either case, or `nil` for anything else.
    @inline(__always) static func nibbleValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func nibble(_ c: UInt8) -> UInt8 { nibbleValue(c) ?? 0 }
}
