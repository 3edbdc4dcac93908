/// A small ELF file built in test code: a loadable segment covering the file, a dynamic segment, `.text`, dynamic
/// and static symbol tables with their string tables, `.dynamic` and the section-name table; 32- or 64-bit,
/// either byte order.
public enum ELFBuilder {
    /// One symbol-table entry.
    public struct Symbol: Sendable {
        public var name: String
        public var value: UInt64
        public var size: UInt64
        /// Binding in the high nibble, type in the low one.
        public var info: UInt8
        public var other: UInt8
        public var shndx: UInt16

        public init(
            _ name: String, value: UInt64 = 0, size: UInt64 = 0, info: UInt8, other: UInt8 = 0, shndx: UInt16 = 0
        ) {
            (self.name, self.value, self.size, self.info, self.other, self.shndx) = (
                name, value, size, info, other, shndx
            )
        }
    }

    /// Where things land in the built file.
    public enum Layout {
        /// The virtual address the file is loaded at.
        public static let base: UInt64 = 0x40_0000
        /// The file offset of `.text` (its address is `base` plus this).
        public static let text: UInt64 = 0x200
    }

    /// Builds the file. `entry` is a virtual address (`Layout.base + Layout.text + 0x10` by default).
    public static func build(
        is64: Bool = true, bigEndian: Bool = false, type: UInt16 = 2, machine: UInt16 = 62, entry: UInt64? = nil,
        symbols: [Symbol] = [], dynamicSymbols: [Symbol] = [], needed: [String] = []
    ) -> [UInt8] {
        var image = Image(count: Int(Layout.text) + 0x40, fill: 0)
        let word = is64 ? 8 : 4
        func put(_ value: UInt64, _ width: Int, _ at: Int) {
            image.put(Image.encode(value, width: width, bigEndian: bigEndian), at: at)
        }
        func wide(_ value: UInt64, _ at: Int) { put(value, word, at) }
        func align(_ n: Int) -> Int { (image.bytes.count + n - 1) / n * n }
        func append(_ bytes: [UInt8]) -> Int {
            let at = align(8)
            image.put(bytes, at: at)
            return at
        }
        func strings(_ names: [String]) -> (bytes: [UInt8], offsets: [Int]) {
            var bytes: [UInt8] = [0]
            var offsets: [Int] = []
            for n in names {
                offsets.append(bytes.count)
                bytes += Array(n.utf8) + [0]
            }
            return (bytes, offsets)
        }
        image.put([UInt8](repeating: 0x90, count: 0x40), at: Int(Layout.text))

        // String and symbol tables.
        let dynstr = strings(dynamicSymbols.map(\.name) + needed)
        let strtab = strings(symbols.map(\.name))
        func symbolTable(_ list: [Symbol], _ offsets: [Int]) -> [UInt8] {
            var table = Image(count: (list.count + 1) * (is64 ? 24 : 16))
            for (i, s) in list.enumerated() {
                let at = (i + 1) * (is64 ? 24 : 16)
                func p(_ v: UInt64, _ w: Int, _ o: Int) {
                    table.put(Image.encode(v, width: w, bigEndian: bigEndian), at: at + o)
                }
                p(UInt64(offsets[i]), 4, 0)
                if is64 {
                    table.bytes[at + 4] = s.info
                    table.bytes[at + 5] = s.other
                    p(UInt64(s.shndx), 2, 6)
                    p(s.value, 8, 8)
                    p(s.size, 8, 16)
                } else {
                    p(s.value, 4, 4)
                    p(s.size, 4, 8)
                    table.bytes[at + 12] = s.info
                    table.bytes[at + 13] = s.other
                    p(UInt64(s.shndx), 2, 14)
                }
            }
            return table.bytes
        }
        let dynstrAt = append(dynstr.bytes)
        let dynsymBytes = symbolTable(dynamicSymbols, dynstr.offsets)
        let dynsymAt = append(dynsymBytes)
        let strtabAt = append(strtab.bytes)
        let symtabBytes = symbolTable(symbols, strtab.offsets)
        let symtabAt = append(symtabBytes)

        // Dynamic entries: DT_NEEDED for each library, DT_STRTAB, DT_SYMTAB, DT_NULL.
        var dynamic: [(UInt64, UInt64)] = needed.indices.map { (1, UInt64(dynstr.offsets[dynamicSymbols.count + $0])) }
        dynamic += [(5, Layout.base + UInt64(dynstrAt)), (6, Layout.base + UInt64(dynsymAt)), (0, 0)]
        var dynamicBytes = Image(count: dynamic.count * 2 * word)
        for (i, (tag, value)) in dynamic.enumerated() {
            dynamicBytes.put(Image.encode(tag, width: word, bigEndian: bigEndian), at: i * 2 * word)
            dynamicBytes.put(Image.encode(value, width: word, bigEndian: bigEndian), at: i * 2 * word + word)
        }
        let dynamicAt = append(dynamicBytes.bytes)

        let names = [".text", ".dynstr", ".dynsym", ".strtab", ".symtab", ".dynamic", ".shstrtab"]
        let shstr = strings(names)
        let shstrAt = append(shstr.bytes)

        // Sections: NULL, then `names` in order.
        let sectionSize = is64 ? 64 : 40
        let sectionsAt = align(8)
        image.put([UInt8](repeating: 0, count: sectionSize * (names.count + 1)), at: sectionsAt)
        let entries: [(type: UInt32, flags: UInt64, offset: Int, size: Int, link: UInt32, entsize: Int)] = [
            (1, 6, Int(Layout.text), 0x40, 0, 0),
            (3, 2, dynstrAt, dynstr.bytes.count, 0, 0),
            (11, 2, dynsymAt, dynsymBytes.count, 2, is64 ? 24 : 16),
            (3, 0, strtabAt, strtab.bytes.count, 0, 0),
            (2, 0, symtabAt, symtabBytes.count, 4, is64 ? 24 : 16),
            (6, 3, dynamicAt, dynamicBytes.bytes.count, 2, 2 * word),
            (3, 0, shstrAt, shstr.bytes.count, 0, 0),
        ]
        for (i, e) in entries.enumerated() {
            let at = sectionsAt + (i + 1) * sectionSize
            let address = e.flags & 2 != 0 ? Layout.base + UInt64(e.offset) : 0
            put(UInt64(shstr.offsets[i]), 4, at)
            put(UInt64(e.type), 4, at + 4)
            wide(e.flags, at + 8)
            wide(address, at + (is64 ? 16 : 12))
            wide(UInt64(e.offset), at + (is64 ? 24 : 16))
            wide(UInt64(e.size), at + (is64 ? 32 : 20))
            put(UInt64(e.link), 4, at + (is64 ? 40 : 24))
            wide(UInt64(e.entsize), at + (is64 ? 56 : 36))
        }
        let fileSize = UInt64(image.bytes.count)

        // Program headers at 0x40: PT_LOAD over the whole file, PT_DYNAMIC, PT_GNU_STACK.
        let segmentSize = is64 ? 56 : 32
        let segments: [(type: UInt32, flags: UInt32, offset: UInt64, size: UInt64, align: UInt64)] = [
            (1, 5, 0, fileSize, 0x1000),
            (2, 6, UInt64(dynamicAt), UInt64(dynamicBytes.bytes.count), 8),
            (0x6474_E551, 6, 0, 0, 16),
        ]
        for (i, s) in segments.enumerated() {
            let at = 0x40 + i * segmentSize
            let address = s.type == 0x6474_E551 ? 0 : Layout.base + s.offset
            put(UInt64(s.type), 4, at)
            put(UInt64(s.flags), 4, at + (is64 ? 4 : 24))
            wide(s.offset, at + (is64 ? 8 : 4))
            wide(address, at + (is64 ? 16 : 8))
            wide(address, at + (is64 ? 24 : 12))
            wide(s.size, at + (is64 ? 32 : 16))
            wide(s.size, at + (is64 ? 40 : 20))
            wide(s.align, at + (is64 ? 48 : 28))
        }

        // The file header.
        image.put([0x7F, 0x45, 0x4C, 0x46, is64 ? 2 : 1, bigEndian ? 2 : 1, 1], at: 0)
        put(UInt64(type), 2, 16)
        put(UInt64(machine), 2, 18)
        put(1, 4, 20)
        wide(entry ?? Layout.base + Layout.text + 0x10, 24)
        wide(0x40, is64 ? 32 : 28)
        wide(UInt64(sectionsAt), is64 ? 40 : 32)
        put(UInt64(is64 ? 64 : 52), 2, is64 ? 52 : 40)
        put(UInt64(segmentSize), 2, is64 ? 54 : 42)
        put(UInt64(segments.count), 2, is64 ? 56 : 44)
        put(UInt64(sectionSize), 2, is64 ? 58 : 46)
        put(UInt64(names.count + 1), 2, is64 ? 60 : 48)
        put(UInt64(names.count), 2, is64 ? 62 : 50)
        return image.bytes
    }
}
