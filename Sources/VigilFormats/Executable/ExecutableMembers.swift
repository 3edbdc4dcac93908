/// What clamscan's PE parser hands on to be scanned before the file's own content: the files of an
/// InstallShield overlay, then a UPX-packed file's unpacked form.
public enum ExecutableMembers {
    /// Calls `visit` with the members the PE file in `data` yields, each at most `maximumSize` bytes, until it
    /// returns false.
    public static func forEachMember(
        in data: UnsafeRawBufferPointer, maximumSize: Int, _ visit: (ArchiveMember) -> Bool
    ) {
        var going = true
        InstallShieldOverlay.forEachFile(in: data, maximumSize: maximumSize) { member in
            going = visit(member)
            return going
        }
        guard going, let unpacked = UPX.unpack(data, maximumSize: maximumSize) else { return }
        _ = visit(
            ArchiveMember(
                name: "UPX unpacked", data: unpacked, truncated: false, isEncrypted: false, size: unpacked.count,
                index: 0))
    }
}
