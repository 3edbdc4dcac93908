/// Raw LZMA streams (LZMA1 data after a properties byte, without an `.lzma` file's header), as NSIS and UPX
/// store them, decoded through libarchive by wrapping them in an LZMA-alone header.
enum LZMA {
    /// The properties byte for literal context bits `lc`, literal position bits `lp` and position bits `pb`;
    /// `nil` when out of LZMA's ranges.
    static func properties(lc: Int, lp: Int, pb: Int) -> UInt8? {
        guard (0...8).contains(lc), (0...4).contains(lp), (0...4).contains(pb) else { return nil }
        return UInt8((pb * 5 + lp) * 9 + lc)
    }

    /// The data decoded with `properties` and a dictionary of `dictionarySize` bytes, at most `maximumSize`
    /// bytes, and whether more was cut; `size`, when known, ends the stream without an end marker. Output
    /// decoded before any damage is kept; `nil` when nothing decodes.
    static func decompress(
        _ data: UnsafeRawBufferPointer, properties: UInt8, dictionarySize: UInt32, size: Int? = nil,
        maximumSize: Int
    ) -> (bytes: [UInt8], truncated: Bool)? {
        let declared = size.map { UInt64($0) } ?? UInt64.max
        // libarchive takes a stream for LZMA-alone only when its dictionary size is a power of two (or 1.5
        // times one): any other is rounded up.
        let bits = dictionarySize.nonzeroBitCount
        let valid = bits == 1 || (bits == 2 && dictionarySize & (dictionarySize >> 1) != 0)
        let dictionary = valid ? dictionarySize : UInt32(1) << min(31, 32 - dictionarySize.leadingZeroBitCount)
        var stream = [properties]
        stream += (0..<4).map { UInt8(truncatingIfNeeded: dictionary >> (8 * $0)) }
        stream += (0..<8).map { UInt8(truncatingIfNeeded: declared >> (8 * UInt64($0))) }
        stream += data
        var member: ArchiveMember?
        try? stream.withUnsafeBytes {
            try ArchiveReader.forEachMember(in: $0, as: .compressedStream, maximumSize: maximumSize) {
                member = $0
                return false
            }
        }
        guard let member, !member.data.isEmpty else { return nil }
        return (member.data, member.truncated)
    }
}
