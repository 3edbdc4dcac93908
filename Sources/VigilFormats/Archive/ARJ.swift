/// ARJ archives, as clamscan's `unarj.c` reads them: a main header, then a local header per file (ID 0x60EA,
/// basic header, CRC, extended headers) followed by its packed data, until a header of size 0. Files of
/// method 0 are stored, 1–3 and 4 are decompressed by ``ARJDecoder``; garbled (password) files are flagged
/// encrypted and not read.
public enum ARJ {
    static let headerID: UInt16 = 0xEA60
    static let garbled: UInt8 = 0x01
    static let directoryType: UInt8 = 3

    /// Calls `visit` with each file in order, each at most `maximumSize` bytes, until it returns false.
    public static func forEachFile(in data: UnsafeRawBufferPointer, maximumSize: Int, _ visit: (ArchiveMember) -> Bool)
    {
        let reader = ByteReader(data)
        guard var offset = header(reader, at: 0)?.next else { return }
        var index = 0
        while let (basic, dataStart) = header(reader, at: offset) {
            guard let flags = reader.u8(basic + 4), let method = reader.u8(basic + 5), let type = reader.u8(basic + 6),
                let packed = reader.u32le(basic + 12).map(Int.init), let size = reader.u32le(basic + 16).map(Int.init),
                let nameStart = reader.u8(basic).map({ basic + Int($0) })
            else { return }
            let end = dataStart + min(packed, data.count - dataStart)
            offset = end
            guard type != directoryType else { continue }
            let input = UnsafeRawBufferPointer(rebasing: data[dataStart..<end])
            let encrypted = flags & garbled != 0
            var content: [UInt8] = []
            if !encrypted {
                switch method {
                case 0: content = Array(input.prefix(min(size, maximumSize)))
                case 1...3: content = ARJDecoder.decode(input, size: size, maximumSize: maximumSize)
                case 4: content = ARJDecoder.decodeFastest(input, size: size, maximumSize: maximumSize)
                default: break
                }
            }
            let member = ArchiveMember(
                name: reader.cString(at: nameStart, limit: dataStart), data: content,
                truncated: size > maximumSize, isEncrypted: encrypted, size: size, index: index)
            index += 1
            if !visit(member) || end == data.count { return }
        }
    }

    /// The header at `offset`: where its basic header starts and where what follows it (the file's data)
    /// starts; `nil` at the end-of-archive header or a damaged one.
    static func header(_ reader: ByteReader, at offset: Int) -> (basic: Int, next: Int)? {
        guard reader.u16le(offset) == headerID, let size = reader.u16le(offset + 2).map(Int.init), size > 0,
            size <= 2600, reader.contains(offset + 4, size + 4)
        else { return nil }
        var next = offset + 4 + size + 4
        // Extended headers: a size, then that many bytes and a CRC, until a size of 0.
        while let extended = reader.u16le(next).map(Int.init) {
            next += 2
            if extended == 0 { return (offset + 4, next) }
            next += extended + 4
        }
        return nil
    }
}
