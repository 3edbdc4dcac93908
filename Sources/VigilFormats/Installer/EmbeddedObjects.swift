import CVigilLibc

/// Objects found inside other files by clamscan's raw scan, through its embedded-type signatures, and
/// unpacked from where each starts: archives after other data (ZIP, RAR, ARJ, 7z and CAB "SFX"), and inside
/// executables NSIS data, InstallShield MSI files, AutoIt scripts and the first embedded executable. (A PDF
/// document past the first bytes the file type is told from is not read: clamscan 1.4 matches its pattern
/// there but does not parse it.)
public enum EmbeddedObjects {
    /// clamscan keeps the first ten objects its scan finds (zip headers are not counted against the ten).
    static let maximumObjects = 10
    /// A zip larger than this is not searched (clamscan's `MaxZipTypeRcg`, 1 MiB).
    static let maximumSearchedZip = 1 << 20

    /// The kinds found, with what marks their start.
    enum Kind: CaseIterable {
        case zip, rar, arj, sevenZip, cabinet, nsis, installShieldMSI, autoIt, executable

        var marker: [UInt8] {
            switch self {
            case .zip: [0x50, 0x4B, 0x03, 0x04]
            case .rar: Array("Rar!".utf8) + [0x1A, 0x07, 0x00]
            case .arj: [0x60, 0xEA]
            case .sevenZip: [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]
            case .cabinet: Array("MSCF".utf8) + [0, 0, 0, 0]
            case .nsis: NSIS.signature
            case .installShieldMSI: InstallShieldMSI.marker
            case .autoIt: AutoIt.marker
            case .executable: Array("PE".utf8) + [0, 0]
            }
        }

        /// The index of the marker's least common byte in binaries, searched for first.
        var rareByte: Int {
            switch self {
            case .zip: 1  // "K"
            case .rar: 4  // 0x1A
            case .arj: 1  // 0xEA
            case .sevenZip: 3  // 0xAF
            case .cabinet: 3  // "F"
            case .nsis: 3  // 0xDE
            case .installShieldMSI: 7  // "S"
            case .autoIt: 3  // 0xBE
            case .executable: 1  // "E"
            }
        }

        /// Whether the bytes after the marker at `offset` complete clamscan's pattern: an ARJ main header
        /// (`60ea{7}(00|01|02)02`).
        func completes(_ reader: ByteReader, at offset: Int) -> Bool {
            switch self {
            case .arj: reader.u8(offset + 10) == 2 && (reader.u8(offset + 9) ?? 3) <= 2
            default: true
            }
        }

        /// Whether clamscan extracts this kind from a file of type `container`: an archive from any file not
        /// already of its type (Vigil also skips zip headers inside every zip-based type, whose
        /// members it reads already), installers only from executables, an executable from executables, zips
        /// and OLE2 files.
        func isExtracted(from container: FileType) -> Bool {
            switch self {
            case .zip: ![.zip, .ooxmlWord, .ooxmlExcel, .ooxmlPowerPoint, .ooxmlHWP].contains(container)
            case .rar: container != .rar
            case .arj: container != .arj
            case .sevenZip: container != .sevenZip
            case .cabinet: container != .cab
            case .nsis, .installShieldMSI, .autoIt: container == .msexe
            case .executable: [.msexe, .zip, .ole2].contains(container)
            }
        }
    }

    /// Whether clamscan's raw scan looks for embedded objects in a file of type `container` and `size`
    /// bytes: in every scanned type but HTML (whose raw bytes it does not scan), and in a zip of at most
    /// 1 MiB.
    public static func isSearched(_ container: FileType, size: Int) -> Bool {
        switch container {
        case .ignored, .html: false
        case .zip: size <= maximumSearchedZip
        default: true
        }
    }

    /// Calls `visit` with the members of each object embedded in `data` (of type `container`), in file
    /// order, each at most `maximumSize` bytes, until it returns false.
    public static func forEachMember(
        in data: UnsafeRawBufferPointer, container: FileType, maximumSize: Int, _ visit: (ArchiveMember) -> Bool
    ) {
        guard isSearched(container, size: data.count) else { return }
        var going = true
        let visitMember: (ArchiveMember) -> Bool = { member in
            going = visit(member)
            return going
        }
        for (kind, offset) in find(in: data, kinds: Kind.allCases.filter { $0.isExtracted(from: container) }) {
            let tail = UnsafeRawBufferPointer(rebasing: data[offset...])
            switch kind {
            case .zip:
                if let member = ZipReader.localMember(in: data, at: offset, maximumSize: maximumSize) {
                    going = visit(member)
                }
            case .rar, .sevenZip, .cabinet:
                try? ArchiveReader.forEachMember(in: tail, as: .archive, maximumSize: maximumSize, visitMember)
            case .arj:
                ARJ.forEachFile(in: tail, maximumSize: maximumSize, visitMember)
            case .nsis:
                guard offset >= 4 else { continue }
                NSIS.forEachBlock(
                    in: UnsafeRawBufferPointer(rebasing: data[(offset - 4)...]), maximumSize: maximumSize,
                    visitMember)
            case .installShieldMSI:
                InstallShieldMSI.forEachFile(in: tail, maximumSize: maximumSize, visitMember)
            case .autoIt:
                AutoIt.forEachFile(in: tail, maximumSize: maximumSize, visitMember)
            case .executable:
                guard let range = executable(in: data, signature: offset) else { continue }
                // clamscan scans only the first: later ones are found inside it in turn.
                _ = visit(
                    ArchiveMember(
                        name: "executable@\(range.lowerBound)", data: Array(data[range]), truncated: false,
                        isEncrypted: false, size: range.count, index: 0))
                return
            }
            if !going { return }
        }
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

    /// Where markers of `kinds` occur after the data's start, in file order, as clamscan lists them: the first
    /// ten objects, and every zip header besides. Each is found by `memchr` for the marker's rarest byte, then
    /// a comparison.
    static func find(in data: UnsafeRawBufferPointer, kinds: [Kind]) -> [(Kind, Int)] {
        guard let base = data.baseAddress else { return [] }
        let reader = ByteReader(data)
        var found: [(Kind, Int)] = []
        for kind in kinds {
            let marker = kind.marker
            var position = 1
            var objects = 0
            while position < data.count, kind == .zip || objects < maximumObjects,
                let hit = marker.withUnsafeBytes({
                    cvigil_find_rare(base + position, data.count - position, $0.baseAddress, $0.count, kind.rareByte)
                })
            {
                let start = base.distance(to: UnsafeRawPointer(hit))
                if kind.completes(reader, at: start) {
                    found.append((kind, start))
                    objects += 1
                }
                position = start + 1
            }
        }
        found.sort { $0.1 < $1.1 }
        var objects = 0
        return found.filter { kind, _ in
            guard kind != .zip else { return true }
            objects += 1
            return objects <= maximumObjects
        }
    }
}
