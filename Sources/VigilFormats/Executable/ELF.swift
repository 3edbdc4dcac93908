/// ELF headers as clamscan 1.4 reads them for offsets (libclamav `cli_elfheader`).
///
/// - The entry point is `e_entry` mapped through the first program header (of any type) whose
///   `[p_vaddr, p_vaddr + p_memsz)` holds it; it is 0 when `e_entry` is 0 or there are no program headers.
/// - The sections are the section headers, all of them, in order: `Sx` counts the null section 0.
/// - Parsing fails (so no executable-relative offset matches) on a bad class, more than 128 program headers,
///   a wrong `e_phentsize` (when there are program headers and an entry), an entry no segment holds, more than
///   256 section headers, a wrong `e_shentsize` (even with no sections), or a header table cut by the file's end.
enum ELF {
    private static let maxProgramHeaders = 128
    private static let maxSections = 256

    /// The layout, or `nil` where clamscan's parser fails.
    static func layout(_ file: ByteReader) -> ExecutableLayout? {
        guard file.count >= 52, file.hasBytes([0x7F, 0x45, 0x4C, 0x46]), let elfClass = file.u8(4),
            let encoding = file.u8(5)
        else { return nil }
        guard elfClass == 1 || elfClass == 2 else { return nil }
        let is64 = elfClass == 2
        // libclamav 1.4 treats any encoding other than 1 as big-endian.
        let fields = Fields(file: file, bigEndian: encoding != 1)
        guard !is64 || file.count >= 64 else { return nil }

        let entry: UInt64
        let phoff: UInt64
        let shoff: UInt64
        let phentsize: Int
        let phnum: Int
        let shentsize: Int
        let shnum: Int
        if is64 {
            guard let e = fields.u64(24), let p = fields.u64(32), let s = fields.u64(40), let pe = fields.u16(54),
                let pn = fields.u16(56), let se = fields.u16(58), let sn = fields.u16(60)
            else { return nil }
            (entry, phoff, shoff) = (e, p, s)
            (phentsize, phnum, shentsize, shnum) = (Int(pe), Int(pn), Int(se), Int(sn))
        } else {
            guard let e = fields.u32(24), let p = fields.u32(28), let s = fields.u32(32), let pe = fields.u16(42),
                let pn = fields.u16(44), let se = fields.u16(46), let sn = fields.u16(48)
            else { return nil }
            (entry, phoff, shoff) = (UInt64(e), UInt64(p), UInt64(s))
            (phentsize, phnum, shentsize, shnum) = (Int(pe), Int(pn), Int(se), Int(sn))
        }

        guard phnum <= maxProgramHeaders else { return nil }
        var entryOffset: UInt64?
        if phnum > 0 && entry != 0 {
            guard phentsize == (is64 ? 56 : 32) else { return nil }
            guard let mapped = mapEntry(entry, phoff: phoff, count: phnum, is64: is64, fields: fields) else {
                return nil
            }
            entryOffset = mapped
        }

        guard shnum <= maxSections else { return nil }
        guard shentsize == (is64 ? 64 : 40) else { return nil }
        var sections: [ExecutableLayout.Section] = []
        sections.reserveCapacity(shnum)
        for i in 0..<shnum {
            let (at, overflow) = shoff.addingReportingOverflow(UInt64(i * shentsize))
            guard !overflow, at <= UInt64(Int.max), let base = Int(exactly: at) else { return nil }
            let address: UInt64
            let offset: UInt64
            let size: UInt64
            if is64 {
                guard file.contains(base, 64), let a = fields.u64(base + 16), let o = fields.u64(base + 24),
                    let s = fields.u64(base + 32)
                else { return nil }
                (address, offset, size) = (a, o, s)
            } else {
                guard file.contains(base, 40), let a = fields.u32(base + 12), let o = fields.u32(base + 16),
                    let s = fields.u32(base + 20)
                else { return nil }
                (address, offset, size) = (UInt64(a), UInt64(o), UInt64(s))
            }
            sections.append(
                .init(
                    rawOffset: Int(UInt32(truncatingIfNeeded: offset)), rawSize: Int(UInt32(truncatingIfNeeded: size)),
                    virtualAddress: Int(UInt32(truncatingIfNeeded: address)), virtualSize: 0))
        }
        return ExecutableLayout(
            format: .elf, entryPoint: entryOffset.map { Int(UInt32(truncatingIfNeeded: $0)) }, sections: sections)
    }

    /// `e_entry` as a file offset through the first program header holding it, in the header's own width
    /// (32-bit sums wrap for ELF32); `nil` if a header cannot be read or none holds the entry.
    private static func mapEntry(_ entry: UInt64, phoff: UInt64, count: Int, is64: Bool, fields: Fields) -> UInt64? {
        var headers: [(vaddr: UInt64, memsz: UInt64, offset: UInt64)] = []
        headers.reserveCapacity(count)
        let size = is64 ? 56 : 32
        for i in 0..<count {
            let (at, overflow) = phoff.addingReportingOverflow(UInt64(i * size))
            guard !overflow, let base = Int(exactly: at), fields.file.contains(base, size) else { return nil }
            if is64 {
                guard let o = fields.u64(base + 8), let v = fields.u64(base + 16), let m = fields.u64(base + 40) else {
                    return nil
                }
                headers.append((v, m, o))
            } else {
                guard let o = fields.u32(base + 4), let v = fields.u32(base + 8), let m = fields.u32(base + 20) else {
                    return nil
                }
                headers.append((UInt64(v), UInt64(m), UInt64(o)))
            }
        }
        for h in headers {
            if is64 {
                if h.vaddr <= entry && h.vaddr &+ h.memsz > entry { return entry &- h.vaddr &+ h.offset }
            } else {
                let v = UInt32(h.vaddr)
                let e = UInt32(entry)
                if v <= e && v &+ UInt32(h.memsz) > e { return UInt64(e &- v &+ UInt32(h.offset)) }
            }
        }
        return nil
    }

    /// Reads in the file's byte order.
    private struct Fields {
        let file: ByteReader
        let bigEndian: Bool

        func u16(_ at: Int) -> UInt16? { bigEndian ? file.u16be(at) : file.u16le(at) }
        func u32(_ at: Int) -> UInt32? { bigEndian ? file.u32be(at) : file.u32le(at) }
        func u64(_ at: Int) -> UInt64? { bigEndian ? file.u64be(at) : file.u64le(at) }
    }
}
