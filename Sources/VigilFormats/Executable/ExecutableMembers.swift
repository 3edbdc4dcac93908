/// What an executable's parser hands on to be scanned before the file's own content: for a PE file, as
/// clamscan's, the files of an InstallShield overlay, then a UPX-packed file's unpacked form; for an ELF
/// file, a UPX-packed file's unpacked form (clamscan does not unpack those).
public enum ExecutableMembers {
    /// Calls `visit` with the members the PE or ELF file in `data` yields, each at most `maximumSize` bytes,
    /// until it returns false.
    public static func forEachMember(
        in data: UnsafeRawBufferPointer, maximumSize: Int, _ visit: (ArchiveMember) -> Bool
    ) {
        func visitUnpacked(_ unpacked: [UInt8]) {
            _ = visit(
                ArchiveMember(
                    name: "UPX unpacked", data: unpacked, truncated: false, isEncrypted: false,
                    size: unpacked.count, index: 0))
        }
        if ByteReader(data).u32le(0) == 0x464C_457F {
            UPX.unpackELF(data, maximumSize: maximumSize).map(visitUnpacked)
            return
        }
        var going = true
        InstallShieldOverlay.forEachFile(in: data, maximumSize: maximumSize) { member in
            going = visit(member)
            return going
        }
        guard going else { return }
        UPX.unpack(data, maximumSize: maximumSize).map(visitUnpacked)
    }
}
