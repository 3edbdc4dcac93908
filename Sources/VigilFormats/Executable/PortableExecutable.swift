/// A PE32 or PE32+ header as clamscan 1.4 reads it (libclamav `cli_peheader`).
///
/// clamscan reads the header twice, differently: for executable-relative signature offsets
/// (`cli_pe_targetinfo`) a section lying wholly past the end of the file is kept with raw size 0; for section
/// hashes (`.mdb`) and the import hash (`.imp`) such a section is dropped from the list, and a file whose only
/// section is dropped fails.
public struct PortableExecutable: Sendable, Equatable {
    /// One section header, with clamscan's aligned values and the header's own.
    public struct Section: Sendable, Equatable {
        /// `VirtualAddress` aligned down to the section alignment.
        public var virtualAddress: UInt32
        /// `VirtualSize` aligned up to the section alignment (from `SizeOfRawData` when 0).
        public var virtualSize: UInt32
        /// `PointerToRawData` aligned down to the file alignment.
        public var rawOffset: UInt32
        /// `SizeOfRawData` aligned up to the file alignment, cut at the end of the file.
        public var rawSize: UInt32
        /// `Characteristics`.
        public var characteristics: UInt32
        /// The header's `VirtualAddress`.
        public var headerVirtualAddress: UInt32
        /// The header's `VirtualSize`.
        public var headerVirtualSize: UInt32
        /// The header's `PointerToRawData`.
        public var headerRawOffset: UInt32
        /// The header's `SizeOfRawData`, cut at the end of the file.
        public var headerRawSize: UInt32
    }

    /// One data directory entry.
    public struct DataDirectory: Sendable, Equatable {
        /// Its RVA.
        public var virtualAddress: UInt32
        /// Its size.
        public var size: UInt32
    }

    /// Whether the optional header is PE32+.
    public var is64: Bool
    /// `AddressOfEntryPoint`.
    public var entryPointRVA: UInt32
    /// The entry point as a file offset.
    public var entryPoint: UInt32
    /// `SizeOfHeaders` aligned up to the section alignment: RVAs below it map to the same file offset.
    public var headerSize: UInt32
    /// The sections.
    public var sections: [Section]
    /// The data directories (at most 16; all zero past `NumberOfRvaAndSizes`).
    public var dataDirectories: [DataDirectory]
    /// The size of the file the header was read from.
    public var fileSize: Int

    /// The section layout for executable-relative offsets.
    public var layout: ExecutableLayout {
        ExecutableLayout(
            format: .pe, entryPoint: Int(entryPoint),
            sections: sections.map {
                .init(
                    rawOffset: Int($0.rawOffset), rawSize: Int($0.rawSize), virtualAddress: Int($0.virtualAddress),
                    virtualSize: Int($0.virtualSize))
            })
    }

    /// Parses the header; `nil` where clamscan's parser fails.
    ///
    /// - Parameter droppingMissingSections: read as for section and import hashes (sections wholly past the end
    ///   of the file removed) instead of as for signature offsets (kept with raw size 0).
    public static func parse(_ bytes: UnsafeRawBufferPointer, droppingMissingSections: Bool = false)
        -> PortableExecutable?
    {
        let file = ByteReader(bytes)
        guard let dosMagic = file.u16le(0), dosMagic == 0x5A4D || dosMagic == 0x4D5A else { return nil }
        guard let lfanew = file.u32le(60), lfanew != 0 else { return nil }
        let ntHeader = Int(lfanew)
        guard file.contains(ntHeader, 24), file.u32le(ntHeader) == 0x0000_4550 else { return nil }
        guard let sectionCount = file.u16le(ntHeader + 6), sectionCount > 0,
            let optionalSize = file.u16le(ntHeader + 20).map(Int.init), optionalSize >= 96
        else { return nil }
        let optional = ntHeader + 24
        guard file.contains(optional, 96), let optionalMagic = file.u16le(optional) else { return nil }
        let is64 = optionalMagic == 0x20B
        let fixedSize = is64 ? 112 : 96
        if is64 { guard optionalSize >= 112, file.contains(optional, 112) else { return nil } }
        guard let entryRVA = file.u32le(optional + 16), let headerSizeField = file.u32le(optional + 60),
            let sectionAlignment = file.u32le(optional + 32), let fileAlignmentField = file.u32le(optional + 36),
            let directoryCount = file.u32le(optional + (is64 ? 108 : 92))
        else { return nil }

        let directories = Int(min(directoryCount, 16))
        guard optionalSize >= fixedSize + 8 * directories, file.contains(optional + fixedSize, 8 * directories) else {
            return nil
        }
        var dataDirectories = [DataDirectory](repeating: .init(virtualAddress: 0, size: 0), count: 16)
        for i in 0..<directories {
            let at = optional + fixedSize + 8 * i
            dataDirectories[i] = .init(virtualAddress: file.u32le(at) ?? 0, size: file.u32le(at + 4) ?? 0)
        }
        let headerSize = alignUp(headerSizeField, sectionAlignment)

        let table = optional + optionalSize
        guard file.contains(table, 40 * Int(sectionCount)) else { return nil }
        var fileAlignment = fileAlignmentField
        for i in 0..<Int(sectionCount) where fileAlignment != 0x200 {
            // libclamav's "file alignment fallback mode" for sections at 512-byte but not file-aligned offsets.
            let at = table + 40 * i
            let rawSize = file.u32le(at + 16) ?? 0
            let rawOffset = file.u32le(at + 20) ?? 0
            if fileAlignment != 0 && rawSize != 0 && rawOffset % fileAlignment != 0 && rawOffset % 0x200 == 0 {
                fileAlignment = 0x200
            }
        }

        let fileSize = UInt64(file.count)
        var sections: [Section] = []
        sections.reserveCapacity(Int(sectionCount))
        for i in 0..<Int(sectionCount) {
            let at = table + 40 * i
            let va = file.u32le(at + 12) ?? 0
            let vs = file.u32le(at + 8) ?? 0
            let rawSizeField = file.u32le(at + 16) ?? 0
            let rawOffsetField = file.u32le(at + 20) ?? 0
            var section = Section(
                virtualAddress: alignDown(va, sectionAlignment), virtualSize: alignUp(vs, sectionAlignment),
                rawOffset: alignDown(rawOffsetField, fileAlignment), rawSize: alignUp(rawSizeField, fileAlignment),
                characteristics: file.u32le(at + 36) ?? 0, headerVirtualAddress: va, headerVirtualSize: vs,
                headerRawOffset: rawOffsetField, headerRawSize: rawSizeField)
            if section.rawSize != 0 {
                if UInt64(section.rawOffset) >= fileSize || UInt64(section.headerRawOffset) >= fileSize {
                    if droppingMissingSections {
                        if sectionCount == 1 { return nil }
                        continue
                    }
                    section.rawSize = 0
                    section.headerRawSize = 0
                } else {
                    if UInt64(section.rawOffset) + UInt64(section.rawSize) > fileSize {
                        section.rawSize = UInt32(fileSize - UInt64(section.rawOffset))
                    }
                    if section.headerRawSize == 0
                        || UInt64(section.headerRawOffset) + UInt64(section.headerRawSize) > fileSize
                    {
                        section.headerRawSize = UInt32(fileSize - UInt64(section.headerRawOffset))
                    }
                }
            }
            if section.virtualSize == 0 && section.rawSize != 0 {
                section.virtualSize = alignUp(section.headerRawSize, sectionAlignment)
            }
            let signBit: UInt32 = 0x8000_0000
            if section.headerVirtualAddress & signBit != 0 || section.headerVirtualSize & signBit != 0
                || (section.rawSize != 0 && section.headerRawOffset & signBit != 0)
                || section.headerRawSize & signBit != 0
            {
                return nil
            }
            sections.append(section)
        }

        guard let entry = rawOffset(ofRVA: entryRVA, sections: sections, headerSize: headerSize, fileSize: file.count)
        else { return nil }
        return PortableExecutable(
            is64: is64, entryPointRVA: entryRVA, entryPoint: entry, headerSize: headerSize, sections: sections,
            dataDirectories: dataDirectories, fileSize: file.count)
    }

    /// The file offset of `rva` (libclamav `cli_rawaddr`): itself below the header size (if inside the file),
    /// else through the last section with raw data whose range holds it; `nil` when none does.
    public func rawOffset(ofRVA rva: UInt32) -> UInt32? {
        Self.rawOffset(ofRVA: rva, sections: sections, headerSize: headerSize, fileSize: fileSize)
    }

    static func rawOffset(ofRVA rva: UInt32, sections: [Section], headerSize: UInt32, fileSize: Int) -> UInt32? {
        if rva < headerSize {
            if UInt64(rva) >= UInt64(fileSize) { return nil }
            return rva
        }
        for section in sections.reversed()
        where section.rawSize != 0 && section.virtualAddress <= rva && section.rawSize > rva &- section.virtualAddress {
            return rva &- section.virtualAddress &+ section.rawOffset
        }
        return nil
    }

    private static func alignDown(_ value: UInt32, _ alignment: UInt32) -> UInt32 {
        alignment == 0 ? value : value / alignment &* alignment
    }

    private static func alignUp(_ value: UInt32, _ alignment: UInt32) -> UInt32 {
        alignment == 0 ? value : (value / alignment &+ (value % alignment != 0 ? 1 : 0)) &* alignment
    }
}
