/// Builds Microsoft Compiled HTML Help files (ITSF version 3, or 2) at test time: files stored in section 0 or
/// compressed with ``LZXEncoder`` into section 1, listed in PMGL chunks in the order given, with the
/// `::DataSpace/Storage/MSCompressed` control data, span info, reset table and content that hhc.exe writes.
/// Section 1 is padded to a whole reset interval, as Microsoft's compressor pads it.
public struct CHMBuilder: Sendable {
    /// A file to store.
    public struct File: Sendable {
        /// Its path, such as `/index.html`.
        public var name: String
        /// Its content.
        public var content: [UInt8]
        /// Whether it goes to section 1 (LZX) rather than section 0.
        public var compressed: Bool

        /// A file named `name` holding `content`.
        public init(_ name: String, _ content: [UInt8], compressed: Bool = true) {
            self.name = name
            self.content = content
            self.compressed = compressed
        }
    }

    /// A raw directory entry, listed as given (directories, system files, entries that lie).
    public struct Entry: Sendable {
        /// Its name.
        public var name: String
        /// Its section number.
        public var section: Int
        /// Its offset in the section.
        public var offset: Int
        /// Its length.
        public var length: Int

        /// An entry as given.
        public init(_ name: String, section: Int, offset: Int, length: Int) {
            (self.name, self.section, self.offset, self.length) = (name, section, offset, length)
        }
    }

    /// A built file and where its parts are, for tests that damage them.
    public struct Image: Sendable {
        /// The file.
        public var bytes: [UInt8]
        /// Where the ITSP directory header starts.
        public var directoryOffset: Int
        /// Where section 0 starts.
        public var contentOffset: Int
        /// Where the LZXC control data starts.
        public var controlOffset: Int
        /// Where the reset table starts.
        public var resetTableOffset: Int
        /// Where the compressed stream starts, and its length.
        public var streamOffset: Int, streamLength: Int
        /// The directory chunks' size and count.
        public var chunkSize: Int, chunkCount: Int
    }

    /// The section 1 compressor.
    public var encoder: LZXEncoder
    /// The directory chunk size.
    public var chunkSize: Int
    /// The ITSF version: 3 stores section 0's offset, 2 leaves it to follow the directory.
    public var version: Int
    /// Entries listed before the files (after `/`).
    public var extraEntries: [Entry]

    /// A builder of version 3 files with 4 KiB chunks.
    public init(encoder: LZXEncoder = LZXEncoder(), chunkSize: Int = 4096, version: Int = 3, extraEntries: [Entry] = [])
    {
        self.encoder = encoder
        self.chunkSize = chunkSize
        self.version = version
        self.extraEntries = extraEntries
    }

    /// The names of the control data and reset table files.
    static let controlName = "::DataSpace/Storage/MSCompressed/ControlData"
    static let resetTableName =
        "::DataSpace/Storage/MSCompressed/Transform/{7FC28940-9D31-11D0-9B27-00A0C91E9C7C}/InstanceData/ResetTable"

    /// The CHM file of `files`.
    public func build(_ files: [File]) -> Image {
        // Section 1: the compressed files back to back, padded to a whole reset interval.
        var uncompressed: [UInt8] = []
        var section0: [UInt8] = []
        var entries = [Entry("/", section: 0, offset: 0, length: 0)] + extraEntries
        for file in files {
            if file.compressed {
                entries.append(Entry(file.name, section: 1, offset: uncompressed.count, length: file.content.count))
                uncompressed += file.content
            } else {
                let offset = file.content.isEmpty ? 0 : section0.count
                entries.append(Entry(file.name, section: 0, offset: offset, length: file.content.count))
                section0 += file.content
            }
        }
        let interval = max(1, encoder.resetInterval) * 32768
        let padded = uncompressed + [UInt8](repeating: 0, count: (interval - uncompressed.count % interval) % interval)
        let (stream, frameOffsets) = encoder.compress(padded)

        let controlOffset = section0.count
        section0 += le32(6) + Array("LZXC".utf8) + le32(2) + le32(max(1, encoder.resetInterval))
        section0 += le32(1 << (encoder.windowBits - 15)) + le32(1) + le32(0)
        let spanOffset = section0.count
        section0 += le64(uncompressed.count)
        let resetOffset = section0.count
        section0 += le32(2) + le32(frameOffsets.count) + le32(8) + le32(0x28) + le64(uncompressed.count)
        section0 += le64(stream.count) + le64(32768) + frameOffsets.flatMap { le64($0) }
        let streamOffset = section0.count
        section0 += stream
        entries += [
            Entry("::DataSpace/Storage/MSCompressed/Content", section: 0, offset: streamOffset, length: stream.count),
            Entry(Self.controlName, section: 0, offset: controlOffset, length: 28),
            Entry("::DataSpace/Storage/MSCompressed/SpanInfo", section: 0, offset: spanOffset, length: 8),
            Entry(Self.resetTableName, section: 0, offset: resetOffset, length: 0x28 + 8 * frameOffsets.count),
        ]

        let chunks = listingChunks(entries)
        let directoryOffset = 0x78
        let contentOffset = directoryOffset + 0x54 + chunks.count
        let chunkCount = chunks.count / chunkSize
        var bytes = Array("ITSF".utf8) + le32(version) + le32(0x60) + le32(1) + le32(0x1234_5678) + le32(0x409)
        bytes += [0x10, 0xFD, 0x01, 0x7C, 0xAA, 0x7B, 0xD0, 0x11, 0x9E, 0x0C, 0x00, 0xA0, 0xC9, 0x22, 0xE6, 0xEC]
        bytes += [0x11, 0xFD, 0x01, 0x7C, 0xAA, 0x7B, 0xD0, 0x11, 0x9E, 0x0C, 0x00, 0xA0, 0xC9, 0x22, 0xE6, 0xEC]
        bytes += le64(0x60) + le64(0x18) + le64(directoryOffset) + le64(0x54 + chunks.count) + le64(contentOffset)
        let fileLength = contentOffset + section0.count
        bytes += le32(0x1FE) + le32(0) + le64(fileLength) + le32(0) + le32(0)
        bytes += Array("ITSP".utf8) + le32(1) + le32(0x54) + le32(10) + le32(chunkSize) + le32(2) + le32(1)
        bytes += le32(-1) + le32(0) + le32(chunkCount - 1) + le32(-1) + le32(chunkCount) + le32(0x409)
        bytes += [0x6A, 0x92, 0x02, 0x5D, 0x2E, 0x21, 0xD0, 0x11, 0x9D, 0xF9, 0x00, 0xA0, 0xC9, 0x22, 0xE6, 0xEC]
        bytes += le32(0x54) + le32(-1) + le32(-1) + le32(-1)
        bytes += chunks + section0
        return Image(
            bytes: bytes, directoryOffset: directoryOffset, contentOffset: contentOffset,
            controlOffset: contentOffset + controlOffset, resetTableOffset: contentOffset + resetOffset,
            streamOffset: contentOffset + streamOffset, streamLength: stream.count, chunkSize: chunkSize,
            chunkCount: chunkCount)
    }

    /// The entries in PMGL chunks: a 20-byte header (with the previous and next chunk's numbers), the entries,
    /// free space, and the entry count in the last two bytes.
    func listingChunks(_ entries: [Entry]) -> [UInt8] {
        var groups: [[UInt8]] = [[]]
        var counts = [0]
        for entry in entries {
            let name = Array(entry.name.utf8)
            let encoded =
                Self.encint(name.count) + name + Self.encint(entry.section) + Self.encint(entry.offset)
                + Self.encint(entry.length)
            if groups[groups.count - 1].count + encoded.count > chunkSize - 0x14 - 2 {
                groups.append([])
                counts.append(0)
            }
            groups[groups.count - 1] += encoded
            counts[counts.count - 1] += 1
        }
        var chunks: [UInt8] = []
        for (index, group) in groups.enumerated() {
            let free = chunkSize - 0x14 - 2 - group.count
            chunks += Array("PMGL".utf8) + le32(free) + le32(0) + le32(index - 1)
            chunks += le32(index + 1 < groups.count ? index + 1 : -1) + group
            chunks += [UInt8](repeating: 0, count: free) + le16(counts[index])
        }
        return chunks
    }

    /// `value` as an ENCINT: 7 bits a byte, most significant first, the high bit set on all but the last.
    public static func encint(_ value: Int) -> [UInt8] {
        var bytes = [UInt8(value & 0x7F)]
        var rest = value >> 7
        while rest > 0 {
            bytes.insert(UInt8(rest & 0x7F) | 0x80, at: 0)
            rest >>= 7
        }
        return bytes
    }
}
