/// Section 1 of a CHM file, "MSCompressed": one LZX stream in section 0's `::DataSpace/Storage/MSCompressed/
/// Content`, described by its `ControlData` (signature LZXC, reset interval and window size, in bytes in version
/// 1 and in 32 KiB frames in version 2) and its `ResetTable` (the compressed offset of each frame). Files are
/// extracted as libmspack's `chmd_extract` does: the decoder reads on while files come in stream order; a file
/// before its position restarts it at the reset point at or before the file; a decoding error discards it.
struct CHMCompressedSection {
    private let data: UnsafeRawBufferPointer
    private let directory: CHMDirectory
    /// The bytes still allowed to decode (``CHM/decodingBudget(_:)``).
    private var budget: Int
    private var decoder: LZXDecoder?
    /// Where in section 1 the decoder started.
    private var start: Int64 = 0
    /// False when the decoder's input offset is outside the file: libmspack's seek to it then fails for every
    /// file until the decoder restarts.
    private var inputReachable = true

    /// The section of the CHM file `data` with directory `directory`, decoding at most `budget` bytes.
    init(_ data: UnsafeRawBufferPointer, directory: CHMDirectory, budget: Int) {
        self.data = data
        self.directory = directory
        self.budget = budget
    }

    /// Extracts `file` into `member`, keeping at most `limit` bytes; on a failure `member` keeps what was decoded.
    mutating func extract(_ file: CHMEntry, limit: Int, into member: inout ArchiveMember) {
        if decoder == nil || file.offset < start &+ Int64(decoder?.offset ?? 0) {
            decoder = nil
            // A reset table that cannot be read leaves libmspack's error set: the decoder starts (from SpanInfo)
            // but this file fails; the next files use it.
            guard startDecoder(for: file) else { return }
        }
        guard let decoder, inputReachable else { return }
        defer { budget = decoder.budget }
        var produced = 0
        do throws(DecompressionError) {
            let skip = file.offset &- (start &+ Int64(decoder.offset))
            guard skip >= 0, file.length >= 0 else {
                throw DecompressionError(.corrupt, "CHM file outside the compressed stream")
            }
            if skip > 0 { try decoder.decompress(Int(skip)) { _ in } }
            try decoder.decompress(Int(file.length)) { piece in
                let kept = max(0, min(piece.count, limit - member.data.count))
                member.data.append(contentsOf: piece.prefix(kept))
                produced += piece.count
            }
        } catch {
            self.decoder = nil
        }
        member.truncated = produced > member.data.count
    }

    /// Starts a decoder for the stream at the reset point at or before `file` (or at the stream's start, with
    /// its length from SpanInfo, if the reset table has no such entry), as libmspack's `chmd_init_decomp`;
    /// false if that reports a failure.
    @discardableResult
    private mutating func startDecoder(for file: CHMEntry) -> Bool {
        guard let content = directory.content, let control = directory.control, control.length == 28,
            let controlData = systemFile(control), controlData.u32le(4) == 0x4358_5A4C,
            let version = controlData.u32le(8), let interval = controlData.u32le(12),
            let size = controlData.u32le(16)
        else { return false }
        // libmspack's `int` arithmetic, wrapping.
        let resetInterval: Int32
        let windowSize: Int32
        switch version {
        case 1: (resetInterval, windowSize) = (Int32(bitPattern: interval), Int32(bitPattern: size))
        case 2: (resetInterval, windowSize) = (Int32(bitPattern: interval &* 32768), Int32(bitPattern: size &* 32768))
        default: return false
        }
        guard windowSize > 0, windowSize.nonzeroBitCount == 1, (15...21).contains(windowSize.trailingZeroBitCount),
            resetInterval > 0, resetInterval % 32768 == 0
        else { return false }
        var entry = Int32(truncatingIfNeeded: file.offset / Int64(resetInterval))
        entry = entry &* (resetInterval / 32768)
        var length: Int64
        var resetOffset: Int64
        let (found, unreadable) = resetTableEntry(UInt32(bitPattern: entry))
        if let found {
            // The reset table's length is that of the data; the stream is padded to a whole reset interval.
            length = (found.length &+ Int64(resetInterval) &- 1) & -Int64(resetInterval)
            resetOffset = found.offset
        } else {
            guard let spanLength = spanInfoLength() else { return false }
            (entry, length, resetOffset) = (0, spanLength, 0)
        }
        let input = directory.contentOffset &+ content.offset &+ resetOffset
        start = Int64(entry &* 32768)
        let streamLength = length &- start
        // A fresh window is work too: it counts against the budget.
        let windowBytes = Int(windowSize)
        guard streamLength >= 0, budget >= windowBytes else { return false }
        budget -= windowBytes
        inputReachable = input >= 0 && input <= Int64(data.count)
        let stream =
            inputReachable ? UnsafeRawBufferPointer(rebasing: data[Int(input)...]) : .init(start: nil, count: 0)
        decoder = try? LZXDecoder(
            stream, windowBits: windowSize.trailingZeroBitCount, resetInterval: Int(resetInterval / 32768),
            length: Int(streamLength), budget: budget, repeatsTail: true)
        return decoder != nil && !unreadable
    }

    /// The uncompressed length and the compressed offset of frame `entry` from the reset table, or nil if
    /// libmspack would not use it; `unreadable` when the table is listed but cannot be read.
    private func resetTableEntry(_ entry: UInt32) -> (found: (length: Int64, offset: Int64)?, unreadable: Bool) {
        guard let table = directory.resetTable, table.length >= 0x28, table.length <= 1_000_000 else {
            return (nil, false)
        }
        guard let reader = systemFile(table) else { return (nil, true) }
        guard reader.u32le(0x20) == 32768, let length = reader.u64le(0x10), let entries = reader.u32le(4),
            let entrySize = reader.u32le(8), let tableOffset = reader.u32le(12)
        else { return (nil, false) }
        let position = tableOffset &+ entry &* entrySize
        guard entry < entries, Int64(position) <= table.length - Int64(entrySize) else { return (nil, false) }
        let offset: Int64?
        switch entrySize {
        case 4: offset = reader.u32le(Int(position)).map { Int64(Int32(bitPattern: $0)) }
        case 8: offset = reader.u64le(Int(position)).map { Int64(bitPattern: $0) }
        default: offset = nil
        }
        return (offset.map { (Int64(bitPattern: length), $0) }, false)
    }

    /// The uncompressed length in SpanInfo, if positive.
    private func spanInfoLength() -> Int64? {
        guard let spanInfo = directory.spanInfo, spanInfo.length == 8, let reader = systemFile(spanInfo),
            let length = reader.u64le(0).map(Int64.init(bitPattern:)), length > 0
        else { return nil }
        return length
    }

    /// A system file's bytes: it must be in section 0 and wholly in the file.
    private func systemFile(_ file: CHMEntry) -> ByteReader? {
        let start = directory.contentOffset &+ file.offset
        let length = Int64(Int32(truncatingIfNeeded: file.length))
        guard file.section == 0, length >= 0, start >= 0, start <= Int64(data.count),
            length <= Int64(data.count) - start
        else { return nil }
        return ByteReader(UnsafeRawBufferPointer(rebasing: data[Int(start)..<Int(start + length)]))
    }
}
