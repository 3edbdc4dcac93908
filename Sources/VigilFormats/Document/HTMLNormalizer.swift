/// The forms clamscan 1.4 derives from an HTML file and scans with target type 3 instead of its raw bytes
/// (libclamav `htmlnorm.c`, `cli_html_normalise`, as `cli_scanhtml` calls it).
public struct HTMLNormalization: Sendable {
    /// `nocomment.html`: the markup without comments, tags and text lowercased, blank runs folded to one
    /// space, character references decoded, attribute values double-quoted, script text without blanks.
    public var noComment: [UInt8] = []
    /// `notags.html`: the text outside tags and scripts, blank runs and tags folded to one space, plus the
    /// `href` of each `<a>` and the `src` of each `<img>`.
    public var noTags: [UInt8] = []
    /// `javascript`: each script as libclamav's JavaScript normaliser prints it (`<script>...</script>`,
    /// one a line); nil when the file has no script.
    public var javascript: [UInt8]?
}

/// libclamav's HTML normaliser: a byte-for-byte port of `cli_html_normalise` with its JavaScript and
/// JScript.Encode decoders, so that target-type-3 signatures see what clamscan shows them.
public enum HTMLNormalizer {
    /// clamscan 1.4's `MaxHTMLNormalize` default (40 MiB): a larger file is not normalised, and so not
    /// scanned as HTML at all.
    public static let maximumSize = 40 << 20
    /// clamscan 1.4's `MaxHTMLNoTags` default (8 MiB): `notags.html` of a larger file is not scanned.
    public static let maximumNoTagsSize = 8 << 20

    /// The normalised forms of `html`. Linear in its size; never traps.
    public static func normalize(_ html: UnsafeRawBufferPointer) -> HTMLNormalization {
        var machine = HTMLStateMachine(html)
        machine.run()
        return machine.result
    }

    /// UTF-16LE HTML as `cli_scanhtml_utf16` hands it to the normaliser: each code unit folded to one byte
    /// (`cli_utf16toascii`: high byte shifted left by four plus the low byte), in 64 KiB pieces.
    public static func decodeUTF16(_ data: UnsafeRawBufferPointer) -> [UInt8] {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(data.count / 2)
        var at = 0
        while at < data.count {
            let bytes = min(data.count - at, 4096 * 16)
            if bytes >= 2 {
                var i = at
                while i + 1 < at + bytes {
                    decoded.append((data[i + 1] << 4) &+ data[i])
                    i += 2
                }
            }
            at += bytes
        }
        return decoded
    }
}

/// C-locale `isspace`.
@inline(__always) func isCSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }
/// C-locale `isdigit`.
@inline(__always) func isCDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
/// C-locale `isxdigit`.
@inline(__always) func isCHexDigit(_ c: UInt8) -> Bool { isCDigit(c) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x66) }
/// C-locale `isalnum`.
@inline(__always) func isCAlnum(_ c: UInt8) -> Bool { isCDigit(c) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) }
/// C-locale `tolower`.
@inline(__always) func cLower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }

/// `cli_readchunk` over a memory area: at most 8191 bytes a piece, NUL bytes dropped, and a piece that
/// would end inside a word cut back to its last blank (the reader then rewinds by the bytes cut).
struct HTMLChunkReader {
    /// The whole input.
    let data: UnsafeRawBufferPointer
    /// The next byte to read.
    var offset = 0

    /// Fills `chunk` with the next piece followed by a NUL; false at the end.
    mutating func next(into chunk: inout [UInt8]) -> Bool {
        let maxLength = 8192
        let limit = min(data.count - offset, maxLength - 1)
        guard limit > 0 else { return false }
        chunk.removeAll(keepingCapacity: true)
        let start = offset
        var ptr = start + limit
        if let nul = UnsafeRawBufferPointer(rebasing: data[start..<(start + limit)]).firstIndex(of: 0) {
            chunk.append(contentsOf: data[start..<(start + nul)])
            ptr = start + nul
            while ptr < data.count, chunk.count < maxLength - 1 {
                let c = data[ptr]
                ptr += 1
                if c != 0 { chunk.append(c) }
            }
            offset += ptr - start
        } else {
            chunk.append(contentsOf: data[start..<(start + limit)])
            offset += limit
        }
        let length = chunk.count
        if ptr < data.count, !isCSpace(data[ptr]) {
            // rewind_tospace: a blank in the first byte only does not count.
            var count = length
            while count > 1, !isCSpace(chunk[count - 1]) { count -= 1 }
            if count > 1, count < length {
                chunk.removeLast(length - count)
                offset -= length - count
            }
        }
        chunk.append(0)
        return true
    }
}
