/// libclamav's quick OOXML test on a ZIP file: the names of its first local file headers.
enum OOXMLSniffer {
    private static let localHeaderSize = 30
    private static let longestName = 22
    private static let windowSize = 1028

    private static let names: [(String, FileType?)] = [
        ("xl/", .ooxmlExcel), ("ppt/", .ooxmlPowerPoint), ("word/", .ooxmlWord), ("BinData", nil),
        ("mimetype", nil), ("Contents", nil), ("docProps/", nil), ("customXml/", nil), ("version.xml", nil),
        ("settings.xml", nil), ("_.rels/.rels", nil), ("[ContentTypes].xml", nil), ("[Content_Types].xml", nil),
        ("Preview/PrvText.txt", nil), ("Contents/content.hpf", .ooxmlHWP), ("META-INF/container.xml", nil),
    ].map { ($0.0, $0.1) }

    /// The OOXML type named by one of the first three local headers found, scanning the file in windows as
    /// libclamav does (at most 32 steps); `nil` leaves the file a plain ZIP.
    ///
    /// libclamav goes on to read the central directory when the first three names only make OOXML likely;
    /// Vigil does not, and keeps `zip` for those files.
    static func classify(_ file: ByteReader, typed prefixLength: Int) -> FileType? {
        guard prefixLength > 2 * (localHeaderSize + 5) else { return nil }
        let magic: [UInt8] = [0x50, 0x4B, 0x03, 0x04]
        var windowStart = 0
        var windowLength = prefixLength
        var consumed = prefixLength
        var cursor: Int? = 0  // where the next search starts, within the window
        var headersSeen = 0
        for _ in 0..<32 {
            if let from = cursor {
                cursor = nil
                var p = windowStart + from
                let end = windowStart + windowLength
                while p + 4 <= end {
                    if file.hasBytes(magic, at: p) { break }
                    p += 1
                }
                if p + 4 <= end {
                    let name = p + localHeaderSize
                    if end - name > longestName {
                        for (entry, type) in names where file.hasBytes(Array(entry.utf8), at: name) {
                            if let type { return type }
                        }
                        headersSeen += 1
                        if headersSeen > 2 { return nil }
                        cursor = name - windowStart
                    }
                }
            }
            if cursor == nil {
                guard file.count - consumed > localHeaderSize else { return nil }
                consumed -= localHeaderSize + longestName + 1
                windowStart = consumed
                windowLength = min(windowSize, file.count - consumed)
                consumed += windowLength
                cursor = 0
            }
        }
        return nil
    }
}
