/// The files of an MSI-based InstallShield installer, as clamscan's `cli_scanishield_msi` reads them: after
/// `InstallShield\0`, a 32-byte header (file count, then zeros), then for each file a 312-byte block (the
/// name in 260 bytes, the stored size at offset 268) and its stored bytes: each byte's nibbles swapped and
/// XORed with the name (itself XORed with `EC CA 79 F8`), the result a zlib stream.
public enum InstallShieldMSI {
    static let marker = Array("InstallShield".utf8) + [0]
    static let nameKey: [UInt8] = [0xEC, 0xCA, 0x79, 0xF8]
    static let blockSize = 312

    /// Calls `visit` with each file in order, each at most `maximumSize` bytes, until it returns false; `data`
    /// starts at the `InstallShield` marker.
    public static func forEachFile(in data: UnsafeRawBufferPointer, maximumSize: Int, _ visit: (ArchiveMember) -> Bool)
    {
        let reader = ByteReader(data)
        let header = marker.count
        guard reader.hasBytes(marker), let count = reader.u32le(header),
            (2..<8).allSatisfy({ reader.u32le(header + 4 * $0) == 0 })
        else { return }
        var offset = header + 0x20
        for index in 0..<Int(count) {
            guard reader.contains(offset, blockSize), let stored = reader.u64le(offset + 268),
                stored <= UInt64(data.count - offset - blockSize)
            else { return }
            let nameBytes = Array(data[offset..<(offset + 259)].prefix { $0 != 0 })
            guard !nameBytes.isEmpty else { return }
            let start = offset + blockSize
            offset = start + Int(stored)
            let key = nameBytes.enumerated().map { $0.element ^ nameKey[$0.offset & 3] }
            var plain = [UInt8](repeating: 0, count: Int(stored))
            for i in 0..<plain.count {
                let byte = data[start + i]
                plain[i] = (byte >> 4 | byte << 4) ^ key[(i & 0x3FF) % key.count]
            }
            let name = String(decoding: nameBytes, as: UTF8.self)
            var member = ArchiveMember(
                name: name, data: [], truncated: false, isEncrypted: false, size: 0, index: index)
            do {
                member.data = try Inflate.decompress(plain, format: .zlib, maxOutputSize: maximumSize).bytes
                member.size = member.data.count
            } catch  where error.code == .outputLimitExceeded {
                member.truncated = true
                member.size = maximumSize + 1
            } catch {
                continue
            }
            if !visit(member) { return }
        }
    }
}
