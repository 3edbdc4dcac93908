/// Transport Neutral Encapsulation Format (`winmail.dat`), as clamscan's `tnef.c` reads it: a signature and
/// key, then attributes (level, identifier, length, data, checksum); each attachment's data
/// (`attAttachData`) is a member, named by the `attAttachTitle` before it.
public enum TNEF {
    static let signature: UInt32 = 0x223E_9F78
    static let attachTitle: UInt32 = 0x0001_8010
    static let attachData: UInt32 = 0x0006_800F
    static let attachmentLevel: UInt8 = 2

    /// Calls `visit` with each attachment in order, each at most `maximumSize` bytes, until it returns false.
    /// Reading stops at the first attribute that runs past the end.
    public static func forEachAttachment(
        in data: UnsafeRawBufferPointer, maximumSize: Int,
        _ visit: (ArchiveMember) -> Bool
    ) {
        let reader = ByteReader(data)
        guard reader.u32le(0) == signature else { return }
        var offset = 6
        var title = ""
        var index = 0
        while let level = reader.u8(offset), let identifier = reader.u32le(offset + 1),
            let length = reader.u32le(offset + 5).map(Int.init)
        {
            let start = offset + 9
            let end = start + min(length, data.count - start)
            let value = UnsafeRawBufferPointer(rebasing: data[start..<end])
            if level == attachmentLevel, identifier == attachTitle {
                title = reader.cString(at: start, limit: end)
            } else if level == attachmentLevel, identifier == attachData {
                let kept = min(value.count, maximumSize)
                let member = ArchiveMember(
                    name: title, data: Array(value[0..<kept]), truncated: length > maximumSize,
                    isEncrypted: false, size: length, index: index)
                index += 1
                title = ""
                if !visit(member) { return }
            }
            guard end == start + length else { return }
            offset = end + 2
        }
    }
}
