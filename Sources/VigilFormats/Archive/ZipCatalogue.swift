/// One file record of a zip archive: what its headers say about a member, before anything is decompressed.
public struct ZipRecord: Sendable, Equatable {
    /// The name's bytes as stored (at most 255, as clamscan keeps them).
    public var name: [UInt8]
    /// The compressed and uncompressed sizes (from the central directory when the local header defers them
    /// to a data descriptor).
    public var compressedSize: Int
    public var size: Int
    /// The general-purpose flags and the compression method.
    public var flags: UInt16
    public var method: UInt16
    /// Where the local header starts, and its length with the name and extra field.
    public var localHeaderOffset: Int
    public var localHeaderSize: Int
    /// The record's number, counted from 1 as clamscan counts it: central directory entries first, then
    /// local headers the central directory does not list.
    public var position: Int

    /// Where the record's compressed data ends.
    public var end: Int { localHeaderOffset + localHeaderSize + compressedSize }
    /// Whether the member is encrypted (flag bit 0).
    public var isEncrypted: Bool { flags & 1 != 0 }
    /// The name as text (invalid UTF-8 repaired), up to its first NUL as clamscan reads it.
    public var text: String { String(decoding: name.prefix { $0 != 0 }, as: UTF8.self) }
}

/// The file records of a zip archive, found as clamscan 1.4 finds them: the central directory through the
/// end-of-central-directory record searched backwards from the end, then local file headers in the gaps
/// between the records it lists (members hidden from the directory), each checked against the others for
/// overlap (a non-recursive zip bomb stacks many records on the same compressed bytes).
public struct ZipCatalogue: Sendable {
    /// Every record, in the order clamscan checks their metadata: the central directory's order, then
    /// the local-only records by offset.
    public private(set) var records: [ZipRecord] = []
    /// Whether more than five pairs of records overlap by more than two bytes (clamscan's
    /// `Heuristics.Zip.OverlappingFiles`, the mark of a non-recursive zip bomb).
    public private(set) var overlapping = false
    /// Whether the records with data reached the limit the catalogue was read with (reading stopped there).
    public private(set) var reachedLimit = false

    static let localMagic: UInt32 = 0x0403_4b50
    static let centralMagic: UInt32 = 0x0201_4b50
    static let endMagic: UInt32 = 0x0605_4b50
    static let localHeaderSize = 30
    static let centralHeaderSize = 46
    static let endRecordSize = 22

    /// Reads the records of `bytes`, up to the `maximumRecords`th with data.
    public init(_ bytes: UnsafeRawBufferPointer, maximumRecords: Int) {
        let reader = ByteReader(bytes)
        guard bytes.count >= Self.centralHeaderSize else { return }
        var central: [ZipRecord] = []
        // Records with data count towards the limit; directories and empty files do not (as in clamscan).
        var counted = 0
        if let start = Self.centralDirectoryOffset(reader) {
            var offset = start
            while let (record, next) = Self.centralRecord(reader, at: offset, position: central.count + 1) {
                // The limit is noticed when a record follows the last one allowed.
                if counted >= maximumRecords {
                    reachedLimit = true
                    break
                }
                central.append(record)
                if record.compressedSize > 0 { counted += 1 }
                offset = next
            }
        }
        records = central
        var known = central.sorted { $0.localHeaderOffset < $1.localHeaderOffset }
        if Self.overlaps(known) {
            // clamscan gives up on the central directory and falls back on the local headers alone.
            overlapping = true
            known = []
        }
        // Local headers before, between and after the records already known.
        var hidden: [ZipRecord] = []
        var bounds: [(Int, Int)] = [(0, known.first?.localHeaderOffset ?? bytes.count)]
        for (i, record) in known.enumerated() {
            bounds.append((record.end, i + 1 < known.count ? known[i + 1].localHeaderOffset : bytes.count))
        }
        for (start, end) in bounds where !reachedLimit {
            var offset = start
            while offset < end, offset + Self.localHeaderSize <= bytes.count {
                if reader.u32le(offset) == Self.localMagic,
                    let record = Self.localRecord(reader, at: offset, position: records.count + hidden.count + 1)
                {
                    hidden.append(record)
                    if record.compressedSize > 0 { counted += 1 }
                    if counted >= maximumRecords {
                        reachedLimit = true
                        break
                    }
                    offset = max(offset + 1, record.end)
                } else {
                    offset += 1
                }
            }
        }
        guard !hidden.isEmpty else { return }
        records += hidden
        if !overlapping {
            overlapping = Self.overlaps((known + hidden).sorted { $0.localHeaderOffset < $1.localHeaderOffset })
        }
    }

    /// The records to extract: by local header offset, exact duplicates (the same header and size) once.
    public var extractionOrder: [ZipRecord] {
        var order: [ZipRecord] = []
        for record in records.sorted(by: { $0.localHeaderOffset < $1.localHeaderOffset }) {
            if let last = order.last, last.localHeaderOffset == record.localHeaderOffset,
                last.localHeaderSize == record.localHeaderSize, last.compressedSize == record.compressedSize
            {
                continue
            }
            order.append(record)
        }
        return order
    }

    /// The central directory's offset, from the last end-of-central-directory record (searched backwards
    /// from the end) whose offset leaves room for a central header.
    private static func centralDirectoryOffset(_ reader: ByteReader) -> Int? {
        var offset = reader.count - endRecordSize
        while offset > 0 {
            if reader.u32le(offset) == endMagic, let start = reader.u32le(offset + 16).map(Int.init),
                reader.contains(start, centralHeaderSize)
            {
                return start
            }
            offset -= 1
        }
        return nil
    }

    /// The central header at `offset` and the offset after it; `nil` where the directory ends.
    private static func centralRecord(_ reader: ByteReader, at offset: Int, position: Int) -> (ZipRecord, Int)? {
        guard reader.u32le(offset) == centralMagic, let flags = reader.u16le(offset + 8),
            let method = reader.u16le(offset + 10), let compressed = reader.u32le(offset + 20),
            let size = reader.u32le(offset + 24), let nameLength = reader.u16le(offset + 28).map(Int.init),
            let extraLength = reader.u16le(offset + 30).map(Int.init),
            let commentLength = reader.u16le(offset + 32).map(Int.init),
            let localOffset = reader.u32le(offset + 42).map(Int.init)
        else { return nil }
        let nameStart = offset + centralHeaderSize
        guard nameStart + nameLength < reader.count else { return nil }
        let next = nameStart + nameLength + extraLength + commentLength
        var record = ZipRecord(
            name: name(reader, at: nameStart, length: nameLength),
            compressedSize: Int(compressed), size: Int(size), flags: flags, method: method,
            localHeaderOffset: localOffset, localHeaderSize: 0, position: position)
        // The local header's length, for the overlap check and extraction (0 if it cannot be read).
        if reader.u32le(localOffset) == localMagic,
            let (nameLength, extraLength) = localLengths(reader, at: localOffset)
        {
            record.localHeaderSize = localHeaderSize + nameLength + extraLength
        }
        guard next <= reader.count else { return (record, reader.count) }
        return (record, next)
    }

    /// A local header at `offset` that is not in the central directory; `nil` if it cannot be read, or
    /// defers its sizes to a data descriptor (only the central directory could give them).
    static func localRecord(_ reader: ByteReader, at offset: Int, position: Int) -> ZipRecord? {
        guard let flags = reader.u16le(offset + 6), let method = reader.u16le(offset + 8),
            let compressed = reader.u32le(offset + 18), let size = reader.u32le(offset + 22),
            let (nameLength, extraLength) = localLengths(reader, at: offset)
        else { return nil }
        let remaining = reader.count - offset - localHeaderSize
        guard remaining > nameLength, remaining - nameLength > extraLength, flags & 8 == 0 else { return nil }
        let headerSize = localHeaderSize + nameLength + extraLength
        guard reader.count - offset - headerSize >= Int(compressed) else { return nil }
        return ZipRecord(
            name: name(reader, at: offset + localHeaderSize, length: nameLength),
            compressedSize: Int(compressed), size: Int(size), flags: flags, method: method,
            localHeaderOffset: offset, localHeaderSize: headerSize, position: position)
    }

    /// The name and extra field lengths of the local header at `offset`.
    private static func localLengths(_ reader: ByteReader, at offset: Int) -> (name: Int, extra: Int)? {
        guard let name = reader.u16le(offset + 26), let extra = reader.u16le(offset + 28) else { return nil }
        return (Int(name), Int(extra))
    }

    private static func name(_ reader: ByteReader, at offset: Int, length: Int) -> [UInt8] {
        let kept = min(length, 255, max(0, reader.count - offset))
        return Array(UnsafeRawBufferPointer(rebasing: reader.bytes[offset..<(offset + kept)]))
    }

    /// Whether neighbouring records (sorted by offset) overlap by more than two bytes more than five times,
    /// as clamscan counts: an exact duplicate of a record counts, but only a true overlap raises the alert.
    private static func overlaps(_ sorted: [ZipRecord]) -> Bool {
        var count = 0
        for (previous, current) in zip(sorted, sorted.dropFirst()) {
            guard current.localHeaderOffset + 2 < previous.end else { continue }
            count += 1
            let duplicate =
                current.localHeaderOffset == previous.localHeaderOffset
                && current.localHeaderSize == previous.localHeaderSize
                && current.compressedSize == previous.compressedSize
            if !duplicate, count > 5 { return true }
        }
        return false
    }
}
