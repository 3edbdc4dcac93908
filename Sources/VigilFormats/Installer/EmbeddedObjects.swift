import CVigilLibc

/// Installers and archives found inside an executable, as clamscan finds them: the files of an
/// InstallShield overlay (read when clamscan parses the PE file), then the objects its raw scan finds by
/// their embedded-type signatures, each unpacked from where it starts: NSIS data, InstallShield MSI files,
/// cabinets (`MSCF`, as CAB-SFX), the first embedded executable; and a UPX-packed file's unpacked form.
public enum EmbeddedObjects {
    /// The kinds found, with what marks their start.
    enum Kind: CaseIterable {
        case nsis, installShieldMSI, cabinet, autoIt, executable

        var marker: [UInt8] {
            switch self {
            case .nsis: NSIS.signature
            case .installShieldMSI: InstallShieldMSI.marker
            case .cabinet: Array("MSCF".utf8) + [0, 0, 0, 0]
            case .autoIt: AutoIt.marker
            case .executable: Array("PE".utf8) + [0, 0]
            }
        }

        /// The index of the marker's least common byte in executables, searched for first.
        var rareByte: Int {
            switch self {
            case .nsis: 3  // 0xDE
            case .installShieldMSI: 7  // "S"
            case .cabinet: 3  // "F"
            case .autoIt: 3  // 0xBE
            case .executable: 1  // "E"
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
        if let unpacked = UPX.unpack(data, maximumSize: maximumSize) {
            let member = ArchiveMember(
                name: "UPX unpacked", data: unpacked, truncated: false, isEncrypted: false,
                size: unpacked.count, index: 0)
            guard visit(member) else { return }
        }
        var foundExecutable = false
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
                AutoIt.forEachFile(
                    in: UnsafeRawBufferPointer(rebasing: data[offset...]), maximumSize: maximumSize,
                    visitMember)
            case .executable:
                guard !foundExecutable, let range = executable(in: data, signature: offset) else { continue }
                foundExecutable = true
                going = visit(
                    ArchiveMember(
                        name: "executable@\(range.lowerBound)", data: Array(data[range]),
                        truncated: false, isEncrypted: false, size: range.count, index: 0))
            case .cabinet:
                try? ArchiveReader.forEachMember(
                    in: UnsafeRawBufferPointer(rebasing: data[offset...]), as: .archive,
                    maximumSize: maximumSize, visitMember)
            }
            if !going { return }
        }
    }

    /// The first executable embedded in `data` after its start (clamscan scans only the first: later ones
    /// are found inside it in turn).
    static func firstExecutable(in data: UnsafeRawBufferPointer) -> Range<Int>? {
        find(in: data).lazy.compactMap { $0.0 == .executable ? executable(in: data, signature: $0.1) : nil }.first
    }

    /// The PE file whose `PE\0\0` signature is at `signature`, if an `MZ` header after the data's start points
    /// at it (e_lfanew 62...302, as clamscan's embedded-PE pattern) and its headers parse: from its `MZ` to the
    /// end of the data, as clamscan's `cli_scanembpe` extracts it.
    static func executable(in data: UnsafeRawBufferPointer, signature: Int) -> Range<Int>? {
        let reader = ByteReader(data)
        for distance in 62...302 where signature - distance > 0 {
            let start = signature - distance
            guard reader.u16le(start) == 0x5A4D, reader.u32le(start + 0x3C) == UInt32(distance) else { continue }
            guard PortableExecutable.parse(UnsafeRawBufferPointer(rebasing: data[start...])) != nil else { return nil }
            return start..<data.count
        }
        return nil
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
