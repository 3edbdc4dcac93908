/// Nullsoft (NSIS) installers, as clamscan's `nulsft.c` unpacks them: a first header (flags, 0xDEADBEEF,
/// `NullsoftInst`, header size, archive size), then the data blocks. Each block is a member: the install
/// script first, then the files.
///
/// - Not solid: each block is its length (bit 31: compressed) and its bytes, compressed on its own.
/// - Solid: the data is one compressed stream, holding each block as its length and bytes.
///
/// LZMA and deflate are read (LZMA through libarchive); NSIS's bzip2 variant is not yet.
public enum NSIS {
    static let signature: [UInt8] = [0xEF, 0xBE, 0xAD, 0xDE] + Array("NullsoftInst".utf8)

    /// How the blocks are compressed.
    enum Compression { case lzma, deflate, bzip2 }

    /// Calls `visit` with each block in order, each at most `maximumSize` bytes, until it returns false;
    /// `data` starts at the first header.
    public static func forEachBlock(in data: UnsafeRawBufferPointer, maximumSize: Int, _ visit: (ArchiveMember) -> Bool)
    {
        let reader = ByteReader(data)
        guard reader.hasBytes(signature, at: 4), let archiveSize = reader.u32le(24).map(Int.init) else { return }
        let end = min(data.count, max(28, archiveSize))
        let blocks = UnsafeRawBufferPointer(rebasing: data[28..<end])
        guard let first = ByteReader(blocks).u32le(0) else { return }
        var index = 0
        func give(_ bytes: [UInt8], size: Int) -> Bool {
            defer { index += 1 }
            return visit(
                ArchiveMember(
                    name: index == 0 ? "NSIS script" : "NSIS block \(index)",
                    data: Array(bytes.prefix(maximumSize)), truncated: size > maximumSize, isEncrypted: false,
                    size: size,
                    index: index))
        }
        if isChained(blocks) || first == reader.u32le(20) {
            // Not solid: length-prefixed blocks, each compressed on its own.
            var offset = 0
            while let word = ByteReader(blocks).u32le(offset) {
                let length = Int(word & 0x7FFF_FFFF)
                guard length > 0, offset + 4 + length <= blocks.count else { return }
                let body = UnsafeRawBufferPointer(rebasing: blocks[(offset + 4)..<(offset + 4 + length)])
                offset += 4 + length
                if word & 0x8000_0000 == 0 {
                    if !give(Array(body.prefix(maximumSize)), size: length) { return }
                } else if let output = decompress(body, maximumSize: maximumSize) {
                    if !give(output.bytes, size: output.size) { return }
                }
            }
        } else if let output = decompress(blocks, maximumSize: Int.max / 2) {
            // Solid: one stream of length-prefixed blocks.
            output.bytes.withUnsafeBytes { stream in
                var offset = 0
                while let length = ByteReader(stream).u32le(offset).map(Int.init), length > 0 {
                    let start = offset + 4
                    let stop = start + min(length, stream.count - start)
                    offset = stop
                    if !give(Array(stream[start..<stop]), size: length) || stop == stream.count { return }
                }
            }
        }
    }

    /// Whether the data is a chain of length-prefixed blocks reaching its end (a CRC may follow), rather
    /// than one solid stream (whose compression header may look like a first length).
    static func isChained(_ blocks: UnsafeRawBufferPointer) -> Bool {
        let reader = ByteReader(blocks)
        var offset = 0
        while let word = reader.u32le(offset), word & 0x7FFF_FFFF > 0 {
            let next = offset + 4 + Int(word & 0x7FFF_FFFF)
            guard next <= blocks.count else { break }
            offset = next
        }
        return offset > 0 && offset >= blocks.count - 4
    }

    /// The compression a block or stream starts with, as clamscan guesses it.
    static func compression(of bytes: UnsafeRawBufferPointer) -> Compression {
        let reader = ByteReader(bytes)
        if reader.u8(0) == 0x5D, reader.u8(1) == 0, reader.u8(2) == 0 { return .lzma }
        if reader.u8(0) == UInt8(ascii: "1") { return .bzip2 }
        return .deflate
    }

    /// A block or stream decompressed, at most `maximumSize` bytes (and whether more was cut); `nil` when it
    /// cannot be decompressed.
    static func decompress(_ bytes: UnsafeRawBufferPointer, maximumSize: Int) -> (bytes: [UInt8], size: Int)? {
        switch compression(of: bytes) {
        case .lzma:
            // The properties byte and the dictionary size, then the data.
            let reader = ByteReader(bytes)
            guard bytes.count > 5, let properties = reader.u8(0), let dictionary = reader.u32le(1) else { return nil }
            return LZMA.decompress(
                UnsafeRawBufferPointer(rebasing: bytes[5...]), properties: properties, dictionarySize: dictionary,
                maximumSize: maximumSize
            ).map { ($0.bytes, $0.truncated ? maximumSize + 1 : $0.bytes.count) }
        case .deflate:
            guard let output = try? Inflate.decompress(bytes, format: .raw, maxOutputSize: maximumSize) else {
                return nil
            }
            return (output.bytes, output.bytes.count)
        case .bzip2:
            return nil
        }
    }
}
