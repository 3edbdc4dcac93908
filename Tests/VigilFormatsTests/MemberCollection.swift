import VigilFormats

/// Every member a reader gives for `bytes`: `read` gets the bytes and a visitor that keeps each member.
func members(of bytes: [UInt8], _ read: (UnsafeRawBufferPointer, (ArchiveMember) -> Bool) -> Void) -> [ArchiveMember] {
    var members: [ArchiveMember] = []
    bytes.withUnsafeBytes { data in
        read(data) {
            members.append($0)
            return true
        }
    }
    return members
}
