/// The files an older (non-MSI) InstallShield installer appends to its executable, as clamscan's
/// `cli_scanishield` reads a 32-bit PE file's overlay: for each file four NUL-terminated strings (name,
/// path, version, decimal size), then its bytes. Reading stops at the first entry that does not parse.
/// The InstallShield cabinets among them (`data1.hdr`, `dataN.cab`) are given as they are.
public enum InstallShieldOverlay {
    static let maximumString = 2048

    /// Calls `visit` with each file of the overlay of the PE file in `data`, in order, each at most
    /// `maximumSize` bytes, until it returns false.
    public static func forEachFile(in data: UnsafeRawBufferPointer, maximumSize: Int, _ visit: (ArchiveMember) -> Bool)
    {
        guard let pe = PortableExecutable.parse(data), !pe.is64 else { return }
        let overlay = pe.sections.filter { $0.rawSize > 0 }.map { Int($0.rawOffset) + Int($0.rawSize) }.max() ?? 0
        guard overlay > 0, overlay < data.count else { return }
        var offset = overlay
        var index = 0
        while true {
            var strings: [String] = []
            for _ in 0..<4 {
                let limit = min(data.count, offset + maximumString)
                guard offset < limit, let end = data[offset..<limit].firstIndex(of: 0) else { return }
                strings.append(String(decoding: UnsafeRawBufferPointer(rebasing: data[offset..<end]), as: UTF8.self))
                offset = end + 1
            }
            let digits = strings[3].utf8
            guard !digits.isEmpty, digits.count <= 12, digits.allSatisfy({ (48...57).contains($0) }),
                let size = Int(strings[3]), size < data.count - offset
            else { return }
            let member = ArchiveMember(
                name: strings[0], data: Array(data[offset..<(offset + min(size, maximumSize))]),
                truncated: size > maximumSize, isEncrypted: false, size: size, index: index)
            offset += size
            index += 1
            if size > 0, !visit(member) { return }
        }
    }
}
