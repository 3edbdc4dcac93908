/// What an executable's parser hands on to be scanned before the file's own content: for a PE file, as
/// clamscan's, the files of an InstallShield overlay, then a UPX-packed file's unpacked form; for an ELF
/// file, a UPX-packed file's unpacked form (clamscan does not unpack those).
public enum ExecutableMembers {
    /// Calls `visit` with the members the PE or ELF file in `data` yields, each at most `maximumSize` bytes,
    /// until it returns false.
    public static func forEachMember(
        in data: UnsafeRawBufferPointer, maximumSize: Int, _ visit: (ArchiveMember) -> Bool
    ) {
        if ByteReader(data).u32le(0) == 0x464C_457F {
            guard let unpacked = UPX.unpackELF(data, maximumSize: maximumSize) else { return }
            _ = visit(
                ArchiveMember(
                    name: "UPX unpacked", data: unpacked, truncated: false, isEncrypted: false,
                    size: unpacked.count, index: 0))
            return
        }
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
