import CVigilLibc

/// Installers and archives found inside an executable, as clamscan finds them: the files of an
/// InstallShield overlay (read when clamscan parses the PE file), then the objects its raw scan finds by
/// their embedded-type signatures, each unpacked from where it starts: NSIS data, InstallShield MSI files,
/// and cabinets (`MSCF`, as CAB-SFX).
public enum EmbeddedObjects {
    /// The kinds found, with what marks their start.
    enum Kind: CaseIterable {
        case nsis, installShieldMSI, cabinet, autoIt

        var marker: [UInt8] {
            switch self {
            case .nsis: NSIS.signature
            case .installShieldMSI: InstallShieldMSI.marker
            case .cabinet: Array("MSCF".utf8) + [0, 0, 0, 0]
            case .autoIt: AutoIt.marker
            }
        }

        /// The index of the marker's least common byte in executables, searched for first.
        var rareByte: Int {
            switch self {
            case .nsis: 3  // 0xDE
            case .installShieldMSI: 7  // "S"
            case .cabinet: 3  // "F"
            case .autoIt: 3  // 0xBE
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
            case .autoIt:
                AutoIt.forEachFile(in: UnsafeRawBufferPointer(rebasing: data[offset...]), maximumSize: maximumSize,
                    visitMember)
            case .cabinet:
                try? ArchiveReader.forEachMember(
                    in: UnsafeRawBufferPointer(rebasing: data[offset...]), as: .archive,
                    maximumSize: maximumSize, visitMember)
            }
            if !going { return }
        }
    }

    /// Where each kind's marker occurs (an executable's own header excluded), in file order: `memchr` for the
    /// marker's rarest byte, then a comparison.
    static func find(in data: UnsafeRawBufferPointer) -> [(Kind, Int)] {
        guard let base = data.baseAddress else { return [] }
        var found: [(Kind, Int)] = []
        for kind in Kind.allCases {
            let marker = kind.marker
            var position = 1
            while position < data.count,
                let hit = marker.withUnsafeBytes({
                    cvigil_find_rare(base + position, data.count - position, $0.baseAddress, $0.count, kind.rareByte)
                })
            {
                let start = base.distance(to: UnsafeRawPointer(hit))
                found.append((kind, start))
                position = start + marker.count
            }
        }
        return found.sorted { $0.1 < $1.1 }
    }
}
