import Crypto
import Testing
import VigilEngine
import VigilSignatures
import VigilTestSupport

/// Scanning inside containers: members in order before the container's own content, each with its chain,
/// ClamAV's limits and heuristics (figures checked with clamscan 1.4.6 on the same kinds of files).
@Suite("Containers")
struct ContainerScanTests {
    static let marker = Array("some MARKERTEXT inside a member\n".utf8)
    static let markerHex = "4d41524b455254455854"
    static let padding = Array(repeating: Array("plain text that matches nothing at all\n".utf8), count: 20).flatMap {
        $0
    }

    func engine(ndb: String = "", ldb: String = "", fp: String = "") throws -> Engine {
        var set = try SignatureSet.parse(
            bytes(ndb.isEmpty ? "Marker:0:*:\(Self.markerHex)" : ndb), kind: .ndb, file: "t.ndb")
        if !ldb.isEmpty { set.merge(try SignatureSet.parse(bytes(ldb), kind: .ldb, file: "t.ldb")) }
        if !fp.isEmpty { set.merge(try SignatureSet.parse(bytes(fp), kind: .fp, file: "t.fp")) }
        return Engine(set, builtins: true)
    }

    func scan(_ data: [UInt8], _ engine: Engine, allMatch: Bool = false, limits: ScanLimits = ScanLimits())
        -> [Detection]
    {
        var scanner = Scanner(engine: engine)
        return data.withUnsafeBytes { scanner.scan($0, allMatch: allMatch, limits: limits) }
    }

    @Test func detectionsInsideArchivesCarryTheirChain() throws {
        let engine = try engine()
        let inner = ArchiveWriter.zip([("readme.txt", Self.padding), ("eicar.com", TestContent.eicar)])
        let tar = ArchiveWriter.build([(name: "docs/inner.zip", bytes: inner)], format: .ustar)
        let targz = ArchiveWriter.build([(name: "data", bytes: tar)], format: .raw, filter: .gzip)
        let found = scan(targz, engine)
        #expect(found.map(\.name) == ["Eicar-Test-Signature"])
        #expect(found.first?.chain.suffix(2) == ["docs/inner.zip", "eicar.com"])
        #expect(found.first?.chain.count == 3)  // the gzip stream's member, then the tar's, then the zip's
    }

    /// An archive after other data (found by clamscan's embedded-type patterns) is unpacked after the file's own
    /// content is scanned; a UPX-packed ELF file is unpacked before.
    @Test func embeddedAndPackedObjects() throws {
        let engine = try engine()
        let zip = RawZip.build([RawZip.Entry("eicar.com", TestContent.eicar)])
        let found = scan(Self.padding + zip, engine)
        #expect(found.map(\.name) == ["Eicar-Test-Signature"] && found.first?.chain == ["eicar.com"])
        let both = scan(Self.padding + Self.marker + zip, engine, allMatch: true)
        #expect(both.first?.name == "Marker" && both.last?.name == "Eicar-Test-Signature")
        let elf = UPXEncoder.elf(Self.padding + Self.marker + Self.padding, method: 14)
        let unpacked = scan(elf, engine)
        #expect(unpacked.map(\.name) == ["Marker"] && unpacked.first?.chain == ["UPX unpacked"])
    }

    /// Vigil's own readers: SZDD (`compress.exe`) and BinHex, their content scanned as a member.
    @Test func szddAndBinHex() throws {
        let engine = try engine()
        let szdd = LegacyEncoders.szdd(TestContent.eicar + Array(repeating: 0x20, count: 40))
        #expect(scan(szdd, engine).map(\.name) == ["Eicar-Test-Signature"])
        let binHex = LegacyEncoders.binHex(name: "readme.txt", data: Self.padding, resource: Self.marker)
        let found = scan(binHex, engine)
        #expect(found.map(\.name) == ["Marker"])
        #expect(found.first?.chain == ["readme.txt (resource fork)"])
    }

    /// Mail, TNEF, RTF and HTML: an attachment's decoded content is scanned, under the chain of its name
    /// (a zip inside a mail is unpacked in turn).
    @Test func messagesAndDocuments() throws {
        let engine = try engine()
        let zip = ArchiveWriter.zip([("eicar.com", TestContent.eicar)])
        let mail =
            "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
            + "Content-Type: application/zip; name=\"invoice.zip\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + MessageEncoders.base64(zip) + "\r\n--b--\r\n"
        let found = scan(Array(mail.utf8), engine)
        #expect(found.map(\.name) == ["Eicar-Test-Signature"])
        #expect(found.first?.chain == ["invoice.zip", "eicar.com"])
        let tnef = MessageEncoders.tnef([("notes.txt", Self.padding), ("m.txt", Self.marker)])
        #expect(scan(tnef, engine).map { "\($0.name)@\($0.chain)" } == ["Marker@[\"m.txt\"]"])
        let rtf = MessageEncoders.rtf(packaging: Self.marker, name: "m.bin")
        #expect(scan(Array(rtf.utf8), engine).map(\.chain) == [["m.bin"]])
        let html = "<html><body><a href=\"data:text/plain;base64,\(MessageEncoders.base64(Self.marker))\">x</a>"
        #expect(scan(Array(html.utf8), engine).map(\.name) == ["Marker"])
    }

    /// OLE2: streams, and VBA macro source decompressed and scanned as text; `--alert-macros` reports the
    /// macros, after any signature's detection (checked against clamscan 1.4.6 on the same file).
    @Test func ole2StreamsAndMacros() throws {
        let engine = try engine()
        let source = "Sub AutoOpen()\r\n    Shell \"MARKERTEXT\"\r\nEnd Sub\r\n"
        let document = CompoundFileWriter.build(
            [("WordDocument", Self.padding)]
                + VBAEncoder.project(storage: "Macros/VBA", modules: [("Module1", source)]))
        #expect(scan(document, engine).map(\.chain) == [["Macros/VBA/Module1"]])
        var limits = ScanLimits()
        limits.alertMacros = true
        #expect(
            scan(document, engine, allMatch: true, limits: limits).map(\.name)
                == ["Marker", "Heuristics.OLE2.ContainsMacros.VBA"])
        let harmless = CompoundFileWriter.build(
            [("WordDocument", Self.padding)]
                + VBAEncoder.project(storage: "Macros/VBA", modules: [("Module1", "x = 1")]))
        #expect(scan(harmless, engine, limits: limits).map(\.name) == ["Heuristics.OLE2.ContainsMacros.VBA"])
        #expect(scan(harmless, engine).isEmpty)
    }

    /// PDF: each stream decoded is a member; an encrypted PDF raises `Heuristics.Encrypted.PDF` with
    /// `--alert-encrypted`.
    @Test func pdfStreams() throws {
        let engine = try engine()
        var builder = PDFBuilder()
        builder.object(1, "<< /Type /Catalog >>")
        builder.stream(2, Self.padding, filters: [.flate])
        builder.stream(3, Self.marker, filters: [.asciiHex, .flate])
        let pdf = builder.finished()
        #expect(scan(pdf, engine).map(\.chain) == [["obj 3 0"]])
        var limits = ScanLimits()
        limits.alertEncrypted = true
        let encrypted = builder.finished(trailer: " /Encrypt 9 0 R")
        #expect(
            scan(encrypted, engine, allMatch: true, limits: limits).map(\.name) == [
                "Marker", "Heuristics.Encrypted.PDF",
            ])
        #expect(scan(pdf, engine, allMatch: true, limits: limits).map(\.name) == ["Marker"])
    }

    @Test func everyMemberWithAllMatchFirstOnlyWithout() throws {
        let engine = try engine()
        let zip = ArchiveWriter.zip([("a.txt", Self.marker), ("b.txt", Self.padding), ("c.com", TestContent.eicar)])
        #expect(scan(zip, engine).map(\.chain) == [["a.txt"]])
        #expect(
            scan(zip, engine, allMatch: true).map { "\($0.name)@\($0.chain)" }
                == ["Marker@[\"a.txt\"]", "Eicar-Test-Signature@[\"c.com\"]"])
    }

    /// `Container` names the parent's type (CL_TYPE_ANY for a top-level file); `Intermediates` the chain
    /// of ancestors ending at the parent, CL_TYPE_ANY matching any type.
    @Test func containerAndIntermediates() throws {
        let rules = [
            "C1;Engine:81-255,Target:0,Container:CL_TYPE_ZIP;0;\(Self.markerHex)",
            "C2;Engine:81-255,Target:0,Container:CL_TYPE_ANY;0;\(Self.markerHex)",
            "C3;Engine:81-255,Target:0,Intermediates:CL_TYPE_GZ>CL_TYPE_POSIX_TAR;0;\(Self.markerHex)",
            "C4;Engine:81-255,Target:0,Intermediates:CL_TYPE_ANY>CL_TYPE_POSIX_TAR;0;\(Self.markerHex)",
            "C5;Engine:81-255,Target:0,Intermediates:CL_TYPE_ZIP>CL_TYPE_GZ>CL_TYPE_POSIX_TAR;0;\(Self.markerHex)",
        ].joined(separator: "\n")
        let engine = try engine(ndb: "Unrelated:0:*:00112233445566", ldb: rules)
        func names(_ data: [UInt8]) -> [String] { scan(data, engine, allMatch: true).map(\.name).sorted() }
        let tar = ArchiveWriter.build([(name: "m.txt", bytes: Self.marker)], format: .ustar)
        let targz = ArchiveWriter.build([(name: "m.tar", bytes: tar)], format: .raw, filter: .gzip)
        #expect(names(Self.marker) == ["C2"])
        #expect(names(ArchiveWriter.zip([("m.txt", Self.marker)])) == ["C1"])
        #expect(names(targz) == ["C3", "C4"])
        #expect(names(ArchiveWriter.zip([("m.tar.gz", targz)])) == ["C3", "C4", "C5"])
    }

    @Test func maxRecursionStopsTheDescent() throws {
        let engine = try engine()
        var nested = TestContent.eicar
        for depth in 0..<3 { nested = ArchiveWriter.zip([("level\(depth)", nested)]) }
        var limits = ScanLimits()
        limits.maxRecursion = 4
        #expect(scan(nested, engine, limits: limits).map(\.name) == ["Eicar-Test-Signature"])
        limits.maxRecursion = 3  // the EICAR file lies 3 containers deep
        #expect(scan(nested, engine, limits: limits).isEmpty)
        limits.alertExceedsMax = true
        #expect(scan(nested, engine, limits: limits).map(\.name) == ["Heuristics.Limits.Exceeded.MaxRecursion"])
    }

    /// clamscan counts the top-level file among MaxFiles.
    @Test func maxFilesCountsTheFileItself() throws {
        let engine = try engine()
        let zip = ArchiveWriter.zip([("a.txt", Self.padding), ("b.txt", Self.padding), ("c.com", TestContent.eicar)])
        var limits = ScanLimits()
        limits.maxFiles = 4
        #expect(scan(zip, engine, limits: limits).map(\.name) == ["Eicar-Test-Signature"])
        limits.maxFiles = 3
        #expect(scan(zip, engine, limits: limits).isEmpty)
        limits.alertExceedsMax = true
        #expect(scan(zip, engine, limits: limits).map(\.name) == ["Heuristics.Limits.Exceeded.MaxFiles"])
    }

    @Test func sizeLimits() throws {
        let engine = try engine()
        let big = TestContent.noise(300_000, seed: 3)
        let zip = ArchiveWriter.zip([("big.bin", big), ("c.com", TestContent.eicar)])
        var limits = ScanLimits()
        limits.maxFileSize = 100_000  // the big member is skipped, the rest scanned
        #expect(scan(zip, engine, limits: limits).map(\.name) == ["Eicar-Test-Signature"])
        limits.alertExceedsMax = true
        // Heuristic alerts come after the signatures' detections (clamscan 1.4.6's order).
        #expect(
            scan(zip, engine, allMatch: true, limits: limits).map(\.name)
                == ["Eicar-Test-Signature", "Heuristics.Limits.Exceeded.MaxFileSize"])
        limits = ScanLimits()
        limits.maxScanSize = 200_000  // the big member would pass the total: the descent stops
        #expect(scan(zip, engine, limits: limits).isEmpty)
        limits.alertExceedsMax = true
        #expect(scan(zip, engine, limits: limits).map(\.name) == ["Heuristics.Limits.Exceeded.MaxScanSize"])
    }

    @Test func encryptedMembers() throws {
        let engine = try engine()
        let zip = ArchiveWriter.build(
            [(name: "c.com", bytes: TestContent.eicar)], format: .zip,
            options: "zip:encryption=zipcrypt", passphrase: "secret")
        #expect(scan(zip, engine).isEmpty)
        var limits = ScanLimits()
        limits.alertEncrypted = true
        #expect(scan(zip, engine, limits: limits).map(\.name) == ["Heuristics.Encrypted.Zip"])
        let sevenZip = ArchiveWriter.build([(name: "c.com", bytes: TestContent.eicar)], format: .sevenZip)
        #expect(scan(sevenZip, engine, limits: limits).map(\.name) == ["Eicar-Test-Signature"])
    }

    /// An allow-listed container drops what is found in its members, as clamscan checks the whole chain.
    @Test func allowListedContainerDropsMemberDetections() throws {
        let zip = ArchiveWriter.zip([("c.com", TestContent.eicar)])
        let md5 = hexString(Insecure.MD5.hash(data: zip))
        let allowed = try engine(fp: "\(md5):\(zip.count):Allowed.Archive")
        #expect(scan(zip, allowed).isEmpty)
        #expect(scan(ArchiveWriter.zip([("other.zip", zip)]), allowed).isEmpty)
        #expect(scan(ArchiveWriter.zip([("c.com", TestContent.eicar), ("x", [1])]), allowed).count == 1)
    }

    /// Hostile archives end with a verdict in bounded time: a member expanding 1000-fold is cut at
    /// MaxFileSize, damaged archives keep what was read before the damage.
    @Test func hostileArchives() throws {
        let engine = try engine()
        let bomb = ArchiveWriter.zip([("zeros", [UInt8](repeating: 0, count: 150 << 20)), ("c.com", TestContent.eicar)])
        #expect(bomb.count < 1 << 20)
        #expect(scan(bomb, engine).map(\.name) == ["Eicar-Test-Signature"])  // the zeros are cut at MaxFileSize and skipped
        var nested = bomb
        for depth in 0..<20 { nested = ArchiveWriter.zip([("level\(depth).zip", nested)]) }
        var limits = ScanLimits()
        limits.alertExceedsMax = true
        #expect(scan(nested, engine, limits: limits).map(\.name) == ["Heuristics.Limits.Exceeded.MaxRecursion"])
        let good = ArchiveWriter.zip(
            [("c.com", TestContent.eicar), ("big", TestContent.noise(50_000, seed: 1))],
            options: "zip:compression=store")
        for cut in stride(from: 0, to: good.count, by: 4_999) {
            _ = scan(Array(good.prefix(cut)), engine, allMatch: true)
        }
        var damaged = good
        for i in stride(from: 200, to: damaged.count, by: 3) { damaged[i] ^= 0x5A }
        _ = scan(damaged, engine, allMatch: true)
    }
}
