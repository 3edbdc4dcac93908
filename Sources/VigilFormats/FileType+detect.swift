extension FileType {
    /// How many leading bytes clamscan types a file by.
    public static let detectionLength = 1024

    /// The type clamscan 1.4 gives `bytes` (libclamav `cli_determine_fmap_type` with its built-in type
    /// database; an external `daily.ftm` can change the answer).
    ///
    /// In order: fixed-offset magic numbers in the first 1024 bytes; else the text heuristics; binary data
    /// may then be a tar header; a ZIP may be OOXML; text and binary data are finally refined by the
    /// embedded-type patterns (HTML tags, mail headers, a PE header after an `MZ`, PDF, Java, ...), then by
    /// HTML tags in a UTF-16 reading of the bytes.
    public static func detect(_ bytes: UnsafeRawBufferPointer) -> FileType {
        let prefix = UnsafeRawBufferPointer(rebasing: bytes.prefix(detectionLength))
        var type = MagicTable.match(ByteReader(prefix)) ?? TextType.classify(prefix)
        if type == .binaryData, let tar = TarHeader.classify(prefix) { return tar }
        if type == .zip, let ooxml = OOXMLSniffer.classify(ByteReader(bytes), typed: prefix.count) { return ooxml }
        guard type.isTextOrBinary else { return type }
        if let embedded = TypePatternTable.resolve(prefix) { return embedded }
        if UTF16Reading.littleEndianBytes(prefix).withUnsafeBytes({ TypePatternTable.resolve($0) }) == .html {
            return .htmlUTF16
        }
        if let decoded = UTF16Reading.markedText(prefix),
            decoded.withUnsafeBytes({ TypePatternTable.resolve($0) }) == .html
        {
            type = .html
        }
        return type
    }
}
