import Foundation
import Testing
import VigilDatabase
import VigilFormats
import VigilTestSupport

func code(_ body: () throws(CVDError) -> Void) -> CVDError.Code? {
    do {
        try body()
        return nil
    } catch {
        return error.code
    }
}

func failure(_ body: () throws(CVDError) -> Void) -> CVDError? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}

@Suite("Reading .cvd, .cld and .cud containers")
struct CVDArchiveTests {
    let database = TestSignatures.database

    @Test(arguments: [
        (CVDArchive.Kind.cvd, true), (.cud, true), (.cud, false), (.cld, false), (.cld, true),
    ])
    func readsHeaderAndMembers(_ kind: CVDArchive.Kind, _ compressed: Bool) throws {
        let archive = try CVDArchive.parse(database.build(kind, compressed: compressed), kind: kind, path: "t.\(kind)")
        #expect(archive.header.version == 5)
        #expect(archive.header.signatureCount == 2)
        #expect(archive.header.functionalityLevel == 216)
        #expect(archive.header.builder == "vigiltest")
        #expect(archive.header.buildTime == "24 Nov 2026 14-31 +0000")
        #expect(archive.header.buildTimeSeconds == 1_795_530_670)
        #expect(archive.members.map(\.name) == ["COPYING", "test.info", "test.hdb", "test.ndb"])
        #expect(archive.member(named: "test.ndb")?.bytes == TestSignatures.ndb)
    }

    @Test func headerRoundTripsAndParsesClamAVsExample() throws {
        let line =
            "ClamAV-VDB:07 Oct 2025 07-28 +0000:27784:2077150:90:5d8d2a13a0ee4c5bf8d81bc8d2bf0a53:"
            + "vHiBwyOM0btLK+l1nzcOQ6A8dRsH:raynman:1759822126"
        let header = try CVDHeader.parse(Array(line.utf8) + [UInt8](repeating: 32, count: 20)).get()
        #expect(header.version == 27784)
        #expect(header.signatureCount == 2_077_150)
        #expect(header.functionalityLevel == 90)
        #expect(header.builder == "raynman")
        #expect(header.buildTimeSeconds == 1_759_822_126)
        #expect(header.line == line)
        #expect(header.padded.count == 512)
        let old = try CVDHeader.parse(Array("ClamAV-VDB:1 Jan 2005:3:4:5:X:X:tk".utf8)).get()
        #expect(old.buildTimeSeconds == nil)
    }

    @Test(arguments: [
        ("ClamAV-VDX:24 Nov 2026 14-31 +0000:5:2:216:X:X:b:1", "does not start"),
        ("ClamAV-VDB:24 Nov 2026 14-31 +0000:five:2:216:X:X:b:1", "version field is not a number"),
        ("ClamAV-VDB:24 Nov 2026 14-31 +0000:5:2", "no functionality level"),
        ("ClamAV-VDB:24 Nov 2026 14-31 +0000:5:2:216:X:X:b:soon", "build time in seconds field is not a number"),
        ("", "does not start"),
    ])
    func corruptHeaderIsRefusedWithItsReason(_ header: String, _ reason: String) {
        var bytes = database.build(.cud)
        bytes.replaceSubrange(0..<512, with: TestDatabase.pad(header))
        let error = failure { () throws(CVDError) in _ = try CVDArchive.parse(bytes, kind: .cud, path: "/db/x.cud") }
        #expect(error?.code == .header)
        #expect(error?.description.hasPrefix("/db/x.cud: ") == true)
        #expect(error?.message.contains(reason) == true, "\(error?.message ?? "no error")")
    }

    @Test func fileShorterThanItsHeader() {
        let error = failure { () throws(CVDError) in
            _ = try CVDArchive.parse(Array("ClamAV-VDB:".utf8), kind: .cvd, path: "x.cvd")
        }
        #expect(error?.code == .header)
        #expect(error?.message.contains("shorter than its 512-byte header") == true)
        #expect(
            code { () throws(CVDError) in
                _ = try CVDArchive.parse(TestDatabase.pad(database.infoHeader), kind: .cld, path: "x.cld")
            } == .archive)
    }

    @Test func wrongMD5IsRefused() {
        var bytes = database.build(.cvd)
        bytes[600] ^= 0x01
        let error = failure { () throws(CVDError) in _ = try CVDArchive.parse(bytes, kind: .cvd, path: "daily.cvd") }
        #expect(error?.code == .checksum)
        #expect(error?.description.hasPrefix("daily.cvd: the body's MD5 is ") == true)
    }

    @Test func cvdWithoutAnMD5IsRefused() {
        // A .cld header (MD5 "X") renamed to .cvd: ClamAV verifies every .cvd, and so does Vigil.
        let bytes = database.build(.cld, compressed: true)
        #expect(code { () throws(CVDError) in _ = try CVDArchive.parse(bytes, kind: .cvd, path: "x.cvd") } == .checksum)
    }

    @Test func truncatedBodyIsRefused() {
        let cvd = database.build(.cvd)
        #expect(
            code { () throws(CVDError) in _ = try CVDArchive.parse(Array(cvd.dropLast(20)), kind: .cvd, path: "x.cvd") }
                == .checksum)
        // No MD5 to catch it in a .cld: the gzip stream's own end does.
        let cld = database.build(.cld, compressed: true)
        let error = failure { () throws(CVDError) in
            _ = try CVDArchive.parse(Array(cld.dropLast(20)), kind: .cld, path: "x.cld")
        }
        #expect(error?.code == .compression)
        #expect(error?.message.contains("ends early") == true)
        // A plain tar cut inside a member.
        let plain = database.build(.cld)
        #expect(
            code { () throws(CVDError) in
                _ = try CVDArchive.parse(Array(plain.dropLast(100)), kind: .cld, path: "x.cld")
            } == .archive)
    }

    @Test func gzipBombIsRefused() throws {
        var bomb = database
        bomb.unlisted = [("zeros.txt", [UInt8](repeating: 0, count: 16 << 20))]
        let bytes = bomb.build(.cud)
        #expect(bytes.count < 100_000)
        let error = failure { () throws(CVDError) in
            _ = try CVDArchive.parse(
                bytes, kind: .cud, path: "bomb.cud", limits: CVDArchive.Limits(maxUncompressedSize: 1 << 20))
        }
        #expect(error?.code == .limit)
        #expect(error?.description.hasPrefix("bomb.cud: ") == true)
        // Within the default limit, the same file is fine.
        _ = try CVDArchive.parse(bytes, kind: .cud, path: "bomb.cud")
    }

    @Test func badTarChecksumIsRefused() {
        var bytes = database.build(.cld)
        bytes[512 + 3] ^= 0x20  // COPYING -> COpYING
        let error = failure { () throws(CVDError) in _ = try CVDArchive.parse(bytes, kind: .cld, path: "x.cld") }
        #expect(error?.code == .archive)
        #expect(error?.message.contains("checksum") == true)
    }

    @Test func membersMustBePlainFiles() {
        var slash = database
        slash.unlisted = [("dir/x.txt", [1])]
        #expect(
            code { () throws(CVDError) in _ = try CVDArchive.parse(slash.build(.cud), kind: .cud, path: "x.cud") }
                == .archive)
        let tar =
            TestArchive.tar(database.members) + TestArchive.entry(name: "sub", bytes: [], typeFlag: UInt8(ascii: "5"))
        let bytes = TestDatabase.pad(database.infoHeader) + tar
        let error = failure { () throws(CVDError) in _ = try CVDArchive.parse(bytes, kind: .cld, path: "x.cld") }
        #expect(error?.code == .archive)
        #expect(error?.message.contains("sub is not a regular file") == true)
    }

    @Test func infoMustAgreeWithHeaderAndMembers() {
        // No .info at all: clamscan says "Corrupted CVD header".
        let tar = TestArchive.tar([("COPYING", [1]), ("test.hdb", TestSignatures.hdb)])
        let noInfo = failure { () throws(CVDError) in
            _ = try CVDArchive.parse(TestDatabase.pad(database.infoHeader) + tar, kind: .cld, path: "x.cld")
        }
        #expect(noInfo?.code == .integrity)
        #expect(noInfo?.message.contains("no .info member") == true)

        // A header whose version is not the .info's.
        var bytes = database.build(.cld)
        bytes.replaceSubrange(
            0..<512, with: TestDatabase.pad(database.infoHeader.replacingOccurrences(of: ":5:", with: ":6:")))
        let header = failure { () throws(CVDError) in _ = try CVDArchive.parse(bytes, kind: .cld, path: "x.cld") }
        #expect(header?.code == .integrity)
        #expect(header?.message.contains("disagrees with test.info") == true)

        // A member that is not listed, and one whose contents changed.
        var unlisted = database
        unlisted.unlisted = [("extra.ndb", TestSignatures.ndb)]
        let missing = failure { () throws(CVDError) in
            _ = try CVDArchive.parse(unlisted.build(.cud), kind: .cud, path: "x.cud")
        }
        #expect(missing?.message == "member extra.ndb is not listed in test.info")

        var changed = database.build(.cld)
        let at = changed.count - 512 + 2  // inside test.ndb's contents, its padding follows
        changed[at] = changed[at] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let sha = failure { () throws(CVDError) in _ = try CVDArchive.parse(changed, kind: .cld, path: "x.cld") }
        #expect(sha?.message == "member test.ndb does not match its SHA-256 in test.info")
    }

    @Test func realSigtoolOutputIsRead() throws {
        // The tar header sigtool 1.4.6 wrote for a 13-byte COPYING with `--build=test --unsigned`: name, size "15",
        // checksum "001577\0", and nothing else (no magic, no mode, type NUL).
        var header = TestArchive.header(name: Array("COPYING".utf8), size: 13, typeFlag: 0, style: .sigtool)
        #expect(header[124..<126] == [UInt8(ascii: "1"), UInt8(ascii: "5")])
        #expect(Array(header[148..<154]) == Array("001577".utf8))
        header += Array("test copying\n".utf8) + [UInt8](repeating: 0, count: 499)
        #expect(try TarReader.entries(in: header).map(\.name) == ["COPYING"])
    }
}
