/// An indirect object's number and generation (`12 0` in `12 0 obj` and `12 0 R`).
struct PDFObjectID: Hashable {
    var number: Int
    var generation: Int
}

/// A PDF value, as much of it as the stream reader needs: reals are kept only as such, strings and names
/// decoded.
indirect enum PDFValue {
    case null
    case boolean(Bool)
    case integer(Int)
    case real
    case name([UInt8])
    case string([UInt8])
    case array([PDFValue])
    case dictionary(PDFDictionary)
    case reference(PDFObjectID)

    var integer: Int? {
        if case .integer(let value) = self { value } else { nil }
    }

    var name: [UInt8]? {
        if case .name(let value) = self { value } else { nil }
    }

    var dictionary: PDFDictionary? {
        if case .dictionary(let value) = self { value } else { nil }
    }
}

/// A dictionary's entries in file order (a repeated key finds its first entry).
struct PDFDictionary {
    var entries: [(key: [UInt8], value: PDFValue)] = []

    subscript(key: String) -> PDFValue? {
        entries.first { $0.key.elementsEqual(key.utf8) }?.value
    }
}

/// Reads PDF values from bytes that may be damaged anywhere: every read is bounds-checked, nesting is bounded
/// by ``maximumDepth``, and a value that cannot be read stops the lexer at the offending token (returning what
/// was read of an unterminated array or dictionary, as ClamAV reads an unterminated dictionary), so callers
/// always make progress.
struct PDFLexer {
    /// Arrays and dictionaries nested deeper are not read (legitimate files nest a handful of levels).
    static let maximumDepth = 32

    let bytes: UnsafeRawBufferPointer
    var position: Int

    init(_ bytes: UnsafeRawBufferPointer, at position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 || byte == 0x0C || byte == 0x00
    }

    static func isDelimiter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "["),
            UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "/"), UInt8(ascii: "%"):
            true
        default: false
        }
    }

    static func isRegular(_ byte: UInt8) -> Bool { !isWhitespace(byte) && !isDelimiter(byte) }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    func peek(_ offset: Int = 0) -> UInt8? {
        position + offset < bytes.count ? bytes[position + offset] : nil
    }

    /// Skips white space and `%` comments.
    mutating func skipWhitespace() {
        while let byte = peek() {
            if Self.isWhitespace(byte) {
                position += 1
            } else if byte == UInt8(ascii: "%") {
                while let byte = peek(), byte != 0x0A, byte != 0x0D { position += 1 }
            } else {
                return
            }
        }
    }

    /// The value at the current position, or nil (the position then at the token that is not a value).
    mutating func value(depth: Int = 0) -> PDFValue? {
        skipWhitespace()
        guard depth <= Self.maximumDepth, let first = peek() else { return nil }
        switch first {
        case UInt8(ascii: "/"):
            return .name(name())
        case UInt8(ascii: "("):
            return .string(literalString())
        case UInt8(ascii: "<"):
            return peek(1) == UInt8(ascii: "<") ? dictionary(depth: depth) : .string(hexString())
        case UInt8(ascii: "["):
            return array(depth: depth)
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return number()
        default:
            guard Self.isRegular(first) else { return nil }
            let start = position
            while let byte = peek(), Self.isRegular(byte) { position += 1 }
            switch UnsafeRawBufferPointer(rebasing: bytes[start..<position]) {
            case let word where word.elementsEqual("true".utf8): return .boolean(true)
            case let word where word.elementsEqual("false".utf8): return .boolean(false)
            case let word where word.elementsEqual("null".utf8): return .null
            default:
                position = start
                return nil
            }
        }
    }

    /// A name after its `/`, with `#xx` escapes decoded.
    mutating func name() -> [UInt8] {
        position += 1
        var name: [UInt8] = []
        while let byte = peek(), Self.isRegular(byte) {
            if byte == UInt8(ascii: "#"), let high = peek(1).flatMap(Hex.nibbleValue),
                let low = peek(2).flatMap(Hex.nibbleValue)
            {
                name.append(high << 4 | low)
                position += 3
            } else {
                name.append(byte)
                position += 1
            }
        }
        return name
    }

    /// A `( )` string with its escapes decoded and balanced parentheses kept; an unterminated one ends with
    /// the bytes.
    mutating func literalString() -> [UInt8] {
        position += 1
        var string: [UInt8] = []
        var depth = 0
        while let byte = peek() {
            position += 1
            switch byte {
            case UInt8(ascii: "("):
                depth += 1
            case UInt8(ascii: ")"):
                if depth == 0 { return string }
                depth -= 1
            case UInt8(ascii: "\\"):
                if let escaped = escape() { string.append(escaped) }
                continue
            case 0x0D:
                // An end of line in a string reads as a line feed, whatever its bytes.
                if peek() == 0x0A { position += 1 }
                string.append(0x0A)
                continue
            default:
                break
            }
            string.append(byte)
        }
        return string
    }

    /// The byte a backslash escape stands for (after the backslash), or nil for a line continuation.
    private mutating func escape() -> UInt8? {
        guard let byte = peek() else { return nil }
        position += 1
        switch byte {
        case UInt8(ascii: "n"): return 0x0A
        case UInt8(ascii: "r"): return 0x0D
        case UInt8(ascii: "t"): return 0x09
        case UInt8(ascii: "b"): return 0x08
        case UInt8(ascii: "f"): return 0x0C
        case 0x0D:
            if peek() == 0x0A { position += 1 }
            return nil
        case 0x0A:
            return nil
        case UInt8(ascii: "0")...UInt8(ascii: "7"):
            var value = Int(byte - UInt8(ascii: "0"))
            for _ in 0..<2 {
                guard let digit = peek(), digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "7") else { break }
                value = value * 8 + Int(digit - UInt8(ascii: "0"))
                position += 1
            }
            return UInt8(truncatingIfNeeded: value)
        default:
            return byte
        }
    }

    /// A `< >` string: pairs of hexadecimal digits, white space and other bytes skipped, an odd last digit
    /// completed with 0.
    mutating func hexString() -> [UInt8] {
        position += 1
        var string: [UInt8] = []
        var high: UInt8?
        while let byte = peek() {
            position += 1
            if byte == UInt8(ascii: ">") { break }
            guard let digit = Hex.nibbleValue(byte) else { continue }
            if let first = high {
                string.append(first << 4 | digit)
                high = nil
            } else {
                high = digit
            }
        }
        if let high { string.append(high << 4) }
        return string
    }

    /// A number, or an indirect reference `N G R` when two unsigned integers are followed by `R`.
    mutating func number() -> PDFValue {
        let start = position
        if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
        let integer = unsignedInteger()
        if peek() == UInt8(ascii: ".") {
            position += 1
            _ = unsignedInteger()
            return .real
        }
        guard let integer else { return .real }
        if bytes[start] == UInt8(ascii: "-") { return .integer(-integer) }
        guard bytes[start] != UInt8(ascii: "+") else { return .integer(integer) }
        let afterNumber = position
        skipWhitespace()
        if let generation = unsignedInteger(), peek() != UInt8(ascii: ".") {
            skipWhitespace()
            if peek() == UInt8(ascii: "R"), peek(1).map({ !Self.isRegular($0) }) ?? true {
                position += 1
                return .reference(PDFObjectID(number: integer, generation: generation))
            }
        }
        position = afterNumber
        return .integer(integer)
    }

    /// Decimal digits as an integer (saturating rather than overflowing), or nil if there are none.
    mutating func unsignedInteger() -> Int? {
        var value: Int?
        while let byte = peek(), Self.isDigit(byte) {
            let (product, overflow) = (value ?? 0).multipliedReportingOverflow(by: 10)
            value = overflow ? Int.max : min(Int.max - 9, product) + Int(byte - UInt8(ascii: "0"))
            position += 1
        }
        return value
    }

    mutating func array(depth: Int) -> PDFValue {
        position += 1
        var items: [PDFValue] = []
        while true {
            skipWhitespace()
            if peek() == UInt8(ascii: "]") {
                position += 1
                break
            }
            guard let item = value(depth: depth + 1) else { break }
            items.append(item)
        }
        return .array(items)
    }

    mutating func dictionary(depth: Int) -> PDFValue {
        position += 2
        var dictionary = PDFDictionary()
        while true {
            skipWhitespace()
            if peek() == UInt8(ascii: ">"), peek(1) == UInt8(ascii: ">") {
                position += 2
                break
            }
            guard peek() == UInt8(ascii: "/") else { break }
            let key = name()
            // A key without a value before the end of the dictionary is skipped.
            guard let value = value(depth: depth + 1) else { continue }
            dictionary.entries.append((key, value))
        }
        return .dictionary(dictionary)
    }
}
