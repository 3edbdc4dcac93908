/// `data:` URLs (RFC 2397) in HTML, the files clamscan's HTML normaliser decodes and scans:
/// `data:[media type][;parameter]*[;base64],content`, the content ending at a quote, `>`, `)` or blank.
public enum DataURL {
    /// Calls `visit` with the content of each `data:` URL in `html` in order, decoded (base64, or percent
    /// escapes), each at most `maximumSize` bytes, until it returns false.
    public static func forEachURL(in html: UnsafeRawBufferPointer, maximumSize: Int, _ visit: (ArchiveMember) -> Bool) {
        var i = 0
        var index = 0
        while let start = next(in: html, from: i) {
            var header = start
            while header < html.count, html[header] != UInt8(ascii: ","), !ends(html[header]) { header += 1 }
            guard header < html.count, html[header] == UInt8(ascii: ",") else {
                i = header
                continue
            }
            let isBase64 = lowercased(html, start..<header).hasSuffix(";base64")
            var end = header + 1
            while end < html.count, !ends(html[end]) || (isBase64 && (html[end] == 0x0A || html[end] == 0x0D)) {
                end += 1
            }
            let content = UnsafeRawBufferPointer(rebasing: html[(header + 1)..<end])
            var output = BoundedOutput(maximumSize: maximumSize, expected: content.count)
            if isBase64 {
                TransferEncoding.base64(content, into: &output)
            } else {
                percentDecode(content, into: &output)
            }
            let member = ArchiveMember(
                name: "", data: output.bytes, truncated: output.truncated, isEncrypted: false,
                size: output.produced, index: index)
            index += 1
            if !visit(member) { return }
            i = end
        }
    }

    /// Where the text after the next `data:` (any case) at or after `position` starts.
    static func next(in html: UnsafeRawBufferPointer, from position: Int) -> Int? {
        var i = position
        while i + 5 <= html.count {
            if html[i] | 0x20 == UInt8(ascii: "d"), html[i + 1] | 0x20 == UInt8(ascii: "a"),
                html[i + 2] | 0x20 == UInt8(ascii: "t"), html[i + 3] | 0x20 == UInt8(ascii: "a"),
                html[i + 4] == UInt8(ascii: ":")
            {
                return i + 5
            }
            i += 1
        }
        return nil
    }

    /// Whether `byte` ends a URL in HTML.
    @inline(__always) static func ends(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: ">"), UInt8(ascii: ")"), UInt8(ascii: "<"),
            0x20, 0x09, 0x0A, 0x0D:
            true
        default: false
        }
    }

    static func lowercased(_ html: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: html[range]), as: UTF8.self).lowercased()
    }

    /// `%XX` escapes decoded, other bytes kept.
    static func percentDecode(_ text: UnsafeRawBufferPointer, into output: inout BoundedOutput) {
        var i = 0
        while i < text.count {
            if text[i] == UInt8(ascii: "%"), i + 2 < text.count, let high = Hex.nibbleValue(text[i + 1]),
                let low = Hex.nibbleValue(text[i + 2])
            {
                output.append(high << 4 | low)
                i += 3
            } else {
                output.append(text[i])
                i += 1
            }
        }
    }
}
