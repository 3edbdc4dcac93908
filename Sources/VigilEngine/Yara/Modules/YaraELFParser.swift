import VigilFormats

/// Reads an ELF file's headers, sections, segments, dynamic entries and symbols into `elf` module values, as
/// libyara 4.5's `elf` module does: the same bounds checks, the same fields left undefined, and its quirks.
struct YaraELFParser {
    let data: UnsafeRawBufferPointer
    let is64: Bool
    let bigEndian: Bool

    /// The most entries read from one symbol table or dynamic segment (libyara reads to the end of the file; the
    /// cap keeps a hostile file from costing memory out of proportion to its size).
    static let maximumEntries = 1 << 20

    /// The module's values for a file: the constants, and for an ELF file what its headers say.
    static func values(of data: UnsafeRawBufferPointer) -> [String: YaraObject] {
        var values = YaraELFConstants.values
        guard data.count >= 16, data[0] == 0x7F, data[1] == 0x45, data[2] == 0x4C, data[3] == 0x46 else {
            return values
        }
        let classes: [UInt8: Bool] = [1: false, 2: true]
        guard let is64 = classes[data[4]], data[5] == 1 || data[5] == 2 else { return values }
        guard data.count > (is64 ? 64 : 52) else { return values }
        YaraELFParser(data: data, is64: is64, bigEndian: data[5] == 2).parse(into: &values)
        return values
    }

    // MARK: Reading

    private var size: UInt64 { UInt64(data.count) }
    private var word: UInt64 { is64 ? 8 : 4 }
    private var sectionSize: UInt64 { is64 ? 64 : 40 }
    private var segmentSize: UInt64 { is64 ? 56 : 32 }
    private var symbolSize: UInt64 { is64 ? 24 : 16 }

    /// The unsigned integer of `width` bytes at `offset`; 0 outside the file (callers check bounds first).
    private func read(_ offset: UInt64, _ width: UInt64, bigEndian: Bool? = nil) -> UInt64 {
        guard offset <= size, width <= size - offset else { return 0 }
        return ByteReader(data).integer(at: Int(offset), width: Int(width), bigEndian: bigEndian ?? self.bigEndian)
            ?? 0
    }
    private func u8(_ o: UInt64) -> UInt64 { read(o, 1) }
    private func u16(_ o: UInt64) -> UInt64 { read(o, 2) }
    private func u32(_ o: UInt64) -> UInt64 { read(o, 4) }
    /// A 32- or 64-bit field, by class.
    private func wide(_ o: UInt64) -> UInt64 { read(o, word) }
    /// `a + b` wrapping at the class's width, as C adds two fields of that type.
    private func wrappingSum(_ a: UInt64, _ b: UInt64) -> UInt64 { is64 ? a &+ b : (a &+ b) & 0xFFFF_FFFF }

    /// Whether `count` bytes at `offset` lie inside the file.
    private func inside(_ offset: UInt64, _ count: UInt64) -> Bool {
        offset <= size && count <= size && count <= size - offset
    }

    private static func integer(_ v: UInt64) -> YaraObject { .integer(Int64(bitPattern: v)) }

    // MARK: Header

    private var type: UInt64 { u16(16) }
    private var entry: UInt64 { wide(24) }
    private var segmentTable: UInt64 { wide(is64 ? 32 : 28) }
    private var sectionTable: UInt64 { wide(is64 ? 40 : 32) }
    private var segmentCount: UInt64 { u16(is64 ? 56 : 44) }
    private var sectionCount: UInt64 { u16(is64 ? 60 : 48) }
    private var nameTableIndex: UInt64 { u16(is64 ? 62 : 50) }

    private func parse(into values: inout [String: YaraObject]) {
        values["type"] = Self.integer(type)
        values["machine"] = Self.integer(u16(18))
        values["sh_offset"] = Self.integer(sectionTable)
        values["sh_entry_size"] = Self.integer(u16(is64 ? 58 : 46))
        values["number_of_sections"] = Self.integer(sectionCount)
        values["ph_offset"] = Self.integer(segmentTable)
        values["ph_entry_size"] = Self.integer(u16(is64 ? 54 : 42))
        values["number_of_segments"] = Self.integer(segmentCount)
        if entry != 0, let offset = fileOffset(ofAddress: entry) { values["entry_point"] = Self.integer(offset) }
        parseSections(into: &values)
        parseSegments(into: &values)
    }

    /// The file offset of a virtual address: through the segments for an executable (`ET_EXEC`), through the
    /// sections (other than `SHT_NULL` and `SHT_NOBITS`) otherwise.
    private func fileOffset(ofAddress address: UInt64) -> UInt64? {
        let executable = type == 2
        let table = executable ? segmentTable : sectionTable
        let count = executable ? segmentCount : sectionCount
        let tableSize = count * (executable ? segmentSize : sectionSize)
        guard UInt64.max - table >= tableSize else { return nil }
        guard table != 0, table <= size, table + tableSize <= size, count != 0 else { return nil }
        for i in 0..<count {
            let at = table + i * (executable ? segmentSize : sectionSize)
            let start: UInt64
            let length: UInt64
            let offset: UInt64
            if executable {
                (start, length, offset) = (
                    wide(at + (is64 ? 16 : 8)), wide(at + (is64 ? 40 : 20)), wide(at + (is64 ? 8 : 4))
                )
            } else {
                let sectionType = u32(at + 4)
                guard sectionType != 0, sectionType != 8 else { continue }
                (start, length, offset) = (
                    wide(at + (is64 ? 16 : 12)), wide(at + (is64 ? 32 : 20)), wide(at + (is64 ? 24 : 16))
                )
            }
            if address >= start && address < wrappingSum(start, length) { return offset &+ (address &- start) }
        }
        return nil
    }

    /// The NUL-terminated string at `index` of a string table spanning `base ..< limit`, or nil when the table
    /// does not start with NUL, the index is outside it, or the string runs to its end.
    private func string(base: UInt64, limit: UInt64, index: UInt64) -> [UInt8]? {
        guard base < limit, limit <= size, data[Int(base)] == 0, index < 0x8000_0000 else { return nil }
        let start = base + index
        guard start < limit else { return nil }
        var end = start
        while end < limit, data[Int(end)] != 0 { end += 1 }
        guard end < limit else { return nil }
        return Array(data[Int(start)..<Int(end)])
    }

    // MARK: Sections and symbols

    private func parseSections(into values: inout [String: YaraObject]) {
        let count = sectionCount
        let table = sectionTable
        guard count < 0xFF00, nameTableIndex < count, table < size, table + count * sectionSize <= size else { return }
        let namesOffset = wide(table + nameTableIndex * sectionSize + (is64 ? 24 : 16))
        let names: UInt64? = namesOffset < size && namesOffset > 0 ? namesOffset : nil
        // libyara compares a section's link with the section count as stored, without swapping its bytes.
        let rawCount = read(is64 ? 60 : 48, 2, bigEndian: false)
        var sections: [YaraObject] = []
        var symtab: (table: UInt64, size: UInt64, strings: UInt64, stringsSize: UInt64)?
        var dynsym: (table: UInt64, size: UInt64, strings: UInt64, stringsSize: UInt64)?
        for i in 0..<count {
            let at = table + i * sectionSize
            let sectionType = u32(at + 4)
            let offset = wide(at + (is64 ? 24 : 16))
            var section: [String: YaraObject] = [
                "type": Self.integer(sectionType),
                "flags": Self.integer(wide(at + 8)),
                "address": Self.integer(wide(at + (is64 ? 16 : 12))),
                "size": Self.integer(wide(at + (is64 ? 32 : 20))),
                "offset": Self.integer(offset),
            ]
            let name = u32(at)
            if name < size, let names, let text = string(base: names, limit: size, index: name) {
                section["name"] = .text(text)
            }
            sections.append(.structure(section))
            let link = u32(at + (is64 ? 40 : 24))
            if sectionType == 2 || sectionType == 11, link < rawCount {
                let linked = table + link * sectionSize
                if inside(linked, sectionSize), u32(linked + 4) == 3 {
                    let found = (
                        table: offset, size: wide(at + (is64 ? 32 : 20)), strings: wide(linked + (is64 ? 24 : 16)),
                        stringsSize: wide(linked + (is64 ? 32 : 20))
                    )
                    if sectionType == 2 { symtab = found } else { dynsym = found }
                }
            }
        }
        values["sections"] = .array(sections)
        for (name, found) in [("symtab", symtab), ("dynsym", dynsym)] {
            guard let found, inside(found.strings, found.stringsSize), inside(found.table, found.size) else { continue }
            let symbols = self.symbols(found.table, found.size, found.strings, found.strings + found.stringsSize)
            values[name] = .array(symbols)
            values[name + "_entries"] = .integer(Int64(symbols.count))
        }
    }

    private func symbols(_ table: UInt64, _ tableSize: UInt64, _ strings: UInt64, _ limit: UInt64) -> [YaraObject] {
        let count = min(tableSize / symbolSize, UInt64(Self.maximumEntries))
        var symbols: [YaraObject] = []
        symbols.reserveCapacity(Int(count))
        for j in 0..<count {
            let at = table + j * symbolSize
            let info = u8(at + (is64 ? 4 : 12))
            let other = u8(at + (is64 ? 5 : 13))
            var symbol: [String: YaraObject] = [
                "bind": Self.integer(info >> 4),
                "type": Self.integer(info & 0xF),
                "shndx": Self.integer(u16(at + (is64 ? 6 : 14))),
                "value": Self.integer(wide(at + (is64 ? 8 : 4))),
                "size": Self.integer(wide(at + (is64 ? 16 : 8))),
                // Not a declared field: `telfhash` reads it.
                "visibility": .integer(Int64(other & 3)),
            ]
            if let name = string(base: strings, limit: limit, index: u32(at)) { symbol["name"] = .text(name) }
            symbols.append(.structure(symbol))
        }
        return symbols
    }

    // MARK: Segments

    private func parseSegments(into values: inout [String: YaraObject]) {
        let count = segmentCount
        let table = segmentTable
        guard count > 0, count < 0xFFFF, table < size, table + count * segmentSize <= size else { return }
        var segments: [YaraObject] = []
        var dynamic: [YaraObject] = []
        for i in 0..<count {
            let at = table + i * segmentSize
            let segmentType = u32(at)
            let offset = wide(at + (is64 ? 8 : 4))
            segments.append(
                .structure([
                    "type": Self.integer(segmentType),
                    "flags": Self.integer(u32(at + (is64 ? 4 : 24))),
                    "offset": Self.integer(offset),
                    "virtual_address": Self.integer(wide(at + (is64 ? 16 : 8))),
                    "physical_address": Self.integer(wide(at + (is64 ? 24 : 12))),
                    "file_size": Self.integer(wide(at + (is64 ? 32 : 16))),
                    "memory_size": Self.integer(wide(at + (is64 ? 40 : 20))),
                    "alignment": Self.integer(wide(at + (is64 ? 48 : 28))),
                ]))
            guard segmentType == 2 else { continue }
            // Each dynamic segment's entries overwrite the previous one's from the first.
            var j = 0
            var at2 = offset
            while j < Self.maximumEntries, inside(at2, 2 * word) {
                let tag = wide(at2)
                let entry = YaraObject.structure(["type": Self.integer(tag), "val": Self.integer(wide(at2 + word))])
                if j < dynamic.count { dynamic[j] = entry } else { dynamic.append(entry) }
                j += 1
                at2 += 2 * word
                if tag == 0 { break }
            }
            values["dynamic_section_entries"] = .integer(Int64(j))
        }
        values["segments"] = .array(segments)
        if !dynamic.isEmpty { values["dynamic"] = .array(dynamic) }
    }
}
