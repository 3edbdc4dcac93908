import Testing
import VigilEngine
import VigilSignatures
import VigilTestSupport

/// `.cdb` signatures on members of real archives, and the order clamscan 1.4.6 reports in: members before
/// the container's own content, zip records before any member, heuristics after signatures (each checked
/// with clamscan on archives of the same shape).
@Suite("Container metadata")
struct ContainerMetadataTests {
    func engine(cdb: String, ndb: String = "") throws -> Engine {
        var set = try SignatureSet.parse(Array(cdb.utf8), kind: .cdb, file: "t.cdb")
        if !ndb.isEmpty { set.merge(try SignatureSet.parse(Array(ndb.utf8), kind: .ndb, file: "t.ndb")) }
        return Engine(set, builtins: true)
    }

    func scan(_ data: [UInt8], _ engine: Engine, allMatch: Bool = false, limits: ScanLimits = ScanLimits())
        -> [String]
    {
        var scanner = Scanner(engine: engine)
        return data.withUnsafeBytes { scanner.scan($0, allMatch: allMatch, limits: limits) }.map(\.name)
    }

    static let text = Array(repeating: Array("plain text that matches nothing\n".utf8), count: 10).flatMap { $0 }

    @Test func zipRecordsByEveryField() throws {
        let zip = RawZip.build([
            .init("dir/", []), .init("readme.txt", Self.text), .init("sub/drop.exe", Self.text, flags: 1),
        ])
        let size = zip.count
        let cases: [(String, Bool)] = [
            ("CL_TYPE_ZIP:\(size):^sub/drop\\.exe$:320:320:1:3", true),
            ("*:\(size - 1)-\(size + 1):drop:0-320:320-0:*:*", true),
            ("CL_TYPE_ZIP:*:^dir/$:0:0:0:1", true),
            ("CL_TYPE_ZIP:*:readme:*:*:0:2", true),
            ("CL_TYPE_7Z:*:readme:*:*:*:*", false),
            ("*:\(size + 1):readme:*:*:*:*", false),
            ("*:*:readme:*:*:1:*", false),
            ("*:*:readme:*:*:*:3", false),
            ("*:*:readme:321:*:*:*", false),
            ("*:*:^readme$:*:*:*:*", false),
            ("*:*:README:*:*:*:*", false),
        ]
        for (fields, matches) in cases {
            let found = scan(zip, try engine(cdb: "Cdb.Test:\(fields):*:*"))
            #expect(found == (matches ? ["Cdb.Test"] : []), "\(fields)")
        }
    }

    /// The last signature loaded is checked first; a zip's records all come before its first member.
    @Test func orderOfChecks() throws {
        let zip = RawZip.build([.init("eicar.com", TestContent.eicar), .init("readme.txt", Self.text)])
        let engine = try engine(cdb: "First:*:*:readme:*:*:*:*:*:*\nSecond:*:*:readme:*:*:*:*:*:*")
        #expect(scan(zip, engine) == ["Second"])
        #expect(scan(zip, engine, allMatch: true) == ["Second", "First", "Eicar-Test-Signature"])
    }

    @Test func positionsAsEachReaderCounts() throws {
        let members: [(name: String, bytes: [UInt8])] = [
            ("dir/", []), ("readme.txt", Self.text), ("empty.txt", []),
            ("dir/evil.exe", Self.text),
        ]
        func positions(_ format: ArchiveWriter.Format, type: String) throws -> [String] {
            let cdb = (0...5).map { "Pos\($0):\(type):*:evil:*:*:*:\($0):*:*" }.joined(separator: "\n")
            return scan(ArchiveWriter.build(members, format: format), try engine(cdb: cdb), allMatch: true)
        }
        #expect(try positions(.ustar, type: "CL_TYPE_POSIX_TAR") == ["Pos3"])  // regular members, from 1
        #expect(try positions(.cpioNewc, type: "CL_TYPE_CPIO_NEWC") == ["Pos4"])  // every entry, from 1
        #expect(try positions(.sevenZip, type: "CL_TYPE_7Z").count == 1)  // every entry, from 0
        // 7z passes no size in the container; tar and cpio pass the real size.
        let sevenZip = ArchiveWriter.build(members, format: .sevenZip)
        #expect(scan(sevenZip, try engine(cdb: "S:CL_TYPE_7Z:*:evil:0:320:0:*:*:*")) == ["S"])
        let tar = ArchiveWriter.build(members, format: .ustar)
        #expect(scan(tar, try engine(cdb: "S:CL_TYPE_POSIX_TAR:*:evil:320:320:0:*:*:*")) == ["S"])
        // cpio passes over empty entries.
        let cpio = ArchiveWriter.build(members, format: .cpioNewc)
        #expect(scan(cpio, try engine(cdb: "S:*:*:empty:*:*:*:*:*:*")).isEmpty)
        #expect(scan(tar, try engine(cdb: "S:*:*:empty:*:*:*:*:*:*")) == ["S"])
    }

    /// clamscan scans a container's members before its own content.
    @Test func membersBeforeTheContainersOwnContent() throws {
        let zip = RawZip.build([.init("eicar.com", TestContent.eicar)])
        let engine = try engine(cdb: "", ndb: "ZipHeader:0:0:504b0304")
        #expect(scan(zip, engine) == ["Eicar-Test-Signature"])
        #expect(scan(zip, engine, allMatch: true) == ["Eicar-Test-Signature", "ZipHeader"])
    }

    /// Heuristic alerts do not end the scan: a signature's detection is reported before them, and without
    /// `--allmatch` instead of them; each heuristic is reported once.
    @Test func heuristicsComeAfterSignatures() throws {
        let zip = RawZip.build([
            .init("a.txt", Array("secret".utf8), flags: 1), .init("b.txt", Array("other".utf8), flags: 1),
            .init("e.com", TestContent.eicar),
        ])
        var limits = ScanLimits()
        limits.alertEncrypted = true
        let engine = try engine(cdb: "")
        #expect(scan(zip, engine, limits: limits) == ["Eicar-Test-Signature"])
        #expect(
            scan(zip, engine, allMatch: true, limits: limits)
                == ["Eicar-Test-Signature", "Heuristics.Encrypted.Zip"])
        let onlyLocked = RawZip.build([.init("a.txt", Array("secret".utf8), flags: 1)])
        #expect(scan(onlyLocked, engine, limits: limits) == ["Heuristics.Encrypted.Zip"])
    }

    @Test func overlappingZipRecords() throws {
        let engine = try engine(cdb: "")
        #expect(scan(RawZip.nested(depth: 7, payload: Self.text), engine) == ["Heuristics.Zip.OverlappingFiles"])
        #expect(scan(RawZip.nested(depth: 6, payload: Self.text), engine).isEmpty)
        var limits = ScanLimits()
        limits.heuristicAlerts = false
        #expect(scan(RawZip.nested(depth: 7, payload: Self.text), engine, limits: limits).isEmpty)
    }

    /// A compiled image keeps the signatures as text and parses them when first needed.
    @Test func compiledImage() throws {
        let set = try SignatureSet.parse(
            Array("Cdb.Img:CL_TYPE_ZIP:*:evil:*:*:*:*:*:*".utf8), kind: .cdb, file: "t.cdb")
        let (image, skipped) = Engine.compile(set, builtins: false, provenance: [])
        #expect(skipped.isEmpty)
        let engine = try Engine(image: image)
        #expect(engine.counts.containers == 1 && engine.signatureCount == 1)
        #expect(scan(RawZip.build([.init("evil.exe", Self.text)]), engine) == ["Cdb.Img"])
    }

    @Test func unknownContainerTypeIsSkippedWithAReason() throws {
        let set = try SignatureSet.parse(Array("Bad:CL_TYPE_NOPE:*:*:*:*:*:*:*:*".utf8), kind: .cdb, file: "t.cdb")
        let engine = Engine(set)
        #expect(engine.skipped == ["Bad: unknown container type CL_TYPE_NOPE; signature skipped"])
        #expect(engine.counts.containers == 0)
    }
}
