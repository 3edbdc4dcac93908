/// Minimal executable images built in test code, so no real binary is checked in.
struct Image {
    var bytes: [UInt8]

    init(count: Int, fill: UInt8 = 0) { bytes = [UInt8](repeating: fill, count: count) }

    /// Bytes `0, 1, 2, ...` (mod 251) so any 8 of them identify their place.
    static func patterned(count: Int) -> Image {
        var image = Image(count: count)
        for i in 0..<count { image.bytes[i] = UInt8(i % 251) }
        return image
    }

    mutating func put(_ data: [UInt8], at offset: Int) {
        if bytes.count < offset + data.count {
            bytes += [UInt8](repeating: 0, count: offset + data.count - bytes.count)
        }
        bytes.replaceSubrange(offset..<(offset + data.count), with: data)
    }

    mutating func u16(_ value: UInt16, at offset: Int, bigEndian: Bool = false) {
        put(Image.encode(UInt64(value), width: 2, bigEndian: bigEndian), at: offset)
    }
    mutating func u32(_ value: UInt32, at offset: Int, bigEndian: Bool = false) {
        put(Image.encode(UInt64(value), width: 4, bigEndian: bigEndian), at: offset)
    }
    mutating func u64(_ value: UInt64, at offset: Int, bigEndian: Bool = false) {
        put(Image.encode(value, width: 8, bigEndian: bigEndian), at: offset)
    }

    static func encode(_ value: UInt64, width: Int, bigEndian: Bool) -> [UInt8] {
        let little = (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
        return bigEndian ? little.reversed() : little
    }
}

/// A PE32 or PE32+ file: `.text` at RVA 0x1000 (raw 0x400, 0x200 bytes) and `.idata` at RVA 0x2000 (raw 0x600,
/// 0x1000 bytes) holding an import table built from `imports`.
enum PEBuilder {
    enum Import {
        case name(String)
        case ordinal(UInt16)
    }

    static func build(
        is64: Bool = false, entryRVA: UInt32 = 0x1010, imports: [(String, [Import])] = [],
        sectionCount: UInt16 = 2, textRawOffset: UInt32 = 0x400
    ) -> [UInt8] {
        var image = Image.patterned(count: 0x1600)
        image.put(Array(repeating: 0, count: 0x400), at: 0)
        image.put(Array("MZ".utf8), at: 0)
        image.u32(0x40, at: 60)
        let optionalSize = (is64 ? 112 : 96) + 16 * 8
        image.put(Array("PE".utf8) + [0, 0], at: 0x40)
        image.u16(is64 ? 0x8664 : 0x14C, at: 0x44)
        image.u16(sectionCount, at: 0x46)
        image.u16(UInt16(optionalSize), at: 0x54)
        image.u16(0x102, at: 0x56)
        let optional = 0x58
        image.u16(is64 ? 0x20B : 0x10B, at: optional)
        image.u32(entryRVA, at: optional + 16)
        image.u32(0x1000, at: optional + 32)
        image.u32(0x200, at: optional + 36)
        image.u32(0x3000, at: optional + 56)
        image.u32(0x400, at: optional + 60)
        image.u16(2, at: optional + 68)
        let directoryCount = optional + (is64 ? 108 : 92)
        image.u32(16, at: directoryCount)
        image.u32(0x2000, at: directoryCount + 4 + 8)
        image.u32(UInt32(20 * (imports.count + 1)), at: directoryCount + 4 + 12)
        let table = optional + optionalSize
        let sections: [(String, UInt32, UInt32, UInt32, UInt32)] = [
            (".text", 0x1000, 0x1000, 0x200, textRawOffset), (".idata", 0x1000, 0x2000, 0x1000, 0x600),
        ]
        for (i, s) in sections.prefix(Int(sectionCount)).enumerated() {
            let at = table + 40 * i
            image.put(Array(s.0.utf8), at: at)
            image.u32(s.1, at: at + 8)
            image.u32(s.2, at: at + 12)
            image.u32(s.3, at: at + 16)
            image.u32(s.4, at: at + 20)
        }
        // The import directory, thunks and names inside .idata (RVA 0x2000 = file 0x600).
        image.put(Array(repeating: 0, count: 0x1000), at: 0x600)
        let thunkSize = is64 ? 8 : 4
        var cursor = 20 * (imports.count + 1)
        var strings = 0x600
        func putString(_ s: String, hint: Bool) -> Int {
            let at = strings
            let data = (hint ? [0, 0] : []) + Array(s.utf8) + [0]
            image.put(data, at: 0x600 + at)
            strings += data.count + data.count % 2
            return at
        }
        for (index, (dll, functions)) in imports.enumerated() {
            let thunks = cursor
            cursor += (functions.count + 1) * thunkSize
            for (k, function) in functions.enumerated() {
                let value: UInt64
                switch function {
                case .ordinal(let n): value = (is64 ? 1 << 63 : 1 << 31) | UInt64(n)
                case .name(let name): value = 0x2000 + UInt64(putString(name, hint: true))
                }
                image.put(Image.encode(value, width: thunkSize, bigEndian: false), at: 0x600 + thunks + k * thunkSize)
            }
            let name = putString(dll, hint: false)
            let descriptor = 0x600 + 20 * index
            image.u32(UInt32(0x2000 + thunks), at: descriptor)
            image.u32(UInt32(0x2000 + name), at: descriptor + 12)
            image.u32(UInt32(0x2000 + thunks), at: descriptor + 16)
        }
        return image.bytes
    }
}

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
