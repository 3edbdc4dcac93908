import Testing
import VigilFormats
import VigilTestSupport

/// SZDD and BinHex, on files the tests encode.
@Suite struct LegacyFormatTests {
    static let content =
        Array("MZ header, then runs: aaaaaaaaaaaaaaaaaaaaaaaaa and \u{90}\u{90} bytes\n".utf8)
        + TestContent.noise(3000, seed: 4) + Array(repeating: 0x90, count: 300)

    @Test func szddRoundTrip() throws {
        let file = LegacyEncoders.szdd(Self.content)
        let member = try #require(file.withUnsafeBytes { SZDD.expand($0, maximumSize: 1 << 20) })
        #expect(member.data == Self.content)
        #expect(member.size == Self.content.count && !member.truncated)
        // Runs are back-references into the window, not copies.
        let runs = Array(repeating: UInt8(ascii: "a"), count: 1000)
        let packed = LegacyEncoders.szdd(runs)
        #expect(packed.count < 300)
        #expect(packed.withUnsafeBytes { SZDD.expand($0, maximumSize: 1 << 20) }?.data == runs)
    }

    @Test func szddLimitsAndDamage() throws {
        let file = LegacyEncoders.szdd(Self.content)
        let capped = try #require(file.withUnsafeBytes { SZDD.expand($0, maximumSize: 100) })
        #expect(capped.data == Array(Self.content.prefix(100)) && capped.truncated)
        // A header that promises 4 GiB: the output stops with the input.
        let lying = LegacyEncoders.szdd(Self.content, declaredSize: Int(UInt32.max))
        #expect(lying.withUnsafeBytes { SZDD.expand($0, maximumSize: 1 << 20) }?.data == Self.content)
        for cut in 0..<40 { _ = Array(file.prefix(cut)).withUnsafeBytes { SZDD.expand($0, maximumSize: 1 << 20) } }
        #expect(Array("SZDD but not really".utf8).withUnsafeBytes { SZDD.expand($0, maximumSize: 100) } == nil)
    }

    @Test func binHexForks() {
        let resource = Array("resource fork bytes".utf8)
        let file = LegacyEncoders.binHex(name: "clam.exe", data: Self.content, resource: resource)
        let members = file.withUnsafeBytes { BinHex.decode($0, maximumSize: 1 << 20) }
        #expect(members.map(\.name) == ["clam.exe", "clam.exe (resource fork)"])
        #expect(members.first?.data == Self.content)
        #expect(members.last?.data == resource)
        let dataOnly = LegacyEncoders.binHex(name: "x", data: Self.content)
        #expect(dataOnly.withUnsafeBytes { BinHex.decode($0, maximumSize: 1 << 20) }.count == 1)
    }

    @Test func binHexLimitsAndDamage() {
        let file = LegacyEncoders.binHex(name: "x", data: Self.content, resource: Array("rsrc".utf8))
        let capped = file.withUnsafeBytes { BinHex.decode($0, maximumSize: 50) }
        #expect(capped.first?.data == Array(Self.content.prefix(50)) && capped.first?.truncated == true)
        #expect(capped.last?.data == Array("rsrc".utf8))  // found past the skipped rest of the data fork
        for cut in stride(from: 0, to: file.count, by: 7) {
            _ = Array(file.prefix(cut)).withUnsafeBytes { BinHex.decode($0, maximumSize: 1 << 20) }
        }
        #expect(
            Array("(This file must be converted with BinHex 4.0)\n:!!:".utf8).withUnsafeBytes {
                BinHex.decode($0, maximumSize: 100)
            }.isEmpty)
    }

    static func sisFiles(_ file: [UInt8], maximumSize: Int = 1 << 20) -> [ArchiveMember] {
        members(of: file) { SIS.forEachFile(in: $0, maximumSize: maximumSize, $1) }
    }

    @Test func sisFiles() {
        let readme = Array("read me\n".utf8)
        let file = LegacyEncoders.sis(
            [
                ("!:\\system\\apps\\a.app", [Self.content]),
                ("!:\\readme.txt", [readme, Self.content]),
            ], languages: 2)
        let members = Self.sisFiles(file)
        #expect(members.map(\.name) == ["!:\\system\\apps\\a.app", "!:\\readme.txt", "!:\\readme.txt"])
        #expect(members.map(\.data) == [Self.content, readme, Self.content])
        let stored = LegacyEncoders.sis([("x", [Self.content])], compress: false)
        #expect(Self.sisFiles(stored).map(\.data) == [Self.content])
        let capped = Self.sisFiles(file, maximumSize: 100)
        #expect(capped.first?.truncated == true && capped.first?.data.isEmpty == true)
        for cut in stride(from: 0, to: file.count, by: 5) { _ = Self.sisFiles(Array(file.prefix(cut))) }
        var lying = file
        lying[20] = 0xFF  // 255 files promised, 2 present
        lying[21] = 0xFF
        #expect(Self.sisFiles(lying).count == 3)
    }
}
