/// clamscan's text heuristics (libclamav `textdet.c`, after file(1)'s `ascmagic.c`), applied to the first bytes
/// of a file no magic number claimed.
enum TextType {
    /// How a byte counts: never in text, plain ASCII text, ISO-8859 text, or extended ASCII.
    private enum Class: UInt8 { case never, ascii, iso, extended }

    private static let classes: [Class] = (0...255).map { (b: Int) -> Class in
        switch b {
        case 7...10, 12, 13, 27, 0x20...0x7E, 0x85: .ascii
        case 0x80...0x9F: .extended
        case 0xA0...0xFF: .iso
        default: .never
        }
    }

    /// The text type of `bytes`, or `binaryData`.
    static func classify(_ bytes: UnsafeRawBufferPointer) -> FileType {
        if isASCII(bytes) { return .textASCII }
        if isUTF8(bytes) { return .textUTF8 }
        switch utf16(bytes) {
        case .little?: return .textUTF16LE
        case .big?: return .textUTF16BE
        case nil: return .binaryData
        }
    }

    /// No byte that never occurs in text: bytes above 0x7F all pass, so Latin-1 and most UTF-8 is "ASCII".
    private static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        !bytes.contains { classes[Int($0)] == .never }
    }

    /// Well-formed UTF-8 sequences (up to 6 bytes), no control characters, at least one multi-byte sequence;
    /// a sequence cut by the end of the buffer counts as well-formed.
    private static func isUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var gotOne = false
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b & 0x80 == 0 {
                guard classes[Int(b)] == .ascii else { return false }
            } else if b & 0x40 == 0 {
                return false
            } else {
                let following: Int
                switch b {
                case 0xC0...0xDF: following = 1
                case 0xE0...0xEF: following = 2
                case 0xF0...0xF7: following = 3
                case 0xF8...0xFB: following = 4
                case 0xFC...0xFD: following = 5
                default: return false
                }
                for _ in 0..<following {
                    i += 1
                    if i >= bytes.count { return gotOne }
                    if bytes[i] & 0x80 == 0 || bytes[i] & 0x40 != 0 { return false }
                }
                gotOne = true
            }
            i += 1
        }
        return gotOne
    }

    private enum ByteOrder { case little, big }

    /// libclamav's UTF-16 test: with a byte-order mark, fewer than half the units may be control characters;
    /// without one, the data is read big-endian from its second unit and no unit below 128 may be a control
    /// character, which most binary noise passes.
    private static func utf16(_ bytes: UnsafeRawBufferPointer) -> ByteOrder? {
        guard bytes.count >= 2 else { return nil }
        var bigEndian = true
        var hasMark = true
        if bytes[0] == 0xFF && bytes[1] == 0xFE {
            bigEndian = false
        } else if !(bytes[0] == 0xFE && bytes[1] == 0xFF) {
            hasMark = false
        }
        var bad = 0
        var i = 2
        while i + 1 < bytes.count {
            let unit = bigEndian ? Int(bytes[i]) << 8 | Int(bytes[i + 1]) : Int(bytes[i + 1]) << 8 | Int(bytes[i])
            if unit == 0xFFFE { return nil }
            if unit < 128 && classes[unit] != .ascii {
                if !hasMark { return nil }
                bad += 1
            }
            i += 2
        }
        if hasMark && bad >= bytes.count / 2 { return nil }
        return bigEndian ? .big : .little
    }
}
