/// Symbian installation files of EPOC releases 3 to 6 (`.sis`, UID3 0x10000419), as clamscan's `sis.c` reads
/// them: a header giving the languages and the file records; each file, zlib-compressed unless the header
/// says otherwise, is a member once per language. Symbian 9 `SISX` files are a different format, not read.
public enum SIS {
    static let release6: UInt32 = 0x1000_3A12
    static let noCompression: UInt16 = 0x0008

    /// Calls `visit` with each file of each language in order, each at most `maximumSize` bytes, until it
    /// returns false. A file whose data is damaged is given as stored.
    public static func forEachFile(in data: UnsafeRawBufferPointer, maximumSize: Int, _ visit: (ArchiveMember) -> Bool)
    {
        let reader = ByteReader(data)
        guard reader.u32le(8) == 0x1000_0419, let languages = reader.u16le(18).map(Int.init),
            let files = reader.u16le(20).map(Int.init), let options = reader.u16le(36),
            var record = reader.u32le(52).map(Int.init)
        else { return }
        let hasOriginalLengths = reader.u32le(4) == release6
        let compressed = options & noCompression == 0
        var index = 0
        for _ in 0..<files {
            guard let type = reader.u32le(record) else { return }
            switch type {
            case 0, 1:
                // Simple (one copy) or multi-language (one per language): type, file type, details, source
                // and destination names, then lengths and offsets.
                let copies = type == 0 ? 1 : max(languages, 1)
                guard let nameLength = reader.u32le(record + 20).map(Int.init),
                    let nameOffset = reader.u32le(record + 24).map(Int.init)
                else { return }
                let name =
                    reader.contains(nameOffset, nameLength)
                    ? fileName(
                        UnsafeRawBufferPointer(rebasing: data[nameOffset..<(nameOffset + nameLength)]),
                        unicode: options & 1 != 0) : ""
                let table = record + 28
                for copy in 0..<copies {
                    guard let length = reader.u32le(table + 4 * copy).map(Int.init),
                        let offset = reader.u32le(table + 4 * (copies + copy)).map(Int.init)
                    else { return }
                    guard reader.contains(offset, length) else { continue }
                    let stored = UnsafeRawBufferPointer(rebasing: data[offset..<(offset + length)])
                    let member = file(
                        stored, compressed: compressed, name: name, maximumSize: maximumSize, index: index)
                    index += 1
                    if !visit(member) { return }
                }
                record = table + 4 * copies * (hasOriginalLengths ? 3 : 2)
            default:
                return  // options, conditions: clamscan stops at them too
            }
        }
    }

    /// A file's member: inflated when compressed (at most `maximumSize` bytes), the stored bytes otherwise
    /// or when inflating fails.
    static func file(_ stored: UnsafeRawBufferPointer, compressed: Bool, name: String, maximumSize: Int, index: Int)
        -> ArchiveMember
    {
        if compressed {
            do {
                let output = try Inflate.decompress(stored, format: .zlib, maxOutputSize: maximumSize)
                return ArchiveMember(
                    name: name, data: output.bytes, truncated: false, isEncrypted: false,
                    size: output.bytes.count, index: index)
            } catch  where error.code == .outputLimitExceeded {
                return ArchiveMember(
                    name: name, data: [], truncated: true, isEncrypted: false, size: maximumSize + 1,
                    index: index)
            } catch {}
        }
        return ArchiveMember(
            name: name, data: Array(stored.prefix(maximumSize)), truncated: stored.count > maximumSize,
            isEncrypted: false, size: stored.count, index: index)
    }

    /// A destination name: UTF-16LE in Unicode files, else 8-bit text.
    static func fileName(_ bytes: UnsafeRawBufferPointer, unicode: Bool) -> String {
        guard unicode else { return String(decoding: bytes, as: UTF8.self) }
        let units = (0..<(bytes.count / 2)).map { UInt16(bytes[2 * $0]) | UInt16(bytes[2 * $0 + 1]) << 8 }
        return String(decoding: units, as: UTF16.self)
    }
}
