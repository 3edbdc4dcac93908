import Testing
import VigilFormats
import VigilTestSupport

/// Layout semantics measured against clamscan 1.4.6 with `EP+n`, `Sx+n`, `SEx` and `SL+n` signatures on real
/// and built files; these tests pin them on images built here.
@Suite struct ExecutableLayoutTests {
    static func layout(_ bytes: [UInt8]) -> ExecutableLayout? { bytes.withUnsafeBytes { ExecutableLayout.parse($0) } }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func elfInEveryClassAndByteOrder(is64: Bool, bigEndian: Bool) throws {
        let layout = try #require(Self.layout(ELFBuilder.build(is64: is64, bigEndian: bigEndian)))
        #expect(layout.format == .elf)
        #expect(layout.entryPoint == 0x1010)  // through the second program header, not the first
        #expect(layout.numberOfSections == 4)
        #expect(layout.sections[1] == .init(rawOffset: 0x110, rawSize: 0x41, virtualAddress: 0x400100, virtualSize: 0))
        #expect(layout.resolve(.entryPoint(16)) == 0x1020)
        #expect(layout.resolve(.section(1, plus: 4)) == 0x114)
        #expect(layout.resolve(.lastSection(plus: 0)) == 0x310)
        #expect(layout.resolve(.section(4, plus: 0)) == nil)
        #expect(layout.resolve(.entryPoint(-0x2000)) == 0xFFFF_F010)  // wraps as clamscan's uint32
        #expect(layout.sectionExtent(0) == 0x10...0x50)
    }

    @Test func elfCasesClamscanRejectsOrTreatsSpecially() {
        #expect(Self.layout(ELFBuilder.build(is64: true, bigEndian: false, entry: 0))?.entryPoint == nil)
        #expect(Self.layout(ELFBuilder.build(is64: true, bigEndian: false, phnum: 0))?.entryPoint == nil)
        #expect(Self.layout(ELFBuilder.build(is64: true, bigEndian: false, shnum: 0))?.numberOfSections == 0)
        #expect(Self.layout(ELFBuilder.build(is64: true, bigEndian: false, entry: 0x900000)) == nil)
        #expect(Self.layout(ELFBuilder.build(is64: true, bigEndian: false, shnum: 257)) == nil)
        #expect(Self.layout(ELFBuilder.build(is64: false, bigEndian: false, shnum: 0, shentsize: 0)) == nil)
        #expect(Self.layout(ELFBuilder.build(is64: true, bigEndian: false, shoff: 0x2FD0)) == nil)
        #expect(Self.layout(ELFBuilder.build(is64: true, bigEndian: false, shoff: UInt64.max - 8)) == nil)
        var otherEncoding = ELFBuilder.build(is64: true, bigEndian: true)
        otherEncoding[5] = 3  // any encoding but 1 reads big-endian
        #expect(Self.layout(otherEncoding)?.entryPoint == 0x1010)
    }

    @Test(arguments: [false, true])
    func portableExecutable(is64: Bool) throws {
        let layout = try #require(Self.layout(PEBuilder.build(is64: is64)))
        #expect(layout.format == .pe)
        #expect(layout.entryPoint == 0x410)
        #expect(
            layout.sections == [
                .init(rawOffset: 0x400, rawSize: 0x200, virtualAddress: 0x1000, virtualSize: 0x1000),
                .init(rawOffset: 0x600, rawSize: 0x1000, virtualAddress: 0x2000, virtualSize: 0x1000),
            ])
        #expect(Self.layout(PEBuilder.build(is64: is64, entryRVA: 0x10))?.entryPoint == 0x10)  // inside the headers
        #expect(Self.layout(PEBuilder.build(is64: is64, entryRVA: 0x5000)) == nil)
    }

    @Test func peSectionPastTheEndIsKeptForOffsetsAndDroppedForHashes() throws {
        let bytes = PEBuilder.build(entryRVA: 0x2010, textRawOffset: 0x9000)
        let layout = try #require(Self.layout(bytes))
        #expect(layout.numberOfSections == 2)
        #expect(layout.sections[0].rawSize == 0)
        #expect(layout.entryPoint == 0x610)
        let ranges = bytes.withUnsafeBytes { PortableExecutable.sectionHashRanges($0) }
        #expect(ranges == [0x600..<0x1600])
    }

    /// `VI` offsets: where each version-information string's key starts, as clamscan's `cli_peheader` collects
    /// them; strings without a value are left out.
    @Test func peVersionInformationStrings() throws {
        let (resources, keys) = PEBuilder.versionResource([
            ("CompanyName", "Example Ltd"), ("Comments", ""), ("FileVersion", "1.2.3.4"),
        ])
        func versionInfo(_ bytes: [UInt8]) throws -> [Int] {
            try bytes.withUnsafeBytes { try #require(PortableExecutable.parse($0)).versionInfoStringOffsets(in: $0) }
        }
        let bytes = PEBuilder.build(resources: resources)
        #expect(try versionInfo(bytes) == [keys[0], keys[2]])
        #expect(Array(bytes[keys[0]..<keys[0] + 4]) == [0x43, 0, 0x6F, 0])  // "Co"
        #expect(try versionInfo(PEBuilder.build()).isEmpty)
        // A damaged fixed-info signature: clamscan reads no strings at all.
        var damaged = bytes
        damaged[0xE00 + 0x60 + 0x28] ^= 0xFF
        #expect(try versionInfo(damaged).isEmpty)
    }

    @Test func peLiesAndTruncations() {
        var bytes = PEBuilder.build()
        bytes[0x46] = 0xFF
        bytes[0x47] = 0xFF  // 65535 sections: the table runs past the end
        #expect(Self.layout(bytes) == nil)
        var noPE = PEBuilder.build()
        noPE[0x40] = 0x4E  // "NE"
        #expect(Self.layout(noPE) == nil)
        #expect(FileTypeTests.detect(noPE) == .msexe)
        #expect(Self.layout(Array(PEBuilder.build().prefix(0x100))) == nil)
        var farHeader = PEBuilder.build()
        farHeader.replaceSubrange(60..<64, with: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(Self.layout(farHeader) == nil)
    }

    @Test func machOThin() throws {
        let x64 = MachOBuilder.build(
            is64: true, bigEndian: false, cpu: 0x0100_0007, sections: [(0x1000, 0x123, 0x400, 4)])
        let layout = try #require(Self.layout(x64))
        #expect(layout.format == .machO)
        #expect(layout.entryPoint == nil)  // clamscan reads no x86-64 entry point
        #expect(
            layout.sections == [.init(rawOffset: 0x400, rawSize: 0x130, virtualAddress: 0x1000, virtualSize: 0x123)])

        let ppc = MachOBuilder.build(
            is64: false, bigEndian: true, cpu: 18, sections: [(0x1000, 0x200, 0x400, 2)], ppcEntry: 0x1010)
        #expect(Self.layout(ppc)?.entryPoint == 0x410)
        let outside = MachOBuilder.build(
            is64: false, bigEndian: true, cpu: 18, sections: [(0x1000, 0x200, 0x400, 2)], ppcEntry: 0x9000)
        #expect(Self.layout(outside) == nil)
        let wideAlignment = MachOBuilder.build(
            is64: true, bigEndian: false, cpu: 0x0100_0007, sections: [(0x1000, 0x123, 0x400, 32)])
        #expect(Self.layout(wideAlignment) == nil)
        let noCommands = MachOBuilder.build(
            is64: true, bigEndian: false, cpu: 7, sections: [(0x1000, 0x10, 0x400, 0)], commandCount: 0)
        #expect(Self.layout(noCommands) == nil)
        let tooManyCommands = MachOBuilder.build(
            is64: true, bigEndian: false, cpu: 7, sections: [(0x1000, 0x10, 0x400, 0)], commandCount: 5000)
        #expect(Self.layout(tooManyCommands) == nil)
    }

    @Test func machOFatFilesAreScannedSliceBySlice() throws {
        let a = MachOBuilder.build(is64: true, bigEndian: false, cpu: 0x0100_0007, sections: [(0x1000, 0x10, 0x400, 0)])
        let b = MachOBuilder.build(
            is64: false, bigEndian: true, cpu: 18, sections: [(0x1000, 0x200, 0x400, 2)], ppcEntry: 0x1010)
        let fat = MachOBuilder.fat([(0x0100_0007, a), (18, b)])
        #expect(FileTypeTests.detect(fat) == .machOUniversal)
        #expect(Self.layout(fat) == nil)
        let slices = try #require(fat.withUnsafeBytes { MachO.slices($0) })
        #expect(slices.map(\.offset) == [0x1000, 0x3000])
        let second = Array(fat[slices[1].offset..<(slices[1].offset + slices[1].size)])
        #expect(Self.layout(second)?.entryPoint == 0x410)
        var java = fat
        java.replaceSubrange(4..<8, with: [0, 0, 0, 0x34])
        #expect(java.withUnsafeBytes { MachO.slices($0) } == nil)
    }

    @Test func everyPrefixOfEveryImageParsesWithoutTrapping() {
        let images = [
            PEBuilder.build(), PEBuilder.build(is64: true, imports: [("a.dll", [.name("F")])]),
            PEBuilder.build(resources: PEBuilder.versionResource([("A", "b"), ("C", "d")]).bytes),
            ELFBuilder.build(is64: true, bigEndian: false), ELFBuilder.build(is64: false, bigEndian: true),
            MachOBuilder.build(
                is64: false, bigEndian: true, cpu: 18, sections: [(0x1000, 0x200, 0x400, 2)], ppcEntry: 0x1010),
        ]
        for image in images {
            for length in stride(from: 0, through: image.count, by: 7) {
                image.prefix(length).withUnsafeBytes { raw in
                    _ = ExecutableLayout.parse(raw)
                    _ = FileType.detect(raw)
                    _ = PortableExecutable.importTableHashInput(raw)
                    _ = PortableExecutable.sectionHashRanges(raw)
                    _ = PortableExecutable.parse(raw)?.versionInfoStringOffsets(in: raw)
                    _ = MachO.slices(raw)
                }
            }
        }
    }

    @Test func randomlyCorruptedHeadersNeverTrap() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        let images = [
            PEBuilder.build(imports: [("KERNEL32.dll", [.name("A"), .ordinal(3)])]),
            PEBuilder.build(resources: PEBuilder.versionResource([("CompanyName", "X"), ("A", "")]).bytes),
            ELFBuilder.build(is64: true, bigEndian: false),
            MachOBuilder.build(is64: true, bigEndian: true, cpu: 0x0100_0012, sections: [(0x1000, 0x200, 0x400, 2)]),
        ]
        for image in images {
            for _ in 0..<300 {
                var mutated = image
                for _ in 0..<(1 + Int(next() % 8)) {
                    let at = Int(next() % 0x300)
                    mutated[at] = UInt8(truncatingIfNeeded: next())
                }
                mutated.withUnsafeBytes { raw in
                    _ = ExecutableLayout.parse(raw)
                    _ = PortableExecutable.importTableHashInput(raw)
                    _ = FileType.detect(raw)
                    _ = PortableExecutable.parse(raw)?.versionInfoStringOffsets(in: raw)
                }
            }
        }
    }
}
