/// Installers and archives found inside an executable, as clamscan finds them: the files of an
/// InstallShield overlay (read when clamscan parses the PE file), then the objects its raw scan finds by
/// their embedded-type signatures, each unpacked from where it starts: NSIS data, InstallShield MSI files,
/// and cabinets (`MSCF`, as CAB-SFX).
public enum EmbeddedObjects {
    /// The kinds found, with what marks their start.
    enum Kind: CaseIterable {
        case nsis, installShieldMSI, cabinet

        var marker: [UInt8] {
            switch self {
            case .nsis: NSIS.signature
            case .installShieldMSI: InstallShieldMSI.marker
            case .cabinet: Array("MSCF".utf8) + [0, 0, 0, 0]
            }
        }
    }

    /// Calls `visit` with the members of each object embedded in `data`, in file order, each at most
    /// `maximumSize` bytes, until it returns false.
    public static func forEachMember(
        in data: UnsafeRawBufferPointer, maximumSize: Int, _ visit: (ArchiveMember) -> Bool
    ) {
        var going = true
        InstallShieldOverlay.forEachFile(in: data, maximumSize: maximumSize) { member in
            going = visit(member)
            return going
        }
        guard going else { return }
        for (kind, offset) in find(in: data) {
            let visitMember: (ArchiveMember) -> Bool = { member in
                going = visit(member)
                return going
            }
            switch kind {
            case .nsis:
                guard offset >= 4 else { continue }
                NSIS.forEachBlock(
                    in: UnsafeRawBufferPointer(rebasing: data[(offset - 4)...]), maximumSize: maximumSize,
                    visitMember)
            case .installShieldMSI:
                InstallShieldMSI.forEachFile(
                    in: UnsafeRawBufferPointer(rebasing: data[offset...]),
                    maximumSize: maximumSize, visitMember)
            case .cabinet:
                try? ArchiveReader.forEachMember(
                    in: UnsafeRawBufferPointer(rebasing: data[offset...]), as: .archive,
                    maximumSize: maximumSize, visitMember)
            }
            if !going { return }
        }
    }

    /// Where each kind's marker occurs (an executable's own header excluded), in file order.
    static func find(in data: UnsafeRawBufferPointer) -> [(Kind, Int)] {
        var found: [(Kind, Int)] = []
        for kind in Kind.allCases {
            let marker = kind.marker
            var position = 1
            while let start = data.firstRange(of: marker, from: position) {
                found.append((kind, start))
                position = start + marker.count
            }
        }
        return found.sorted { $0.1 < $1.1 }
    }
}

extension UnsafeRawBufferPointer {
    /// Where `needle` next occurs at or after `position`.
    func firstRange(of needle: [UInt8], from position: Int) -> Int? {
        guard let first = needle.first, needle.count <= count else { return nil }
        var i = position
        let last = count - needle.count
        while i <= last {
            guard let candidate = self[i...last].firstIndex(of: first) else { return nil }
            var k = 1
            while k < needle.count, self[candidate + k] == needle[k] { k += 1 }
            if k == needle.count { return candidate }
            i = candidate + 1
        }
        return nil
    }
}
