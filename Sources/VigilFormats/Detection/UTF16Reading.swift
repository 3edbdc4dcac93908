/// The two ways clamscan re-reads the start of a text or binary file as UTF-16 to look for HTML tags.
enum UTF16Reading {
    /// libclamav's `cli_utf16toascii`: each byte pair (low, high) becomes `(high << 4) + low` truncated to a byte,
    /// which keeps ASCII in little-endian UTF-16 and scrambles everything else.
    static func littleEndianBytes(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        guard bytes.count >= 2 else { return [] }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count / 2)
        var i = 0
        while i + 1 < bytes.count {
            out.append(UInt8(truncatingIfNeeded: Int(bytes[i + 1]) << 4 &+ Int(bytes[i])))
            i += 2
        }
        return out
    }

    /// Text whose start announces UTF-16 or UTF-32 (a byte-order mark, or `<` / `<?` in that encoding, as in the
    /// XML specification's autodetection table that libclamav's `encoding_detect_bom` follows), decoded to bytes:
    /// code units below 256 as themselves, others as `?`; `nil` for any other start.
    static func markedText(_ bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        guard bytes.count >= 4 else { return nil }
        let head = (bytes[0], bytes[1], bytes[2], bytes[3])
        let width: Int
        let bigEndian: Bool
        let skip: Int
        switch head {
        case (0x00, 0x00, 0xFE, 0xFF): (width, bigEndian, skip) = (4, true, 4)
        case (0xFF, 0xFE, 0x00, 0x00): (width, bigEndian, skip) = (4, false, 4)
        case (0x00, 0x00, 0x00, 0x3C): (width, bigEndian, skip) = (4, true, 0)
        case (0x3C, 0x00, 0x00, 0x00): (width, bigEndian, skip) = (4, false, 0)
        case (0xFE, 0xFF, _, _): (width, bigEndian, skip) = (2, true, 2)
        case (0xFF, 0xFE, _, _): (width, bigEndian, skip) = (2, false, 2)
        case (0x00, 0x3C, 0x00, 0x3F): (width, bigEndian, skip) = (2, true, 0)
        case (0x3C, 0x00, 0x3F, 0x00): (width, bigEndian, skip) = (2, false, 0)
        default: return nil
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count / width)
        var i = skip
        while i + width <= bytes.count {
            var unit: UInt32 = 0
            for k in 0..<width {
                let byte = UInt32(bytes[bigEndian ? i + k : i + width - 1 - k])
                unit = unit << 8 | byte
            }
            out.append(unit < 256 ? UInt8(unit) : UInt8(ascii: "?"))
            i += width
        }
        return out
    }
}
