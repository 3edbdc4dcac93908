/// YARA's `pe` module, as libyara 4.5 gives it: header fields, sections, imports, exports, resources, version
/// information, the Rich signature, the debug path and Authenticode signatures.
enum PEModule {
    /// The module.
    static let module = YaraModule(name: "pe", schema: schema, load: load)

    /// The module's values for one file: the constants, `is_pe`, and for a PE file everything parsed.
    static func load(_ data: UnsafeRawBufferPointer) -> [String: YaraObject] {
        var values = constants.mapValues { YaraObject.integer($0) }
        values["is_pe"] = .integer(0)
        guard let pe = PEImage(data) else { return values }
        values["is_pe"] = .integer(1)
        headers(pe, into: &values)
        resources(pe, into: &values)
        sections(pe, into: &values)
        richSignature(pe, into: &values)
        debugPath(pe, into: &values)
        signatures(pe, into: &values)
        imports(pe, into: &values)
        delayedImports(pe, into: &values)
        exports(pe, into: &values)
        return values
    }

    /// The file and optional headers and the data directories.
    static func headers(_ pe: PEImage, into values: inout [String: YaraObject]) {
        func int<T: BinaryInteger>(_ v: T) -> YaraObject { .integer(Int64(truncatingIfNeeded: v)) }
        func pair(_ major: UInt16, _ minor: UInt16) -> YaraObject {
            .structure(["major": int(major), "minor": int(minor)])
        }
        values["machine"] = int(pe.machine)
        values["number_of_sections"] = int(pe.numberOfSections)
        values["timestamp"] = int(pe.timestamp)
        values["pointer_to_symbol_table"] = int(pe.pointerToSymbolTable)
        values["number_of_symbols"] = int(pe.numberOfSymbols)
        values["size_of_optional_header"] = int(pe.sizeOfOptionalHeader)
        values["characteristics"] = int(pe.characteristics)
        values["entry_point"] = int(pe.offset(ofRVA: UInt64(pe.entryPointRVA)))
        values["entry_point_raw"] = int(pe.entryPointRVA)
        values["image_base"] = int(pe.imageBase)
        values["number_of_rva_and_sizes"] = int(pe.numberOfRvaAndSizes)
        values["opthdr_magic"] = int(pe.opt16(0))
        values["linker_version"] = .structure([
            "major": int(pe.u8(pe.optional + 2)!), "minor": int(pe.u8(pe.optional + 3)!),
        ])
        values["size_of_code"] = int(pe.opt32(4))
        values["size_of_initialized_data"] = int(pe.opt32(8))
        values["size_of_uninitialized_data"] = int(pe.opt32(12))
        values["base_of_code"] = int(pe.opt32(20))
        if !pe.is64 { values["base_of_data"] = int(pe.opt32(24)) }
        values["section_alignment"] = int(pe.opt32(32))
        values["file_alignment"] = int(pe.fileAlignment)
        values["os_version"] = pair(pe.opt16(40), pe.opt16(42))
        values["image_version"] = pair(pe.opt16(44), pe.opt16(46))
        values["subsystem_version"] = pair(pe.opt16(48), pe.opt16(50))
        values["win32_version_value"] = int(pe.opt32(52))
        values["size_of_image"] = int(pe.sizeOfImage)
        values["size_of_headers"] = int(pe.opt32(60))
        values["checksum"] = int(pe.opt32(64))
        values["subsystem"] = int(pe.opt16(68))
        values["dll_characteristics"] = int(pe.opt16(70))
        values["size_of_stack_reserve"] = int(pe.optWord(72, 72))
        values["size_of_stack_commit"] = int(pe.optWord(76, 80))
        values["size_of_heap_reserve"] = int(pe.optWord(80, 88))
        values["size_of_heap_commit"] = int(pe.optWord(84, 96))
        values["loader_flags"] = int(pe.opt32(88, 104))
        let count = Int(Int32(bitPattern: pe.numberOfRvaAndSizes))
        var directories: [YaraObject] = []
        for i in 0..<max(0, min(count, 16)) {
            let at = pe.directories + 8 * i
            guard let address = pe.u32(at), let size = pe.u32(at + 4) else { break }
            directories.append(.structure(["virtual_address": int(address), "size": int(size)]))
        }
        values["data_directories"] = .array(directories)
    }

    /// The section headers and the overlay after the last section's raw data.
    static func sections(_ pe: PEImage, into values: inout [String: YaraObject]) {
        var sections: [YaraObject] = []
        var highestOffset: UInt64 = 0
        var highestSize: UInt64 = 0
        for i in 0..<min(Int(pe.numberOfSections), PEImage.maxSections) {
            let s = pe.sectionTable + 40 * i
            guard pe.fits(s, 40) else { break }
            var raw = Array(pe.data[s..<(s + 8)])
            while let last = raw.last, last == 0 { raw.removeLast() }
            var section: [String: YaraObject] = ["name": .text(raw)]
            if let full = fullName(pe, raw) { section["full_name"] = .text(full) }
            let field = { (offset: Int) -> YaraObject in .integer(Int64(pe.u32(s + offset)!)) }
            let half = { (offset: Int) -> YaraObject in .integer(Int64(pe.u16(s + offset)!)) }
            section["characteristics"] = field(36)
            section["raw_data_size"] = field(16)
            section["raw_data_offset"] = field(20)
            section["virtual_address"] = field(12)
            section["virtual_size"] = field(8)
            section["pointer_to_relocations"] = field(24)
            section["pointer_to_line_numbers"] = field(28)
            section["number_of_relocations"] = half(32)
            section["number_of_line_numbers"] = half(34)
            sections.append(.structure(section))
            let rawOffset = UInt64(pe.u32(s + 20)!)
            let rawSize = UInt64(pe.u32(s + 16)!)
            if rawOffset + rawSize > highestOffset + highestSize {
                highestOffset = rawOffset
                highestSize = rawSize
            }
        }
        values["sections"] = .array(sections)
        let end = highestOffset + highestSize
        if end != 0, UInt64(pe.data.count) > end {
            values["overlay"] = .structure([
                "offset": .integer(Int64(end)), "size": .integer(Int64(UInt64(pe.data.count) - end)),
            ])
        } else {
            values["overlay"] = .structure(["offset": .integer(0), "size": .integer(0)])
        }
    }

    /// A section's long name from the COFF string table (`/123`), nil where libyara leaves it undefined.
    static func fullName(_ pe: PEImage, _ name: [UInt8]) -> [UInt8]? {
        let symbols = UInt64(pe.pointerToSymbolTable)
        guard symbols != 0, name.first == UInt8(ascii: "/") else { return name }
        var index: UInt64 = 0
        for c in name.dropFirst().prefix(7) {
            guard (0x30...0x39).contains(c) else { break }
            index = index * 10 + UInt64(c - 0x30)
        }
        let start = symbols + UInt64(pe.numberOfSymbols) * 18 + index
        guard start < UInt64(pe.data.count) else { return nil }
        var i = Int(start)
        while i < pe.data.count {
            let c = pe.data[i]
            if c == 0 { return Array(pe.data[Int(start)..<i]) }
            guard (0x20...0x7E).contains(c) else { return nil }
            i += 1
        }
        return nil
    }

    /// The Rich signature between the DOS stub and the PE header (`pe_parse_rich_signature`).
    static func richSignature(_ pe: PEImage, into values: inout [String: YaraObject]) {
        let nt = pe.nt
        guard nt >= 4, nt <= pe.data.count + 4 else { return }
        var p = nt - 4
        var key: UInt32 = 0
        var rich = 0
        while p >= 64 {
            if pe.u32(p) == 0x6863_6952 {
                key = pe.u32(p + 4) ?? 0
                rich = p
                p -= 4
                break
            }
            p -= 4
        }
        guard key != 0 else { return }
        var start: Int?
        while p >= 64 {
            if let v = pe.u32(p), v ^ key == 0x536E_6144 {
                start = p
                break
            }
            p -= 4
        }
        guard let start, let k1 = pe.u32(start + 4), let k2 = pe.u32(start + 8), let k3 = pe.u32(start + 12),
            k1 == k2, k2 == k3, pe.u32(start)! ^ k1 == 0x536E_6144
        else { return }
        let raw = Array(pe.data[start..<rich])
        var clear = raw
        for i in stride(from: 0, to: clear.count, by: 4) {
            for b in 0..<4 { clear[i + b] ^= UInt8(truncatingIfNeeded: k1 >> (8 * UInt32(b))) }
        }
        var signature: [String: YaraObject] = [
            "offset": .integer(Int64(start)), "length": .integer(Int64(raw.count)), "key": .integer(Int64(k1)),
            "raw_data": .text(raw), "clear_data": .text(clear),
        ]
        if raw.count >= 16 {
            var versions: [UInt8] = []
            for i in 0..<((raw.count - 16) / 8) { versions += clear[(16 + 8 * i)..<(20 + 8 * i)] }
            signature["version_data"] = .text(versions)
        }
        values["rich_signature"] = .structure(signature)
    }

    /// The PDB path of the first CodeView debug entry that has one (`pe_parse_debug_directory`).
    static func debugPath(_ pe: PEImage, into values: inout [String: YaraObject]) {
        guard let dir = pe.directory(6), dir.size != 0, dir.size % 28 == 0, dir.address != 0,
            let base = pe.fileOffset(UInt64(dir.address))
        else { return }
        for i in 0..<Int(dir.size / 28) {
            let d = base + 28 * i
            guard pe.fits(d, 28) else { break }
            guard pe.u32(d + 12) == 2 else { continue }
            var header: Int64 = 0
            let address = pe.u32(d + 20)!
            let pointer = pe.u32(d + 24)!
            if address != 0 { header = pe.offset(ofRVA: UInt64(address)) }
            if header <= 0 && pointer != 0 { header = Int64(pointer) }
            guard header > 0, header < Int64(pe.data.count) else { continue }
            let h = Int(header)
            guard pe.fits(h, 8) else { continue }
            var path: Int?
            switch pe.u32(h)! {
            case 0x3031_424E: if pe.fits(h, 20) { path = h + 16 }
            case 0x5344_5352: if pe.fits(h, 28) { path = h + 24 }
            case 0x434F_544D: if pe.fits(h, 24) { path = h + 20 }
            default: break
            }
            if let path {
                let name = pe.cString(path, limit: 260)
                if !name.isEmpty && name.count < 260 {
                    values["pdb_path"] = .text(name)
                    break
                }
            }
        }
    }
}
