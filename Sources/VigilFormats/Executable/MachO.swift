/// Mach-O headers as clamscan 1.4 reads them for offsets (libclamav `cli_machoheader`, `cli_scanmacho_unibin`).
///
/// - The sections are those of every `LC_SEGMENT` (32-bit files) or `LC_SEGMENT_64` (64-bit files), in order.
///   A section's raw size is its size rounded up to its alignment.
/// - The entry point comes only from a PowerPC or PowerPC64 `LC_THREAD`/`LC_UNIXTHREAD` (its `srr0`), mapped
///   through the sections; x86 thread states are read and ignored, and `LC_MAIN` is not read, so every x86 and
///   ARM file has entry point 0.
/// - Parsing fails on 0 or more than 1024 load commands, a segment with more than 255 sections, a section
///   alignment of 2^32 or more or a size that overflows 32 bits once aligned, a command cut by the end of the
///   file, or an entry point no section holds.
public enum MachO {
    private static let maxCommands = 1024
    private static let maxSectionsPerSegment = 255

    /// Whether `magic` (the first four bytes read little-endian) is a thin Mach-O magic number.
    static func isThinMagic(_ magic: UInt32) -> Bool {
        magic == 0xFEED_FACE || magic == 0xCEFA_EDFE || magic == 0xFEED_FACF || magic == 0xCFFA_EDFE
    }

    /// The layout of a thin Mach-O file, or `nil` where clamscan's parser fails.
    static func layout(_ file: ByteReader) -> ExecutableLayout? {
        guard let magic = file.u32le(0), isThinMagic(magic), file.count >= 28 else { return nil }
        let swapped = magic == 0xCEFA_EDFE || magic == 0xCFFA_EDFE
        let is64 = magic == 0xFEED_FACF || magic == 0xCFFA_EDFE
        func u32(_ at: Int) -> UInt32? { swapped ? file.u32be(at) : file.u32le(at) }
        func u64(_ at: Int) -> UInt64? { swapped ? file.u64be(at) : file.u64le(at) }

        guard let cpu = u32(4), let ncmds = u32(16) else { return nil }
        enum Thread { case none, x86, ppc, ppc64 }
        let thread: Thread =
            switch cpu {
            case 7: .x86
            case 18: .ppc
            case 0x0100_0012: .ppc64
            default: .none
            }
        guard ncmds > 0, ncmds <= maxCommands else { return nil }

        var at = is64 ? 32 : 28
        var sections: [ExecutableLayout.Section] = []
        var entry: UInt32 = 0
        for _ in 0..<Int(ncmds) {
            guard let cmd = u32(at), let cmdsize = u32(at + 4) else { return nil }
            at += 8
            if (is64 && cmd == 0x19) || (!is64 && cmd == 0x01) {
                let segmentSize = is64 ? 64 : 48
                guard file.contains(at, segmentSize), let nsects = u32(at + (is64 ? 56 : 40)) else { return nil }
                at += segmentSize
                guard nsects <= maxSectionsPerSegment else { return nil }
                let sectionSize = is64 ? 80 : 68
                guard file.contains(at, Int(nsects) * sectionSize) else { return nil }
                for _ in 0..<Int(nsects) {
                    let address: UInt32
                    let size: UInt64
                    if is64 {
                        guard let a = u64(at + 32), let s = u64(at + 40) else { return nil }
                        (address, size) = (UInt32(truncatingIfNeeded: a), s)
                    } else {
                        guard let a = u32(at + 32), let s = u32(at + 36) else { return nil }
                        (address, size) = (a, UInt64(s))
                    }
                    let offsetField = at + (is64 ? 48 : 40)
                    guard let offset = u32(offsetField), let alignShift = u32(offsetField + 4) else { return nil }
                    // clamscan 1.4 rejects ("section alignment or size is malformed") an alignment of 2^32 or
                    // more and a size that does not fit 32 bits once rounded up to the alignment.
                    guard alignShift < 32 else { return nil }
                    let alignment = UInt64(1) << UInt64(alignShift)
                    let rawSize = size + (alignment - size % alignment) % alignment
                    guard rawSize <= UInt64(UInt32.max) else { return nil }
                    sections.append(
                        .init(
                            rawOffset: Int(offset), rawSize: Int(rawSize), virtualAddress: Int(address),
                            virtualSize: Int(size)))
                    at += sectionSize
                }
            } else if thread != .none && (cmd == 0x4 || cmd == 0x5) {
                at += 8
                switch thread {
                case .x86:
                    guard file.contains(at, 64) else { return nil }
                    at += 64
                case .ppc:
                    guard file.contains(at, 160), let pc = u32(at) else { return nil }
                    entry = pc
                    at += 160
                case .ppc64:
                    guard file.contains(at, 312), let pc = u64(at) else { return nil }
                    entry = UInt32(truncatingIfNeeded: pc)
                    at += 312
                case .none:
                    break
                }
            } else if cmdsize > 8 {
                at += Int(cmdsize) - 8
            }
        }

        var entryOffset: Int?
        if entry != 0 {
            if sections.isEmpty {
                entryOffset = Int(entry)  // clamscan keeps the unmapped address
            } else {
                guard
                    let section = sections.first(where: { s in
                        let start = UInt32(s.virtualAddress)
                        return start <= entry && start &+ UInt32(s.virtualSize) > entry
                    })
                else { return nil }
                entryOffset = Int(entry &- UInt32(section.virtualAddress) &+ UInt32(section.rawOffset))
            }
        }
        return ExecutableLayout(format: .machO, entryPoint: entryOffset, sections: sections)
    }

    /// One architecture of a fat (universal) file: where its bytes lie in the file.
    public struct Slice: Sendable, Equatable {
        /// The slice's CPU type.
        public var cpuType: UInt32
        /// The slice's file offset.
        public var offset: Int
        /// The slice's size in bytes, as the header says (it may run past the end of the file).
        public var size: Int
    }

    /// The slices of a fat file, each of which clamscan scans as a separate file (every slice, not one
    /// chosen by architecture); `nil` when the header is not a fat header clamscan accepts (more than 32
    /// architectures, or a count clamscan takes for a Java class) or an architecture entry is cut short.
    public static func slices(_ bytes: UnsafeRawBufferPointer) -> [Slice]? {
        let file = ByteReader(bytes)
        guard let magic = file.u32be(0), magic == 0xCAFE_BABE || magic == 0xBEBA_FECA else { return nil }
        let bigEndian = magic == 0xCAFE_BABE
        func u32(_ at: Int) -> UInt32? { bigEndian ? file.u32be(at) : file.u32le(at) }
        guard let count = u32(4), count & 0xFFFF < 39, count <= 32 else { return nil }
        var slices: [Slice] = []
        for i in 0..<Int(count) {
            let at = 8 + i * 20
            guard let cpu = u32(at), let offset = u32(at + 8), let size = u32(at + 12) else { return nil }
            slices.append(Slice(cpuType: cpu, offset: Int(offset), size: Int(size)))
        }
        return slices
    }
}
