import VigilTestSupport

/// An ELF file whose second program header maps virtual 0x401000 to file 0x1000, with `shnum` section
/// headers at 0x2000 (section i: offset 0x100·i + 0x10, size 0x40 + i, address 0x400000 + 0x100·i).
enum ELFBuilder {
    static func build(
        is64: Bool, bigEndian: Bool, entry: UInt64 = 0x401010, phnum: Int = 2, shnum: Int = 4,
        shentsize: Int? = nil, shoff: UInt64 = 0x2000
    ) -> [UInt8] {
        var image = Image.patterned(count: 0x3000)
        image.put(
            [0x7F, 0x45, 0x4C, 0x46, is64 ? 2 : 1, bigEndian ? 2 : 1, 1, 0] + [UInt8](repeating: 0, count: 8), at: 0)
        let be = bigEndian
        let phentsize = is64 ? 56 : 32
        let sectionSize = shentsize ?? (is64 ? 64 : 40)
        let phoff = is64 ? 64 : 52
        if is64 {
            image.u64(entry, at: 24, bigEndian: be)
            image.u64(UInt64(phoff), at: 32, bigEndian: be)
            image.u64(shoff, at: 40, bigEndian: be)
            image.u16(UInt16(phentsize), at: 54, bigEndian: be)
            image.u16(UInt16(phnum), at: 56, bigEndian: be)
            image.u16(UInt16(sectionSize), at: 58, bigEndian: be)
            image.u16(UInt16(shnum), at: 60, bigEndian: be)
        } else {
            image.u32(UInt32(entry), at: 24, bigEndian: be)
            image.u32(UInt32(phoff), at: 28, bigEndian: be)
            image.u32(UInt32(shoff), at: 32, bigEndian: be)
            image.u16(UInt16(phentsize), at: 42, bigEndian: be)
            image.u16(UInt16(phnum), at: 44, bigEndian: be)
            image.u16(UInt16(sectionSize), at: 46, bigEndian: be)
            image.u16(UInt16(shnum), at: 48, bigEndian: be)
        }
        let segments: [(offset: UInt64, vaddr: UInt64, size: UInt64)] = [
            (0x100, 0x400100, 0x800), (0x1000, 0x401000, 0x800),
        ]
        for (i, s) in segments.prefix(phnum).enumerated() {
            let at = phoff + i * phentsize
            if is64 {
                image.u32(1, at: at, bigEndian: be)
                image.u64(s.offset, at: at + 8, bigEndian: be)
                image.u64(s.vaddr, at: at + 16, bigEndian: be)
                image.u64(s.size, at: at + 40, bigEndian: be)
            } else {
                image.u32(1, at: at, bigEndian: be)
                image.u32(UInt32(s.offset), at: at + 4, bigEndian: be)
                image.u32(UInt32(s.vaddr), at: at + 8, bigEndian: be)
                image.u32(UInt32(s.size), at: at + 20, bigEndian: be)
            }
        }
        for i in 0..<shnum where shoff < 0x10000 {
            let at = Int(shoff) + i * (is64 ? 64 : 40)
            guard at + (is64 ? 64 : 40) <= image.bytes.count else { break }
            let (address, offset, size) = (UInt64(0x400000 + 0x100 * i), UInt64(0x100 * i + 0x10), UInt64(0x40 + i))
            if is64 {
                image.u64(address, at: at + 16, bigEndian: be)
                image.u64(offset, at: at + 24, bigEndian: be)
                image.u64(size, at: at + 32, bigEndian: be)
            } else {
                image.u32(UInt32(address), at: at + 12, bigEndian: be)
                image.u32(UInt32(offset), at: at + 16, bigEndian: be)
                image.u32(UInt32(size), at: at + 20, bigEndian: be)
            }
        }
        return image.bytes
    }
}

/// A thin Mach-O file with one segment holding sections (address, size, file offset, alignment exponent), and
/// optionally a PowerPC thread state whose `srr0` is `ppcEntry`.
enum MachOBuilder {
    static func build(
        is64: Bool, bigEndian: Bool, cpu: UInt32, sections: [(UInt64, UInt64, UInt32, UInt32)],
        ppcEntry: UInt32? = nil, commandCount: UInt32? = nil
    ) -> [UInt8] {
        var image = Image.patterned(count: 0x2000)
        let be = bigEndian
        image.u32(is64 ? 0xFEED_FACF : 0xFEED_FACE, at: 0, bigEndian: be)
        image.u32(cpu, at: 4, bigEndian: be)
        image.u32(2, at: 12, bigEndian: be)
        image.u32(commandCount ?? (ppcEntry == nil ? 1 : 2), at: 16, bigEndian: be)
        var at = is64 ? 32 : 28
        let sectionSize = is64 ? 80 : 68
        image.u32(is64 ? 0x19 : 0x1, at: at, bigEndian: be)
        image.u32(UInt32((is64 ? 72 : 56) + sectionSize * sections.count), at: at + 4, bigEndian: be)
        image.put([UInt8](repeating: 0, count: is64 ? 64 : 48), at: at + 8)
        image.u32(UInt32(sections.count), at: at + 8 + (is64 ? 56 : 40), bigEndian: be)
        at += is64 ? 72 : 56
        for s in sections {
            image.put([UInt8](repeating: 0, count: sectionSize), at: at)
            if is64 {
                image.u64(s.0, at: at + 32, bigEndian: be)
                image.u64(s.1, at: at + 40, bigEndian: be)
                image.u32(s.2, at: at + 48, bigEndian: be)
                image.u32(s.3, at: at + 52, bigEndian: be)
            } else {
                image.u32(UInt32(s.0), at: at + 32, bigEndian: be)
                image.u32(UInt32(s.1), at: at + 36, bigEndian: be)
                image.u32(s.2, at: at + 40, bigEndian: be)
                image.u32(s.3, at: at + 44, bigEndian: be)
            }
            at += sectionSize
        }
        if let ppcEntry {
            image.u32(0x5, at: at, bigEndian: be)
            image.u32(16 + 160, at: at + 4, bigEndian: be)
            image.u32(1, at: at + 8, bigEndian: be)
            image.u32(40, at: at + 12, bigEndian: be)
            image.put([UInt8](repeating: 0, count: 160), at: at + 16)
            image.u32(ppcEntry, at: at + 16, bigEndian: be)
        }
        return image.bytes
    }

    /// A fat file holding `slices` at 0x1000-aligned offsets.
    static func fat(_ slices: [(cpu: UInt32, bytes: [UInt8])]) -> [UInt8] {
        var image = Image(count: 0x1000)
        image.u32(0xCAFE_BABE, at: 0, bigEndian: true)
        image.u32(UInt32(slices.count), at: 4, bigEndian: true)
        var offset = 0x1000
        for (i, slice) in slices.enumerated() {
            image.u32(slice.cpu, at: 8 + 20 * i, bigEndian: true)
            image.u32(UInt32(offset), at: 16 + 20 * i, bigEndian: true)
            image.u32(UInt32(slice.bytes.count), at: 20 + 20 * i, bigEndian: true)
            image.u32(12, at: 24 + 20 * i, bigEndian: true)
            image.put(slice.bytes, at: offset)
            offset += (slice.bytes.count + 0xFFF) / 0x1000 * 0x1000
        }
        return image.bytes
    }
}
