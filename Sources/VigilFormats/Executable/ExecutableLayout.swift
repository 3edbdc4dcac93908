/// Where an executable's entry point and sections lie in the file, as clamscan 1.4 computes them for the
/// `EP+n`, `EP-n`, `Sx+n`, `SEx` and `SL+n` offsets of `.ndb`/`.ldb` signatures and the `EntryPoint` and
/// `NumberOfSections` fields of `.ldb` target descriptions (libclamav `cli_targetinfo`).
///
/// clamscan works in 32-bit unsigned arithmetic here: every offset is a `UInt32` value (64-bit ELF and
/// Mach-O values are truncated), and sums wrap.
public struct ExecutableLayout: Sendable, Equatable {
    /// The executable format.
    public enum Format: Sendable, Equatable {
        /// PE32 or PE32+ (`pe.c`).
        case pe
        /// ELF, 32 or 64 bits, either byte order (`elf.c`).
        case elf
        /// A thin Mach-O file (`macho.c`).
        case machO
    }

    /// One section as clamscan records it (`struct cli_exe_section`).
    public struct Section: Sendable, Equatable {
        /// Where the section's bytes start in the file (PE: `PointerToRawData` aligned down to the file
        /// alignment; ELF: `sh_offset`; Mach-O: `offset`).
        public var rawOffset: Int
        /// How many bytes of the file it spans (PE: `SizeOfRawData` aligned up and cut at the end of the file;
        /// ELF: `sh_size`, even for `SHT_NOBITS`; Mach-O: `size` aligned up to the section's alignment).
        public var rawSize: Int
        /// Its address in memory (PE: an RVA aligned down to the section alignment; ELF: `sh_addr`; Mach-O: `addr`).
        public var virtualAddress: Int
        /// Its size in memory (PE: `VirtualSize` aligned up; Mach-O: `size`; ELF: 0, which clamscan never sets).
        public var virtualSize: Int

        /// Creates a section.
        public init(rawOffset: Int, rawSize: Int, virtualAddress: Int, virtualSize: Int) {
            self.rawOffset = rawOffset
            self.rawSize = rawSize
            self.virtualAddress = virtualAddress
            self.virtualSize = virtualSize
        }
    }

    /// The format.
    public var format: Format
    /// The entry point as a file offset, or `nil` when clamscan finds none and uses 0 (an ELF file with
    /// `e_entry` 0 or no program headers; a Mach-O file without a PowerPC thread state, which is every x86 and
    /// ARM file since clamscan reads no other entry point).
    public var entryPoint: Int?
    /// The sections in header order (ELF: every section header, the null section 0 included).
    public var sections: [Section]

    /// The `NumberOfSections` clamscan compares against `.ldb` target descriptions.
    public var numberOfSections: Int { sections.count }

    /// Creates a layout.
    public init(format: Format, entryPoint: Int?, sections: [Section]) {
        self.format = format
        self.entryPoint = entryPoint
        self.sections = sections
    }

    /// The layout of a PE, ELF or thin Mach-O file, or `nil` where clamscan's header parser fails (and clamscan
    /// then matches no signature with an executable-relative offset). A fat Mach-O file has none: clamscan
    /// scans each of its slices as a file of its own (see ``MachO/slices(_:)``).
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> ExecutableLayout? {
        let reader = ByteReader(bytes)
        if reader.hasBytes([0x7F, 0x45, 0x4C, 0x46]) { return ELF.layout(reader) }
        if let magic = reader.u32le(0), MachO.isThinMagic(magic) { return MachO.layout(reader) }
        return PortableExecutable.parse(bytes)?.layout
    }

    /// An offset relative to the executable's layout.
    public enum RelativeOffset: Sendable, Equatable {
        /// `EP+n` (`n` ≥ 0) or `EP-n` (negative `n`).
        case entryPoint(Int)
        /// `Sx+n`: `n` bytes into section `x` (0-based).
        case section(Int, plus: Int)
        /// `SL+n`: `n` bytes into the last section.
        case lastSection(plus: Int)
    }

    /// The file offset clamscan computes for `offset` (libclamav `cli_caloff`), or `nil` where it computes none
    /// (a section that does not exist). The value wraps as a `UInt32`, so `EP-n` before the file's start becomes
    /// an offset past any real file's end.
    public func resolve(_ offset: RelativeOffset) -> Int? {
        switch offset {
        case .entryPoint(let n):
            return Int(UInt32(truncatingIfNeeded: entryPoint ?? 0) &+ UInt32(truncatingIfNeeded: n))
        case .section(let index, let n):
            guard sections.indices.contains(index) else { return nil }
            return Int(UInt32(truncatingIfNeeded: sections[index].rawOffset) &+ UInt32(truncatingIfNeeded: n))
        case .lastSection(let n):
            guard let last = sections.last else { return nil }
            return Int(UInt32(truncatingIfNeeded: last.rawOffset) &+ UInt32(truncatingIfNeeded: n))
        }
    }

    /// The offsets an `SEx` offset allows a pattern to start at: section `x`'s raw offset up to its raw offset
    /// plus its raw size (inclusive, before any `,maxshift` is added); `nil` when the section does not exist or
    /// the end wraps past 2^32 (clamscan then matches nothing).
    ///
    /// Measured with clamscan 1.4.6: a pattern that clamscan's Boyer-Moore matcher takes (a static pattern of
    /// target 0 or 1) with no `,maxshift` matches at the section's start only; other patterns use the range.
    public func sectionExtent(_ index: Int) -> ClosedRange<Int>? {
        guard sections.indices.contains(index) else { return nil }
        let start = UInt32(truncatingIfNeeded: sections[index].rawOffset)
        let (end, wrapped) = start.addingReportingOverflow(UInt32(truncatingIfNeeded: sections[index].rawSize))
        guard !wrapped else { return nil }
        return Int(start)...Int(end)
    }
}
