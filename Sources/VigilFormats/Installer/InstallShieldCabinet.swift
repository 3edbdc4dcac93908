/// InstallShield cabinets (`data1.hdr` with `dataN.cab`), as clamscan's `is_parse_hdr` reads them: the
/// header (`ISc(`, then the offset of its object table) lists files (87-byte items: flags, size, stored
/// size, offset in the cabinet, name, cabinet number); an internal file (flags 4) that is not a duplicate
/// is stored as chunks, each a 16-bit length and raw deflate data inflated on its own.
public enum InstallShieldCabinet {
    static let magic: UInt32 = 0x2863_5349
    static let itemSize = 87

    /// The files `header` lists that `cabinets` (by number) hold, each at most `maximumSize` bytes.
    public static func files(header: UnsafeRawBufferPointer, cabinets: [Int: UnsafeRawBufferPointer], maximumSize: Int)
        -> [ArchiveMember]
    {
        let reader = ByteReader(header)
        guard reader.u32le(0) == magic, let dataOffset = reader.u32le(12).map(Int.init),
            let directories = reader.u32le(dataOffset + 12).map(Int.init),
            let count = reader.u32le(dataOffset + 40).map(Int.init),
            let directorySize = reader.u32le(dataOffset + 44).map(Int.init)
        else { return [] }
        let strings = dataOffset + directories
        var item = strings + directorySize
        var files: [ArchiveMember] = []
        for _ in 0..<count {
            guard reader.contains(item, itemSize), let flags = reader.u16le(item),
                let size = reader.u64le(item + 2).map(Int.init(clamping:)),
                let stored = reader.u64le(item + 10).map(Int.init(clamping:)),
                let offset = reader.u64le(item + 18).map(Int.init(clamping:)),
                let nameOffset = reader.u32le(item + 58).map(Int.init), let duplicate = reader.u8(item + 84),
                let number = reader.u16le(item + 85).map(Int.init)
            else { break }
            item += itemSize
            guard flags == 4, duplicate & 1 == 0, size > 0, let cabinet = cabinets[number], offset >= 0,
                stored <= cabinet.count, offset <= cabinet.count - stored
            else { continue }
            let name = reader.cString(at: strings + nameOffset)
            guard stored <= maximumSize else {
                files.append(
                    ArchiveMember(
                        name: name, data: [], truncated: true, isEncrypted: false, size: size,
                        index: files.count))
                continue
            }
            let data = inflateChunks(
                UnsafeRawBufferPointer(rebasing: cabinet[offset..<(offset + stored)]),
                maximumSize: maximumSize)
            files.append(
                ArchiveMember(
                    name: name, data: data, truncated: data.count >= maximumSize && size > maximumSize,
                    isEncrypted: false, size: size, index: files.count))
        }
        return files
    }

    /// Chunks of raw deflate data, each after its 16-bit length, inflated one by one and joined.
    static func inflateChunks(_ stored: UnsafeRawBufferPointer, maximumSize: Int) -> [UInt8] {
        var output: [UInt8] = []
        var offset = 0
        let reader = ByteReader(stored)
        while let length = reader.u16le(offset).map(Int.init), output.count < maximumSize {
            offset += 2
            guard length > 0 else { continue }
            guard offset + length <= stored.count else { break }
            let chunk = UnsafeRawBufferPointer(rebasing: stored[offset..<(offset + length)])
            offset += length
            let (inflated, error) = Inflate.decompressPartially(
                chunk, format: .raw,
                maxOutputSize: maximumSize - output.count)
            output += inflated.bytes
            if let error, error.code != .truncated { break }
        }
        return output
    }
}
