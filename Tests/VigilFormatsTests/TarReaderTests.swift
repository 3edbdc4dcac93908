import Testing
import VigilFormats
import VigilTestSupport

@Suite("Tar reader: ustar, GNU and sigtool's pre-POSIX headers, never trapping")
struct TarReaderTests {
    let files: [(name: String, bytes: [UInt8])] = [
        ("COPYING", Array("copying\n".utf8)), ("test.hdb", TestContent.noise(700, seed: 1)), ("empty.ndb", []),
    ]

    func contents(_ tar: [UInt8], _ entries: [TarEntry]) -> [(String, [UInt8])] {
        entries.map { ($0.name, Array(tar[$0.dataRange])) }
    }

    @Test(arguments: [TestArchive.TarStyle.sigtool, .ustar, .gnu], [false, true])
    func readsEveryStyleWithOrWithoutEndBlocks(_ style: TestArchive.TarStyle, _ endBlocks: Bool) throws {
        let tar = TestArchive.tar(files, style: style, endBlocks: endBlocks)
        let entries = try TarReader.entries(in: tar)
        #expect(entries.map(\.name) == files.map(\.name))
        #expect(entries.allSatisfy { $0.kind == .regularFile })
        #expect(contents(tar, entries).map(\.1) == files.map(\.bytes))
    }

    @Test func longNames() throws {
        let long = String(repeating: "d", count: 90) + "/" + String(repeating: "n", count: 60) + ".ndb"
        for style in [TestArchive.TarStyle.ustar, .gnu] {
            let entries = try TarReader.entries(in: TestArchive.tar([(long, [1, 2, 3])], style: style))
            #expect(entries.map(\.name) == [long], "\(style)")
        }
    }

    @Test func paxPathRecordNamesTheNextEntry() throws {
        let body = " path=pax/named/file.hdb\n"
        let record = Array("\(body.utf8.count + 2)\(body)".utf8)  // the length counts its own two digits
        let tar =
            TestArchive.entry(name: "PaxHeader", bytes: record, style: .ustar, typeFlag: UInt8(ascii: "x"))
            + TestArchive.entry(name: "short", bytes: [9], style: .ustar)
        #expect(try TarReader.entries(in: tar).map(\.name) == ["pax/named/file.hdb"])
        let broken = TestArchive.entry(
            name: "PaxHeader", bytes: Array("99 path=x\n".utf8), style: .ustar,
            typeFlag: UInt8(ascii: "x"))
        #expect(code(broken) == .malformed)
    }

    @Test func kindsOtherThanFiles() throws {
        let tar =
            TestArchive.entry(name: "dir/", bytes: [], style: .ustar, typeFlag: UInt8(ascii: "5"))
            + TestArchive.entry(name: "link", bytes: [], style: .ustar, typeFlag: UInt8(ascii: "2"))
            + TestArchive.entry(name: "fifo", bytes: [], style: .ustar, typeFlag: UInt8(ascii: "6"))
        #expect(try TarReader.entries(in: tar).map(\.kind) == [.directory, .symbolicLink, .other(UInt8(ascii: "6"))])
    }

    @Test func badChecksumIsRefused() {
        var tar = TestArchive.tar(files)
        tar[3] ^= 0x20  // "COPYING" -> "COpYING" without fixing the checksum
        #expect(code(tar) == .badChecksum)
        var field = TestArchive.tar(files)
        field[148] = UInt8(ascii: "9")
        #expect(code(field) == .badChecksum)
    }

    @Test func truncationAnywhereIsRefused() {
        let tar = TestArchive.tar(files)
        // Cut inside the first header, inside the second entry's data, and inside its padding.
        for cut in [100, 512 + 512 + 512 + 300, 512 + 512 + 512 + 700 + 10] {
            #expect(code(Array(tar.prefix(cut))) == .truncated, "cut at \(cut)")
        }
        #expect(code(Array(tar.prefix(0))) == nil)
    }

    @Test func hugeSizeFieldIsRefusedNotAllocated() {
        let header = TestArchive.header(name: Array("big".utf8), size: 0, typeFlag: UInt8(ascii: "0"), style: .ustar)
        func withSize(_ field: [UInt8]) -> [UInt8] {
            var h = header
            h.replaceSubrange(124..<136, with: field)
            h.replaceSubrange(148..<156, with: [UInt8](repeating: UInt8(ascii: " "), count: 8))
            let sum = h.reduce(0) { $0 + Int($1) }
            let digits = String(sum, radix: 8)
            h.replaceSubrange(
                148..<155, with: Array((String(repeating: "0", count: 6 - digits.count) + digits).utf8) + [0])
            return h
        }
        #expect(code(withSize(Array("77777777777\0".utf8))) == .truncated)  // 8 GiB, 0 bytes present
        #expect(code(withSize([0x80] + [UInt8](repeating: 0xFF, count: 11))) == .malformed)  // beyond Int
        #expect(code(withSize([0xFF] + [UInt8](repeating: 0xFF, count: 11))) == .malformed)  // negative
        #expect(code(withSize([0x80] + [UInt8](repeating: 0, count: 10) + [0x10])) == .truncated)  // base-256 16
        #expect(code(withSize(Array("12x\0\0\0\0\0\0\0\0\0".utf8))) == .malformed)
    }

    @Test func entryLimit() {
        let tar = TestArchive.tar((0..<20).map { ("f\($0).ndb", [UInt8(ascii: "x")]) })
        do {
            _ = try TarReader.entries(in: tar, limits: TarReader.Limits(maxEntries: 10))
            Issue.record("20 entries passed a limit of 10")
        } catch {
            #expect(error.code == .limitExceeded)
        }
    }

    @Test func trailingZeroBytesShorterThanABlockAreFine() throws {
        let tar = TestArchive.tar(files) + [0, 0, 0]
        #expect(try TarReader.entries(in: tar).count == 3)
        #expect(code(TestArchive.tar(files) + [0, 1]) == .truncated)
    }

    func code(_ tar: [UInt8]) -> TarError.Code? {
        do {
            _ = try TarReader.entries(in: tar)
            return nil
        } catch {
            return error.code
        }
    }
}
