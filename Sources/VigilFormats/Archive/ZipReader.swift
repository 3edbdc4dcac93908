/// Zip members read from the zip's own headers (``ZipCatalogue``), for the archives libarchive cannot read:
/// those with implode (method 6) or Deflate64 (method 9) members. Members come in clamscan's extraction
/// order (by local header, duplicates once); stored, deflate, implode, Deflate64 and bzip2 data is decompressed
/// (deflate data up to any damage, as clamscan scans it), encrypted members are flagged and not read, other
/// methods give no data.
public enum ZipReader {
    static let ownMethods: Set<UInt16> = [6, 9]

    /// Whether the archive needs Vigil's own reader: one of its records uses a method libarchive cannot read.
    public static func isNeeded(for catalogue: ZipCatalogue) -> Bool {
        catalogue.records.contains { ownMethods.contains($0.method) && !$0.isEncrypted }
    }

    /// Calls `visit` with each member of the zip in `data` described by `catalogue`, each at most `maximumSize`
    /// bytes, until it returns false.
    public static func forEachMember(
        in data: UnsafeRawBufferPointer, catalogue: ZipCatalogue, maximumSize: Int,
        _ visit: (ArchiveMember) -> Bool
    ) {
        for (index, record) in catalogue.extractionOrder.enumerated() {
            guard let member = member(record, in: data, index: index, maximumSize: maximumSize) else { continue }
            if !visit(member) { return }
        }
    }

    /// The member `record` describes, numbered `index`, its data read unless encrypted or over `maximumSize`;
    /// `nil` for a directory or a record whose data starts past the end.
    static func member(_ record: ZipRecord, in data: UnsafeRawBufferPointer, index: Int, maximumSize: Int)
        -> ArchiveMember?
    {
        let isDirectory = record.name.last == UInt8(ascii: "/") && record.size == 0
        let start = record.localHeaderOffset + record.localHeaderSize
        guard !isDirectory, start <= data.count else { return nil }
        let input = UnsafeRawBufferPointer(rebasing: data[start..<min(data.count, start + record.compressedSize)])
        var member = ArchiveMember(
            name: record.text, data: [], truncated: record.size > maximumSize,
            isEncrypted: record.isEncrypted, size: record.size, index: index)
        if !record.isEncrypted, !member.truncated { member.data = content(input, record, maximumSize: maximumSize) }
        return member
    }

    /// The member whose local header is at `offset` (clamscan's `cli_unzip_single`, for a zip found after
    /// other data), at most `maximumSize` bytes; `nil` when the header cannot be read or defers its sizes to a
    /// data descriptor, or the member is a directory.
    public static func localMember(in data: UnsafeRawBufferPointer, at offset: Int, maximumSize: Int) -> ArchiveMember?
    {
        ZipCatalogue.localRecord(ByteReader(data), at: offset, position: 1).flatMap {
            member($0, in: data, index: 0, maximumSize: maximumSize)
        }
    }

    /// A record's data decompressed, at most `maximumSize` bytes; empty when it cannot be.
    static func content(_ input: UnsafeRawBufferPointer, _ record: ZipRecord, maximumSize: Int) -> [UInt8] {
        let limit = min(record.size, maximumSize)
        switch record.method {
        case 0: return Array(input.prefix(limit))
        case 8: return Inflate.decompressPartially(input, format: .raw, maxOutputSize: limit).output.bytes
        case 6:
            return (try? Implode.decompress(input, flags: record.flags, size: record.size, maximumSize: limit)) ?? []
        case 9: return (try? Deflate64.decompress(input, maximumSize: limit)) ?? []
        case 12:
            var output: [UInt8] = []
            try? ArchiveReader.forEachMember(in: input, as: .compressedStream, maximumSize: limit) {
                output = $0.data
                return false
            }
            return output
        default: return []
        }
    }
}
