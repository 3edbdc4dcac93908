/// Microsoft Compiled HTML Help files (`.chm`, "ITSF"), as clamscan 1.4 reads them: `cli_scanmschm` in
/// `libclamav/libmspack.c` lists the files with libmspack's `chmd.c` and extracts each in directory order, from
/// the uncompressed section 0 or from section 1, one LZX stream (``LZX``) read on from the file before or, going
/// back, from the reset point the reset table gives. System files (`::DataSpace/…`) and directories (a name
/// ending in `/`, at offset and length 0) are not members; empty files are. A file that fails to extract gives
/// what was written before the failure.
public enum CHM {
    /// Calls `visit` with each file in directory order, each at most `maximumSize` bytes, until it returns false.
    public static func forEachFile(in data: UnsafeRawBufferPointer, maximumSize: Int, _ visit: (ArchiveMember) -> Bool)
    {
        forEachFile(in: data, maximumSize: maximumSize, decodingBudget: decodingBudget(maximumSize), visit)
    }

    /// The most bytes of section 1 decoded for one file (discarded ones, re-decoded ones and fresh windows
    /// counted): clamscan decodes whatever the directory asks for, bounded only by `--max-scantime`; Vigil bounds
    /// the work so a small hostile file cannot keep it busy. Four times the member limit, at least 64 MiB.
    static func decodingBudget(_ maximumSize: Int) -> Int {
        max(64 << 20, min(maximumSize, Int.max / 4) * 4)
    }

    /// ``forEachFile(in:maximumSize:_:)`` decoding at most `decodingBudget` bytes of section 1.
    static func forEachFile(
        in data: UnsafeRawBufferPointer, maximumSize: Int, decodingBudget: Int, _ visit: (ArchiveMember) -> Bool
    ) {
        guard let directory = CHMDirectory(data) else { return }
        var compressed = CHMCompressedSection(data, directory: directory, budget: decodingBudget)
        let limit = max(0, maximumSize)
        for (index, file) in directory.files.enumerated() {
            var member = ArchiveMember(
                name: file.name, data: [], truncated: false, isEncrypted: false, size: Int(max(0, file.length)),
                index: index)
            // libmspack creates an empty file without looking at the section.
            if file.length != 0 {
                if file.section == 0 {
                    copyUncompressed(file, from: data, contentOffset: directory.contentOffset, limit, &member)
                } else {
                    compressed.extract(file, limit: limit, into: &member)
                }
            }
            if !visit(member) { return }
        }
    }

    /// A section 0 file: libmspack copies it in 512-byte runs and stops at the first run the file cannot give
    /// in full.
    static func copyUncompressed(
        _ file: CHMEntry, from data: UnsafeRawBufferPointer, contentOffset: Int64, _ limit: Int,
        _ member: inout ArchiveMember
    ) {
        let start = contentOffset &+ file.offset
        guard start >= 0, start <= Int64(data.count), file.length > 0 else { return }
        let available = Int64(data.count) - start
        let copied = Int(file.length <= available ? file.length : available / 512 * 512)
        let kept = min(copied, limit)
        member.data = Array(data[Int(start)..<(Int(start) + kept)])
        member.truncated = copied > kept
    }
}

/// An entry of a CHM directory listing.
struct CHMEntry {
    /// Its path, up to any NUL.
    var name: String
    /// 0 (uncompressed) or 1 (MSCompressed).
    var section: UInt32
    /// Where it starts in its section.
    var offset: Int64
    /// Its length.
    var length: Int64
}

/// The directory of a CHM file as libmspack's `chmd_read_headers` reads it: the ITSF header and its section
/// table, header section 0 (the file length), the ITSP directory header, then every chunk from the first
/// listing (PMGL) chunk to the last, skipping index (PMGI) chunks. A chunk that cannot be read in full ends the
/// file with no members; a damaged entry ends its chunk.
struct CHMDirectory {
    /// The two GUIDs of the ITSF header, which libmspack requires.
    static let guids: [UInt8] = [
        0x10, 0xFD, 0x01, 0x7C, 0xAA, 0x7B, 0xD0, 0x11, 0x9E, 0x0C, 0x00, 0xA0, 0xC9, 0x22, 0xE6, 0xEC,
        0x11, 0xFD, 0x01, 0x7C, 0xAA, 0x7B, 0xD0, 0x11, 0x9E, 0x0C, 0x00, 0xA0, 0xC9, 0x22, 0xE6, 0xEC,
    ]
    /// The names of section 1's system files.
    static let contentName = Array("::DataSpace/Storage/MSCompressed/Content".utf8)
    static let controlName = Array("::DataSpace/Storage/MSCompressed/ControlData".utf8)
    static let spanInfoName = Array("::DataSpace/Storage/MSCompressed/SpanInfo".utf8)
    static let resetTableName = Array(
        "::DataSpace/Storage/MSCompressed/Transform/{7FC28940-9D31-11D0-9B27-00A0C91E9C7C}/InstanceData/ResetTable"
            .utf8)

    /// Where section 0 starts in the file.
    var contentOffset: Int64
    /// The files, in directory order.
    var files: [CHMEntry] = []
    /// Section 1's compressed stream, in section 0.
    var content: CHMEntry?
    /// Section 1's LZXC control data.
    var control: CHMEntry?
    /// Section 1's uncompressed length, for when the reset table is unusable.
    var spanInfo: CHMEntry?
    /// Section 1's reset table: the compressed offset of each 32 KiB frame.
    var resetTable: CHMEntry?

    /// The directory of `data`, or nil where libmspack gives no file list.
    init?(_ data: UnsafeRawBufferPointer) {
        let reader = ByteReader(data)
        guard reader.hasBytes(Array("ITSF".utf8)), reader.hasBytes(Self.guids, at: 0x18),
            let version = reader.u32le(4), let headerSection0 = reader.u64le(0x38).map(Self.signed),
            let directoryOffset = reader.u64le(0x48).map(Self.signed),
            var contentOffset = reader.u64le(0x58).map(Self.signed),
            let section0 = Self.position(headerSection0, in: reader, length: 0x18),
            let fileLength = reader.u64le(section0 + 8).map(Self.signed),
            let header = Self.position(directoryOffset, in: reader, length: 0x54),
            let chunkSize = reader.u32le(header + 0x10), let indexRoot = reader.u32le(header + 0x1C),
            let firstListing = reader.u32le(header + 0x20), let lastListing = reader.u32le(header + 0x24),
            let chunkCount = reader.u32le(header + 0x2C)
        else { return nil }
        let chunks = header + 0x54
        // Versions before 3 have no section 0 offset: it follows the directory.
        if version < 3 { contentOffset = Int64(chunks) &+ Int64(chunkSize &* chunkCount) }
        guard contentOffset <= fileLength, chunkSize >= 0x16, chunkSize <= 8192, chunkCount != 0,
            chunkCount <= 100_000, Int64(chunkSize) * Int64(chunkCount) <= fileLength, firstListing <= lastListing,
            indexRoot == 0xFFFF_FFFF || indexRoot < chunkCount
        else { return nil }
        self.contentOffset = contentOffset
        var position = chunks + Int(firstListing &* chunkSize)
        guard position <= data.count else { return nil }
        // Each chunk must be in the file, so a lying count ends at its end.
        var remaining = lastListing &- firstListing &+ 1
        while remaining > 0 {
            remaining -= 1
            guard reader.contains(position, Int(chunkSize)) else { return nil }
            if reader.hasBytes(Array("PMGL".utf8), at: position) { readListing(reader, position, Int(chunkSize)) }
            position += Int(chunkSize)
        }
    }

    /// Reads the entries of the listing chunk at `chunk`: a name length, the name, then section, offset and
    /// length, each an ENCINT; the entry count is the chunk's last two bytes.
    private mutating func readListing(_ reader: ByteReader, _ chunk: Int, _ chunkSize: Int) {
        let end = chunk + chunkSize - 2
        var cursor = chunk + 0x14
        var entries = Int(reader.u16le(end) ?? 0)
        while entries > 0 {
            entries -= 1
            guard let nameLength = Self.encodedInteger(reader, &cursor, end).map(UInt32.init(truncatingIfNeeded:)),
                nameLength <= end - cursor
            else { return }
            let name = cursor..<(cursor + Int(nameLength))
            cursor = name.upperBound
            guard let section = Self.encodedInteger(reader, &cursor, end).map(UInt32.init(truncatingIfNeeded:)),
                let offset = Self.encodedInteger(reader, &cursor, end).map(Self.signed),
                let length = Self.encodedInteger(reader, &cursor, end).map(Self.signed)
            else { return }
            let bytes = UnsafeRawBufferPointer(rebasing: reader.bytes[name])
            // Blank and one-character names, directories, and sections past 1 are left out.
            guard bytes.count >= 2, bytes[0] != 0, bytes[1] != 0, section <= 1 else { continue }
            if offset == 0, length == 0, bytes.last == UInt8(ascii: "/") { continue }
            let text = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            let entry = CHMEntry(name: text, section: section, offset: offset, length: length)
            guard bytes[0] == UInt8(ascii: ":"), bytes[1] == UInt8(ascii: ":") else {
                files.append(entry)
                continue
            }
            // A system file; the last of each name counts.
            if bytes.elementsEqual(Self.contentName) {
                content = entry
            } else if bytes.elementsEqual(Self.controlName) {
                control = entry
            } else if bytes.elementsEqual(Self.spanInfoName) {
                spanInfo = entry
            } else if bytes.elementsEqual(Self.resetTableName) {
                resetTable = entry
            }
        }
    }

    /// An ENCINT at `cursor` (7 bits a byte, most significant first, the high bit set on all but the last),
    /// wrapping past 64 bits as libmspack's does; nil if it runs into `end`.
    static func encodedInteger(_ reader: ByteReader, _ cursor: inout Int, _ end: Int) -> UInt64? {
        var value: UInt64 = 0
        while true {
            guard cursor < end, let byte = reader.u8(cursor) else { return nil }
            cursor += 1
            value = value << 7 | UInt64(byte & 0x7F)
            if byte & 0x80 == 0 { return value }
        }
    }

    /// A 64-bit field as libmspack's signed `off_t`.
    static func signed(_ value: UInt64) -> Int64 { Int64(bitPattern: value) }

    /// `offset` as a position where `length` bytes can be read, or nil (libmspack's failing seek or read).
    static func position(_ offset: Int64, in reader: ByteReader, length: Int) -> Int? {
        guard offset >= 0, offset <= Int64(reader.count), reader.contains(Int(offset), length) else { return nil }
        return Int(offset)
    }
}
