/// The files an older (non-MSI) InstallShield installer appends to its executable, as clamscan's
/// `cli_scanishield` reads a 32-bit PE file's overlay: for each file four NUL-terminated strings (name,
/// path, version, decimal size), then its bytes. Reading stops at the first entry that does not parse.
/// The InstallShield cabinets among them (`data1.hdr`, `dataN.cab`) give the files they hold.
public enum InstallShieldOverlay {
    static let maximumString = 2048

    /// Calls `visit` with each file of the overlay of the PE file in `data`, in order, each at most
    /// `maximumSize` bytes, until it returns false.
    public static func forEachFile(in data: UnsafeRawBufferPointer, maximumSize: Int, _ visit: (ArchiveMember) -> Bool)
    {
        guard let pe = PortableExecutable.parse(data), !pe.is64 else { return }
        let overlay = pe.sections.filter { $0.rawSize > 0 }.map { Int($0.rawOffset) + Int($0.rawSize) }.max() ?? 0
        guard overlay > 0, overlay < data.count else { return }
        var header: (name: String, range: Range<Int>)?
        var cabinets: [Int: (name: String, range: Range<Int>)] = [:]
        var index = 0
        func give(_ name: String, _ range: Range<Int>) -> Bool {
            defer { index += 1 }
            return visit(
                ArchiveMember(
                    name: name, data: Array(data[range].prefix(maximumSize)),
                    truncated: range.count > maximumSize, isEncrypted: false, size: range.count, index: index))
        }
        for (name, range) in entries(data, from: overlay) {
            if header == nil, name.lowercased() == "data1.hdr" {
                header = (name, range)
            } else if let number = cabinetNumber(name), cabinets[number] == nil {
                cabinets[number] = (name, range)
            } else if !range.isEmpty, !give(name, range) {
                return
            }
        }
        // The cabinets' files; the header and cabinets themselves when none could be read (as clamscan).
        if let header, !cabinets.isEmpty {
            let files = InstallShieldCabinet.files(
                header: UnsafeRawBufferPointer(rebasing: data[header.range]),
                cabinets: cabinets.mapValues { UnsafeRawBufferPointer(rebasing: data[$0.range]) },
                maximumSize: maximumSize)
            if !files.isEmpty {
                for file in files where !visit(file) { return }
                return
            }
        }
        for (name, range) in [header].compactMap({ $0 }) + cabinets.keys.sorted().compactMap({ cabinets[$0] })
        where !give(name, range) {
            return
        }
    }

    /// The overlay's entries from `start`: names and where their bytes lie, up to the first that does not parse.
    static func entries(_ data: UnsafeRawBufferPointer, from start: Int) -> [(name: String, range: Range<Int>)] {
        var entries: [(name: String, range: Range<Int>)] = []
        var offset = start
        while true {
            var strings: [String] = []
            for _ in 0..<4 {
                let limit = min(data.count, offset + maximumString)
                guard offset < limit, let end = data[offset..<limit].firstIndex(of: 0) else { return entries }
                strings.append(String(decoding: UnsafeRawBufferPointer(rebasing: data[offset..<end]), as: UTF8.self))
                offset = end + 1
            }
            let digits = strings[3].utf8
            guard !digits.isEmpty, digits.count <= 12, digits.allSatisfy({ (48...57).contains($0) }),
                let size = Int(strings[3]), size < data.count - offset
            else { return entries }
            entries.append((strings[0], offset..<(offset + size)))
            offset += size
        }
    }

    /// N for a name `dataN.cab` (any case, 0 < N < 65536).
    static func cabinetNumber(_ name: String) -> Int? {
        let lower = name.lowercased()
        guard lower.hasPrefix("data"), lower.hasSuffix(".cab") else { return nil }
        let digits = lower.dropFirst(4).dropLast(4)
        guard let number = Int(digits), !digits.isEmpty, digits.allSatisfy(\.isNumber), (1..<65536).contains(number)
        else { return nil }
        return number
    }
}
