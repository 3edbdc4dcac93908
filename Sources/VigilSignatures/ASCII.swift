/// Byte classes in the C locale, as ClamAV's `isalnum`, `isspace` and hex parsing see them: shared by the
/// signature parsers, the regex syntax and the engine's matchers.
public enum ASCII {
    /// `A`–`Z`.
    @inlinable @inline(__always) public static func isUppercase(_ b: UInt8) -> Bool { (0x41...0x5A).contains(b) }

    /// `A`–`Z`, `a`–`z`.
    @inlinable @inline(__always) public static func isLetter(_ b: UInt8) -> Bool { isUppercase(b & 0xDF) }

    /// `0`–`9`.
    @inlinable @inline(__always) public static func isDigit(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) }

    /// C's `isalnum`: a letter or a digit.
    @inlinable @inline(__always) public static func isAlphanumeric(_ b: UInt8) -> Bool { isLetter(b) || isDigit(b) }

    /// Regex `\w`: a letter, a digit or `_`.
    @inlinable @inline(__always) public static func isWordByte(_ b: UInt8) -> Bool { isAlphanumeric(b) || b == 0x5F }

    /// C's `isspace`: space, tab, line feed, vertical tab, form feed, carriage return.
    @inlinable @inline(__always) public static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0D).contains(b) }

    /// The value of plain decimal digits (no sign, no space), at most `maxDigits` of them; `nil` for anything
    /// else, the empty text included.
    public static func decimal<Digits: Collection<UInt8>>(_ digits: Digits, maxDigits: Int) -> Int? {
        guard !digits.isEmpty, digits.count <= maxDigits, digits.allSatisfy(isDigit) else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    /// The value of a hex digit of either case.
    @inlinable @inline(__always) public static func hexDigit(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b - 0x30
        case 0x41...0x46: b - 0x41 + 10
        case 0x61...0x66: b - 0x61 + 10
        default: nil
        }
    }
}
