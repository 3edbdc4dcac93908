import Foundation
import Testing
import VigilFormats
import VigilTestSupport

/// NSIS, InstallShield and embedded cabinets, on installers the tests build.
@Suite struct InstallerTests {
    static let script = Array("NSIS script: install things\n".utf8) + TestContent.noise(500, seed: 1)
    static let payload =
        Array(repeating: Array("a file inside the installer\n".utf8), count: 40).flatMap { $0 }
        + TestContent.noise(3000, seed: 2)

    /// The members clamscan finds in an executable: the PE parser's, then the raw scan's embedded objects.
    static func embedded(_ data: [UInt8], maximumSize: Int = 1 << 20) -> [ArchiveMember] {
        members(of: data) { ExecutableMembers.forEachMember(in: $0, maximumSize: maximumSize, $1) }
            + members(of: data) {
                EmbeddedObjects.forEachMember(in: $0, container: .msexe, maximumSize: maximumSize, $1)
            }
    }

    @Test(arguments: [InstallerEncoders.NSISCompression.stored, .deflate, .lzma], [false, true])
    func nsisBlocks(compression: InstallerEncoders.NSISCompression, solid: Bool) {
        guard compression != .stored || !solid else { return }
        let nsis = InstallerEncoders.nsis([Self.script, Self.payload], compression: compression, solid: solid)
        let members = Self.embedded(PEBuilder.build() + nsis)
        #expect(members.map(\.data) == [Self.script, Self.payload])
        #expect(members.map(\.name) == ["NSIS script", "NSIS block 1"])
        for cut in stride(from: 0, to: nsis.count, by: 53) { _ = Self.embedded(PEBuilder.build() + nsis.prefix(cut)) }
    }

    @Test func installShieldMSIFiles() {
        let data = InstallerEncoders.installShieldMSI([("setup.exe", Self.payload), ("clam.exe409.bmp", Self.script)])
        let members = Self.embedded(PEBuilder.build() + data)
        #expect(members.map(\.name) == ["setup.exe", "clam.exe409.bmp"])
        #expect(members.map(\.data) == [Self.payload, Self.script])
        let capped = Self.embedded(PEBuilder.build() + data, maximumSize: 100)
        #expect(capped.map(\.truncated) == [true, true])
        for cut in stride(from: 0, to: data.count, by: 61) { _ = Self.embedded(PEBuilder.build() + data.prefix(cut)) }
    }

    @Test func installShieldOverlay() {
        let file = InstallerEncoders.installShieldOverlay([("clam.exe", Self.payload), ("readme.txt", Self.script)])
        let members = Self.embedded(file + [0])
        #expect(members.map(\.name) == ["clam.exe", "readme.txt"])
        #expect(members.map(\.data) == [Self.payload, Self.script])
        // A file must end before the overlay does (clamscan's bound): the last one, ending the file, is left.
        #expect(Self.embedded(file).map(\.name) == ["clam.exe"])
        // A size that runs past the end ends the listing.
        let lying = PEBuilder.build() + Array("a\u{0}b\u{0}1\u{0}99999999\u{0}short".utf8)
        #expect(Self.embedded(lying).isEmpty)
        // 64-bit executables are not read (as clamscan).
        #expect(Self.embedded(PEBuilder.build(is64: true) + Array("x\u{0}y\u{0}1\u{0}3\u{0}abc".utf8)).isEmpty)
    }

    @Test func installShieldCabinets() {
        let (header, cabinet) = InstallerEncoders.installShieldCabinet([
            ("clam.exe", Self.payload), ("b.txt", Self.script),
        ])
        let file =
            InstallerEncoders.installShieldOverlay([
                ("setup.ini", Self.script), ("data1.hdr", header),
                ("data2.cab", cabinet),
            ]) + [0]
        let members = Self.embedded(file)
        #expect(members.map(\.name) == ["setup.ini", "clam.exe", "b.txt"])
        #expect(members.map(\.data) == [Self.script, Self.payload, Self.script])
        // Without its cabinet the header is given as it is.
        let alone = InstallerEncoders.installShieldOverlay([("data1.hdr", header)]) + [0]
        #expect(Self.embedded(alone).map(\.data) == [header])
        for cut in stride(from: 0, to: header.count, by: 7) {
            _ = Self.embedded(
                InstallerEncoders.installShieldOverlay([
                    ("data1.hdr", Array(header.prefix(cut))),
                    ("data2.cab", cabinet),
                ]) + [0])
        }
    }

    @Test func embeddedCabinet() throws {
        let cab = try #require(
            FileManager.default.contents(atPath: "/usr/share/clamav-testfiles/clam.cab"),
            "install clamav-testfiles")
        let members = Self.embedded(PEBuilder.build() + Array(cab))
        let clam = try #require(FileManager.default.contents(atPath: "/usr/share/clamav-testfiles/clam.exe"))
        // The cabinet's file, then the executable stored in it, found as an embedded executable too.
        #expect(members.first?.data == Array(clam))
        #expect(members.dropFirst().map(\.name).allSatisfy { $0.hasPrefix("executable@") } && members.count == 2)
    }
}

/// UPX-packed executables and executables embedded in others, on files the tests build.
@Suite struct PackedExecutableTests {
    static let image =
        Array(repeating: Array("unpacked code and data ".utf8), count: 30).flatMap { $0 }
        + [UInt8](repeating: 0xCC, count: 100) + TestContent.noise(700, seed: 6)

    @Test(arguments: UPXEncoder.Method.allCases)
    func upxImage(method: UPXEncoder.Method) {
        let packed = UPXEncoder.pack(Self.image, method: method)
        #expect(packed.withUnsafeBytes { UPX.unpack($0, maximumSize: 1 << 20) } == Self.image)
        #expect(packed.withUnsafeBytes { UPX.unpack($0, maximumSize: 100) } == nil)
        let members = members(of: packed) { ExecutableMembers.forEachMember(in: $0, maximumSize: 1 << 20, $1) }
        #expect(members.map(\.name) == ["UPX unpacked"])
        for cut in stride(from: 0, to: packed.count, by: 17) {
            _ = Array(packed.prefix(cut)).withUnsafeBytes { UPX.unpack($0, maximumSize: 1 << 20) }
        }
        var noisy = packed
        for k in stride(from: 0x200, to: noisy.count, by: 5) { noisy[k] ^= 0x5A }
        _ = noisy.withUnsafeBytes { UPX.unpack($0, maximumSize: 1 << 20) }
        #expect(PEBuilder.build().withUnsafeBytes { UPX.unpack($0, maximumSize: 1 << 20) } == nil)
    }

    /// The original header found after the imports: a PE file rebuilt as clamscan's `pefromupx` lays it out
    /// (a DOS header pointing at 0xD0, the header, each section at its aligned size from the aligned end).
    @Test(arguments: UPXEncoder.Method.allCases)
    func upxRebuild(method: UPXEncoder.Method) throws {
        let (image, imports) = UPXEncoder.image(code: Self.image)
        let packed = UPXEncoder.pack(image, method: method, imports: imports)
        let rebuilt = try #require(packed.withUnsafeBytes { UPX.unpack($0, maximumSize: 1 << 20) })
        #expect(rebuilt.count == 0x1000 + 0x1000)
        #expect(Array(rebuilt[0..<2]) == Array("MZ".utf8) && Array(rebuilt[0xD0..<0xD4]) == [0x50, 0x45, 0, 0])
        #expect(Array(rebuilt[0x1000..<(0x1000 + Self.image.count)]) == Self.image)
        // The section entry rewritten: aligned size, address, raw size and raw offset.
        let entry = 0xD0 + 0xF8
        let fields = (0..<4).map { k in (0..<4).reduce(0) { $0 | Int(rebuilt[entry + 8 + 4 * k + $1]) << (8 * $1) } }
        #expect(fields == [0x1000, 0x1000, 0x1000, 0x1000])
        // A lea to imports past the image: the bare image is given.
        let lost = UPXEncoder.pack(image, method: method, imports: 1 << 30)
        #expect(lost.withUnsafeBytes { UPX.unpack($0, maximumSize: 1 << 20) } == image)
    }

    @Test func embeddedExecutables() {
        let inner = PEBuilder.build()
        let outer = PEBuilder.build() + Array("padding".utf8)
        // The first embedded executable, to the end of the data (clamscan's cli_scanembpe); a later one is
        // found inside it in turn.
        let members = InstallerTests.embedded(outer + inner + inner)
        #expect(members.map(\.data) == [inner + inner])
        #expect(members.map(\.name) == ["executable@\(outer.count)"])
        let fake = PEBuilder.build() + Array("MZ".utf8) + Array(repeating: 0, count: 80) + Array("PE".utf8) + [0, 0]
        #expect(InstallerTests.embedded(fake).isEmpty)
    }
}
