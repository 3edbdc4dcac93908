import Foundation
import Testing
import VigilDatabase
import VigilEngine
import VigilTestSupport

func loadError(_ paths: [String]) -> DatabaseError? {
    do {
        _ = try DatabaseLoader.load(paths)
        return nil
    } catch {
        return error
    }
}

@Suite("Loading containers with DatabaseLoader, as vigil scan -d does")
struct ContainerLoadingTests {
    let dir: TemporaryDirectory
    let v5 = TestSignatures.database
    let secondLine = TestSignatures.secondNdbLine

    init() throws { dir = try TemporaryDirectory() }

    /// v5 plus the second body signature, as version 6.
    var v6: TestDatabase {
        var db = v5
        db.version = 6
        db.files[1].bytes += Array((secondLine + "\n").utf8)
        return db
    }

    var v6Update: [UInt8] { cdiff(version: 6, "OPEN test.ndb\nADD \(secondLine)\nCLOSE\n" + v5.infoUpdate(to: v6)) }

    @Test(arguments: [CVDArchive.Kind.cvd, .cld, .cud])
    func containerSignaturesAreLoaded(_ kind: CVDArchive.Kind) throws {
        let path = try dir.write("test.\(kind)", v5.build(kind))
        let loaded = try DatabaseLoader.load([path])
        #expect(loaded.warnings == [])
        #expect(loaded.files == [path])
        #expect(loaded.engine.signatureCount == 2)
        #expect(detections(loaded.engine, TestContent.eicar) == ["Test.Hash.Eicar"])
        #expect(
            detections(loaded.engine, Array("x \(String(decoding: TestSignatures.marker, as: UTF8.self)) y".utf8))
                == ["Test.Body.Marker"])
        #expect(loaded.containers.map(\.path) == [path])
        #expect(loaded.containers.first?.header.version == 5)
        #expect(loaded.containers.first?.header.builder == "vigiltest")
    }

    @Test func membersVigilDoesNotLoadWarnAsLooseFilesDo() throws {
        var db = v5
        db.files += [
            ("test.pdb", Array("R:example.com\n".utf8)),
            ("test.ndu", Array("P:0:*:41424344\n".utf8)),
            ("test.cfg", Array("DOCUMENT:0x1:0:0\n".utf8)),
        ]
        db.unlisted = [
            ("README", Array("not a signature file\n".utf8)), ("a.cbc", Array("ClamBC".utf8)),
            ("b.cbc", Array("ClamBC".utf8)),
        ]
        let path = try dir.write("test.cvd", db.build(.cvd))
        let loaded = try DatabaseLoader.load([path])
        #expect(
            loaded.warnings == [
                "\(path): 2 .cbc files of a kind Vigil does not know; skipped",
                "\(path)[test.pdb]: pdb files are not supported yet; file skipped",
            ])
        // PUA signatures load only with --detect-pua, and are otherwise skipped silently, as by clamscan.
        #expect(try DatabaseLoader.load([path], detectPUA: true).engine.signatureCount == loaded.engine.signatureCount + 1)
        let loose = try dir.write("loose/test.pdb", db.files[2].bytes)
        #expect(
            try DatabaseLoader.load([loose]).warnings == ["\(loose): pdb files are not supported yet; file skipped"])
    }

    @Test func aMalformedMemberNamesContainerMemberAndLine() throws {
        var db = v5
        db.files[1].bytes += Array("Broken:0:*:4G\n".utf8)
        let path = try dir.write("test.cud", db.build(.cud))
        let error = loadError([path])
        #expect(error?.code == .malformed)
        #expect(error?.description.hasPrefix("\(path)[test.ndb]:2") == true, "\(error?.description ?? "loaded")")
    }

    @Test func aCorruptContainerIsAnErrorNamingIt() throws {
        var bytes = v5.build(.cvd)
        bytes[700] ^= 0xFF
        let path = try dir.write("daily.cvd", bytes)
        let error = loadError([dir.path])
        #expect(error?.code == .malformed)
        #expect(error?.message.hasPrefix("\(path): the body's MD5 is ") == true, "\(error?.message ?? "loaded")")
    }

    @Test func updatesInADirectoryAreAppliedInOrderInMemory() throws {
        var v7 = v6
        v7.version = 7
        v7.files[0].bytes = []
        let cvd = try dir.write("test.cvd", v5.build(.cvd))
        let first = try dir.write("test-6.cdiff", v6Update)
        let second = try dir.write(
            "test-7.cdiff",
            cdiff(version: 7, "OPEN test.hdb\nDEL 1 \(md5(TestContent.eicar))\nCLOSE\n" + v6.infoUpdate(to: v7)))
        try dir.write("test-5.cdiff", Array("old update, already in test.cvd".utf8))
        let before = try [cvd, first, second].map { try Data(contentsOf: URL(fileURLWithPath: $0)) }

        let loaded = try DatabaseLoader.load([dir.path])
        #expect(loaded.warnings == [])
        #expect(loaded.containers.first?.header.version == 7)
        #expect(loaded.containers.first?.updates == [first, second])
        #expect(detections(loaded.engine, TestContent.eicar) == [])
        #expect(detections(loaded.engine, TestSignatures.secondMarker) == ["Test.Body.Second"])
        #expect(try [cvd, first, second].map { try Data(contentsOf: URL(fileURLWithPath: $0)) } == before)
    }

    @Test func aFailingUpdateKeepsTheLastGoodVersion() throws {
        let cvd = try dir.write("test.cvd", v5.build(.cvd))
        try dir.write("test-6.cdiff", v6Update)
        let bad = try dir.write("test-7.cdiff", cdiff(version: 7, "OPEN test.hdb\nDEL 1 0123456789\nCLOSE\n"))
        let loaded = try DatabaseLoader.load([dir.path])
        #expect(loaded.containers.first?.header.version == 6)
        #expect(loaded.warnings.count == 1)
        #expect(
            loaded.warnings.first?.hasPrefix("\(bad):3: DEL of line 1 of test.hdb: the line does not start with")
                == true)
        #expect(loaded.warnings.first?.hasSuffix("; update not applied, \(cvd) stays at version 6") == true)
        #expect(detections(loaded.engine, TestSignatures.secondMarker) == ["Test.Body.Second"])
        #expect(detections(loaded.engine, TestContent.eicar) == ["Test.Hash.Eicar"])
    }

    @Test func aMissingUpdateStopsTheChain() throws {
        try dir.write("test.cvd", v5.build(.cvd))
        let gap = try dir.write("test-7.cdiff", cdiff(version: 7, "OPEN test.ndb\nCLOSE\n"))
        try dir.write("other-3.cdiff", cdiff(version: 3, "OPEN o.ndb\nCLOSE\n"))
        let loaded = try DatabaseLoader.load([dir.path])
        #expect(loaded.containers.first?.header.version == 5)
        #expect(loaded.warnings.contains { $0.hasPrefix("\(gap): updates to version 7, but ") })
        #expect(
            loaded.warnings.contains("\(dir.path)/other-3.cdiff: no other.cvd or other.cld to update; file ignored"))
    }

    @Test func aCorruptUpdateIsAWarning() throws {
        try dir.write("test.cvd", v5.build(.cvd))
        var truncated = v6Update
        truncated.removeLast(330)
        let path = try dir.write("test-6.cdiff", truncated)
        let loaded = try DatabaseLoader.load([dir.path])
        #expect(loaded.containers.first?.header.version == 5)
        #expect(loaded.warnings.first?.hasPrefix("\(path): the gzip'd script: ") == true, "\(loaded.warnings)")
    }

    /// clamscan's rule for NAME.cvd beside NAME.cld: the higher version; at equal versions the .cld.
    @Test(arguments: [(5, 6, "cld"), (6, 5, "cvd"), (5, 5, "cld")])
    func cvdBesideCldLoadsOne(_ cvdVersion: Int, _ cldVersion: Int, _ winner: String) throws {
        var cvd = v5
        cvd.version = cvdVersion
        var cld = v5
        cld.version = cldVersion
        cld.files[1].bytes += Array((secondLine + "\n").utf8)  // only the .cld detects the second marker
        try dir.write("daily.cvd", cvd.build(.cvd))
        try dir.write("daily.cld", cld.build(.cld))
        let loaded = try DatabaseLoader.load([dir.path])
        #expect(loaded.files == ["\(dir.path)/daily.\(winner)"])
        #expect(loaded.warnings.count == 1)
        #expect(loaded.warnings.first?.hasPrefix("Detected duplicate databases") == true)
        #expect(detections(loaded.engine, TestSignatures.secondMarker) == (winner == "cld" ? ["Test.Body.Second"] : []))
    }

    static let clamscan = "/usr/bin/clamscan"

    /// The end-to-end proof that the test containers are real: clamscan loads the same .cud and finds the same
    /// things. clamscan 1.4.6 accepts only .cud files unsigned (the test below shows it refusing the others).
    @Test func clamscanAgreesOnAnUnsignedCUD() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.clamscan), "install clamav (scripts/ensure-deps)")
        let database = try dir.write("db/test.cud", v6.build(.cud))
        let targets = [
            try dir.write("t/eicar.com", TestContent.eicar),
            try dir.write(
                "t/marker.txt", Array("a \(String(decoding: TestSignatures.marker, as: UTF8.self)) b\n".utf8)),
            try dir.write("t/second.bin", [0, 1] + TestSignatures.secondMarker + [2]),
            try dir.write("t/clean.txt", Array("nothing here\n".utf8)),
        ]
        let result = try run(Self.clamscan, ["--no-summary", "-d", database] + targets)
        #expect(result.status == 1, "clamscan: \(result.stderr)")
        let loaded = try DatabaseLoader.load([database])
        for target in targets {
            let data = Array(try Data(contentsOf: URL(fileURLWithPath: target)))
            let vigil = detections(loaded.engine, data).first.map { "\(target): \($0) FOUND" } ?? "\(target): OK"
            #expect(
                result.stdout.replacingOccurrences(of: ".UNOFFICIAL", with: "").contains(vigil + "\n"),
                "clamscan said:\n\(result.stdout)")
        }
    }

    @Test func clamscanRefusesUnsignedCVDAndCLD() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.clamscan), "install clamav (scripts/ensure-deps)")
        let target = try dir.write("t/eicar.com", TestContent.eicar)
        // A .cvd must carry Talos' RSA signature of its MD5; a .cld's .info must end with a signed DSIG line.
        for (kind, complaint) in [("cvd", "Can't verify database integrity"), ("cld", "Malformed database")] {
            let database = try dir.write("\(kind)/test.\(kind)", v5.build(kind == "cvd" ? .cvd : .cld))
            let result = try run(Self.clamscan, ["--no-summary", "-d", database, target])
            #expect(result.status == 2)
            #expect(result.stderr.contains(complaint), "\(kind): \(result.stderr)")
        }
    }
}
