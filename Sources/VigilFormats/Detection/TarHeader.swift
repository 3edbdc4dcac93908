/// libclamav's `is_tar`: a 512-byte header whose checksum field matches the sum of its bytes.
enum TarHeader {
    /// `posixTar` for a GNU `ustar  ` header, `oldTar` for any other header with a valid checksum, else `nil`.
    static func classify(_ bytes: UnsafeRawBufferPointer) -> FileType? {
        guard bytes.count >= 512 else { return nil }
        guard let recorded = octal(bytes, from: 148, digits: 8) else { return nil }
        var sum = 0
        for i in 0..<512 { sum += Int(bytes[i]) }
        for i in 148..<156 { sum -= Int(bytes[i]) }
        sum += 8 * Int(UInt8(ascii: " "))
        guard sum == recorded else { return nil }
        // strcmp(magic, "ustar  "): the C string at 257 (bounded by the header) must be exactly that.
        let magic = Array("ustar  ".utf8)
        for (k, c) in magic.enumerated() where bytes[257 + k] != c { return .oldTar }
        return bytes[264] == 0 ? .posixTar : .oldTar
    }

    /// libclamav's `from_oct`: leading spaces, octal digits, then a space or NUL (or the field's end).
    private static func octal(_ bytes: UnsafeRawBufferPointer, from start: Int, digits count: Int) -> Int? {
        var i = start
        var left = count
        while isSpace(bytes[i]) {
            i += 1
            left -= 1
            if left <= 0 { return nil }  // libclamav's -1, which no checksum equals
        }
        var value = 0
        while left > 0, (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(bytes[i]) {
            value = value << 3 | Int(bytes[i] - UInt8(ascii: "0"))
            i += 1
            left -= 1
        }
        if left > 0 && bytes[i] != 0 && !isSpace(bytes[i]) { return nil }
        return value
    }

    private static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (0x09...0x0D).contains(c) }
}
