/// Decoded bytes, at most a caller's maximum.
struct BoundedOutput {
    var bytes: [UInt8] = []
    let maximumSize: Int
    /// Whether a byte was dropped because the output was full.
    var truncated = false
    /// How many bytes the decoding produced, kept or not.
    var produced = 0

    init(maximumSize: Int, expected: Int) {
        self.maximumSize = maximumSize
        bytes.reserveCapacity(min(maximumSize, expected, 1 << 24))
    }

    @inline(__always) mutating func append(_ byte: UInt8) {
        produced += 1
        if bytes.count < maximumSize { bytes.append(byte) } else { truncated = true }
    }
}

/// The content transfer encodings of mail (RFC 2045) and of `data:` URLs, decoded as tolerantly as
/// clamscan's `mbox.c` decodes them: characters outside an encoding's alphabet are skipped, never an error.
enum TransferEncoding {
    /// Base64: four six-bit characters per three bytes; `=` ends a group early.
    static func base64(_ text: UnsafeRawBufferPointer, into output: inout BoundedOutput) {
        var bits: UInt32 = 0
        var count = 0
        for byte in text {
            let value = base64Values[Int(byte)]
            if value == 0xFF {
                if byte == UInt8(ascii: "=") {
                    bits = 0
                    count = 0
                }
                continue
            }
            bits = bits << 6 | UInt32(value)
            count += 1
            if count == 2 { output.append(UInt8(truncatingIfNeeded: bits >> 4)) }
            if count == 3 { output.append(UInt8(truncatingIfNeeded: bits >> 2)) }
            if count == 4 {
                output.append(UInt8(truncatingIfNeeded: bits))
                bits = 0
                count = 0
            }
        }
    }

    static let base64Values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, byte) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(byte)] = UInt8(value)
        }
        // The URL-safe alphabet's two characters, which some mailers use.
        table[Int(UInt8(ascii: "-"))] = 62
        table[Int(UInt8(ascii: "_"))] = 63
        return table
    }()

    /// Quoted-printable: `=XX` is a byte, `=` at the end of a line joins it to the next.
    static func quotedPrintable(_ text: UnsafeRawBufferPointer, into output: inout BoundedOutput) {
        var i = 0
        while i < text.count {
            let byte = text[i]
            guard byte == UInt8(ascii: "=") else {
                output.append(byte)
                i += 1
                continue
            }
            if i + 2 < text.count, let high = Hex.nibbleValue(text[i + 1]), let low = Hex.nibbleValue(text[i + 2]) {
                output.append(high << 4 | low)
                i += 3
                continue
            }
            // A soft line break: `=`, optional trailing blanks, then the line's end.
            var j = i + 1
            while j < text.count, text[j] == 0x20 || text[j] == 0x09 { j += 1 }
            if j < text.count, text[j] == 0x0D { j += 1 }
            if j < text.count, text[j] == 0x0A {
                i = j + 1
                continue
            }
            if j == text.count { return }
            output.append(byte)
            i += 1
        }
    }

    /// The uuencoded files in `text`: each from a `begin MODE NAME` line to its `end` line (or the text's
    /// end), with the name the begin line gives.
    static func uudecodedFiles(_ text: UnsafeRawBufferPointer, maximumSize: Int) -> [(
        name: String, output: BoundedOutput
    )] {
        var files: [(name: String, output: BoundedOutput)] = []
        var lines = Lines(text)
        while let line = lines.next() {
            guard let name = uuBeginName(text, line) else { continue }
            var output = BoundedOutput(maximumSize: maximumSize, expected: text.count)
            while let body = lines.next() {
                if body.count == 3, hasPrefix(text, body, "end") { break }
                guard !body.isEmpty else { continue }
                let length = Int((text[body.lowerBound] &- 0x20) & 0x3F)
                if length == 0 { continue }
                var produced = 0
                var i = body.lowerBound + 1
                while produced < length, i < body.upperBound {
                    var group: UInt32 = 0
                    for k in 0..<4 {
                        let c = i + k < body.upperBound ? text[i + k] : 0x20
                        group = group << 6 | UInt32((c &- 0x20) & 0x3F)
                    }
                    for shift in [16, 8, 0] where produced < length {
                        output.append(UInt8(truncatingIfNeeded: group >> UInt32(shift)))
                        produced += 1
                    }
                    i += 4
                }
            }
            files.append((name, output))
        }
        return files
    }

    /// The file name of a uuencode `begin` line (`begin 644 name`), or `nil` if `line` is not one.
    private static func uuBeginName(_ text: UnsafeRawBufferPointer, _ line: Range<Int>) -> String? {
        guard hasPrefix(text, line, "begin ") else { return nil }
        var i = line.lowerBound + 6
        let modeStart = i
        while i < line.upperBound, (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(text[i]) { i += 1 }
        guard i > modeStart, i < line.upperBound, text[i] == 0x20 else { return nil }
        return String(decoding: UnsafeRawBufferPointer(rebasing: text[(i + 1)..<line.upperBound]), as: UTF8.self)
    }

    /// Whether the line starts with `prefix`.
    static func hasPrefix(_ text: UnsafeRawBufferPointer, _ line: Range<Int>, _ prefix: StaticString) -> Bool {
        guard line.count >= prefix.utf8CodeUnitCount else { return false }
        let bytes = UnsafeRawBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount)
        for (k, byte) in bytes.enumerated() where text[line.lowerBound + k] != byte { return false }
        return true
    }
}

/// The lines of a text, as ranges without their line ends (LF or CRLF).
struct Lines: IteratorProtocol {
    let text: UnsafeRawBufferPointer
    /// Where the next line starts.
    var position: Int
    let end: Int

    init(_ text: UnsafeRawBufferPointer, in range: Range<Int>? = nil) {
        self.text = text
        position = range?.lowerBound ?? 0
        end = range?.upperBound ?? text.count
    }

    mutating func next() -> Range<Int>? {
        guard position < end else { return nil }
        let start = position
        var stop = start
        while stop < end, text[stop] != 0x0A { stop += 1 }
        position = stop < end ? stop + 1 : end
        if stop > start, text[stop - 1] == 0x0D { stop -= 1 }
        return start..<stop
    }
}
