import Testing
import VigilDatabase
import VigilTestSupport

@Suite(".cdiff updates")
struct CDiffTests {
    let v5 = TestSignatures.database

    var archive: CVDArchive { get throws { try CVDArchive.parse(v5.build(.cvd), kind: .cvd, path: "test.cvd") } }

    /// v5 with `edit` applied to its files, as version 6.
    func next(_ edit: (inout TestDatabase) -> Void) -> TestDatabase {
        var v6 = v5
        v6.version = 6
        edit(&v6)
        return v6
    }

    func apply(_ script: String, to base: CVDArchive? = nil, version: Int = 6) throws -> CVDArchive {
        let update = try CDiff.parse(cdiff(version: version, script), path: "test-\(version).cdiff")
        return try (base ?? archive).applying(update)
    }

    func scriptError(_ script: String, version: Int = 6) throws -> CVDError? {
        let base = try archive
        return failure { () throws(CVDError) in
            _ = try base.applying(CDiff.parse(cdiff(version: version, script), path: "test-\(version).cdiff"))
        }
    }

    @Test func parsesHeaderScriptAndTrailer() throws {
        let update = try CDiff.parse(cdiff(version: 27785, "OPEN a.ndb\nCLOSE\n"), path: "daily-27785.cdiff")
        #expect(update.version == 27785)
        #expect(update.script == Array("OPEN a.ndb\nCLOSE\n".utf8))
        // Unsigned (no trailer) is read too; anything but ":SIGNATURE" after the stream is not.
        _ = try CDiff.parse(cdiff(version: 1, "CLOSE\n", trailer: ""), path: "x-1.cdiff")
        #expect(
            code { () throws(CVDError) in
                _ = try CDiff.parse(cdiff(version: 1, "X\n", trailer: "junk"), path: "x-1.cdiff")
            } == .header)
        #expect(
            code { () throws(CVDError) in _ = try CDiff.parse(Array("ClamAV-Diff:x:1:".utf8), path: "x-1.cdiff") }
                == .header)
        #expect(
            code { () throws(CVDError) in _ = try CDiff.parse(Array("ClamAV-Patch:1:1:".utf8), path: "x-1.cdiff") }
                == .header)
        #expect(
            code { () throws(CVDError) in _ = try CDiff.parse(Array("ClamAV-Diff:1:1:abc".utf8), path: "x-1.cdiff") }
                == .compression)
        var truncated = cdiff(version: 1, String(repeating: "ADD x\n", count: 100), trailer: "")
        truncated.removeLast(9)
        #expect(code { () throws(CVDError) in _ = try CDiff.parse(truncated, path: "x-1.cdiff") } == .compression)
    }

    @Test func scriptBombIsRefused() {
        let bomb = cdiff(version: 6, String(repeating: "#", count: 8 << 20))
        let error = failure { () throws(CVDError) in
            _ = try CDiff.parse(bomb, path: "b-6.cdiff", maxScriptSize: 1 << 20)
        }
        #expect(error?.code == .limit)
    }

    @Test func fileNames() {
        #expect(CDiff.nameAndVersion(fileName: "daily-27001.cdiff")! == ("daily", 27001))
        #expect(CDiff.nameAndVersion(fileName: "my-db-3.cdiff")! == ("my-db", 3))
        #expect(CDiff.nameAndVersion(fileName: "daily-.cdiff") == nil)
        #expect(CDiff.nameAndVersion(fileName: "-3.cdiff") == nil)
        #expect(CDiff.nameAndVersion(fileName: "daily-3.cdif") == nil)
    }

    @Test func addDeleteAndExchangeOnAMember() throws {
        let v6 = next { db in
            db.files[1].bytes =
                Array("Test.Body.Renamed:0:*:\(TestSignatures.hexOf(TestSignatures.marker))\n".utf8)
                + Array((TestSignatures.secondNdbLine + "\n").utf8)
            db.files[0].bytes = []
        }
        let script = """
            OPEN test.ndb
            XCHG 1 Test.Body.Marker Test.Body.Renamed:0:*:\(TestSignatures.hexOf(TestSignatures.marker))
            ADD \(TestSignatures.secondNdbLine)
            CLOSE
            OPEN test.hdb
            DEL 1 \(md5(TestContent.eicar).prefix(16))
            CLOSE

            """ + v5.infoUpdate(to: v6)
        let updated = try apply(script)
        #expect(updated.header.version == 6)
        #expect(updated.header.signatureCount == 2)
        #expect(updated.kind == .cld)
        #expect(updated.member(named: "test.ndb")?.bytes == v6.files[1].bytes)
        #expect(updated.member(named: "test.hdb")?.bytes == [])
        #expect(updated.member(named: "test.info")?.bytes == v6.info)
    }

    @Test func theOriginalIsUnchanged() throws {
        let base = try archive
        let before = base.members
        _ = try apply(
            "OPEN test.ndb\nADD X:0:*:41424344\nCLOSE\n"
                + v5.infoUpdate(
                    to: next { db in
                        db.files[1].bytes += Array("X:0:*:41424344\n".utf8)
                    }), to: base)
        #expect(base.members == before)
        #expect(base.header.version == 5)
    }

    @Test func wrongVersionIsRefused() throws {
        let error = try scriptError("OPEN test.ndb\nCLOSE\n", version: 7)
        #expect(error?.code == .version)
        #expect(error?.description == "test-7.cdiff: updates to version 7, but test.cvd is at version 5")
        // The script ran, but did not bring test.info to version 6.
        let stale = try scriptError("OPEN test.ndb\nCLOSE\n")
        #expect(stale?.code == .version)
        #expect(stale?.message == "after the update, test.info says version 5, not 6")
    }

    @Test func resultMustMatchItsInfo() throws {
        // test.ndb changes but test.info still lists the old SHA-256.
        let v6 = next { _ in }
        let error = try scriptError("OPEN test.ndb\nADD X:0:*:41424344\nCLOSE\n" + v5.infoUpdate(to: v6))
        #expect(error?.code == .integrity)
        #expect(error?.message == "after the update: member test.ndb is 79 bytes, test.info says 64")
    }

    @Test(arguments: [
        (
            "OPEN test.ndb\nDEL 1 Wrong.Start\nCLOSE\n", 3,
            "DEL of line 1 of test.ndb: the line does not start with \"Wrong.Start\""
        ),
        ("OPEN test.ndb\nXCHG 9 A B\nCLOSE\n", 3, "XCHG of line 9: test.ndb has only 1 lines"),
        ("OPEN test.ndb\nFROB 1\nCLOSE\n", 2, "unknown command \"FROB\""),
        ("OPEN test.ndb\n\nCLOSE\n", 2, "unknown command \"\""),
        ("ADD x\n", 1, "ADD with no database open"),
        ("CLOSE\n", 1, "CLOSE with no database open"),
        ("OPEN test.ndb\nOPEN test.hdb\n", 2, "OPEN test.hdb while test.ndb is still open"),
        ("OPEN ../etc/passwd\n", 1, "invalid database name"),
        ("OPEN test.ndb\nDEL x y\n", 2, "invalid line number \"x\""),
        ("OPEN test.ndb\nDEL 1\n", 2, "DEL needs a line number and the line's start"),
        ("OPEN test.ndb\nXCHG 1 Test\n", 2, "XCHG needs a line number"),
        ("OPEN test.ndb\nDEL 1 Test", 2, "DEL needs a line number and its start and a newline after it"),
        ("OPEN test.ndb\nADD x\n", 2, "the script ends with test.ndb still open"),
        ("# comment\nOPEN nope.ndb\nDEL 1 x\nCLOSE\n", 4, "nope.ndb does not exist"),
        ("UNLINK nope.ndb\n", 1, "UNLINK nope.ndb: no such database file"),
        ("OPEN test.ndb\nUNLINK test.ndb\n", 2, "UNLINK test.ndb while test.ndb is still open"),
        ("MOVE test.ndb test.hdb 1 Test 1 Test\n", 1, "MOVE: lines 1–1 of test.ndb were not found"),
        ("MOVE test.ndb nope.hdb 1 Test 1 Test\n", 1, "MOVE to nope.hdb: no such database file"),
    ])
    func failingCommandsNameTheirLine(_ script: String, _ line: Int, _ message: String) throws {
        let error = try scriptError(script)
        #expect(error?.code == .script)
        #expect(error?.line == line)
        #expect(error?.message.hasPrefix(message) == true, "\(error?.description ?? "applied")")
        #expect(error?.description.hasPrefix("test-6.cdiff:\(line): ") == true)
    }

    @Test func quadraticRewritingIsCutOff() throws {
        let base = try archive
        let grow = String(repeating: "ADD " + String(repeating: "A", count: 500) + "\n", count: 2000)
        let churn = String(repeating: "OPEN big.ndb\nXCHG 1  B\nCLOSE\n", count: 40)
        let error = failure { () throws(CVDError) in
            _ = try base.runningScript(Array(("OPEN big.ndb\n" + grow + "CLOSE\n" + churn).utf8), path: "h.script")
        }
        #expect(error?.message.hasPrefix("the script rewrites far more than the database holds") == true)
        // The same work a few times over is fine.
        let few = String(repeating: "OPEN big.ndb\nXCHG 1  B\nCLOSE\n", count: 3)
        _ = try base.runningScript(Array(("OPEN big.ndb\n" + grow + "CLOSE\n" + few).utf8), path: "ok.script")
    }

    @Test func moveAndUnlink() throws {
        let lines = (1...5).map { "L\($0):0:*:4142434445464748" }
        var base = v5
        base.files = [
            ("a.ndb", Array(lines.map { $0 + "\n" }.joined().utf8)), ("b.ndb", Array("B1:0:*:4142434445464748\n".utf8)),
            ("c.ndb", Array("C1:0:*:4142434445464748\n".utf8)),
        ]
        let archive = try CVDArchive.parse(base.build(.cud), kind: .cud, path: "t.cud")
        var v6 = base
        v6.version = 6
        v6.files = [
            ("a.ndb", Array("L1:0:*:4142434445464748\nL5:0:*:4142434445464748\n".utf8)),
            ("b.ndb", Array(("B1:0:*:4142434445464748\n" + lines[1...3].map { $0 + "\n" }.joined()).utf8)),
        ]
        let updated = try apply("MOVE a.ndb b.ndb 2 L2 4 L4\nUNLINK c.ndb\n" + base.infoUpdate(to: v6), to: archive)
        #expect(updated.members.map(\.name) == ["COPYING", "test.info", "a.ndb", "b.ndb"])
        #expect(updated.member(named: "a.ndb")?.bytes == v6.files[0].bytes)
        #expect(updated.member(named: "b.ndb")?.bytes == v6.files[1].bytes)
    }

    @Test func clamAVsFinePoints() throws {
        var base = v5
        base.files = [("a.ndb", Array("one\r\ntwo\r\nthree\r\n".utf8)), ("b.ndb", Array("no-newline".utf8))]
        let archive = try CVDArchive.parse(base.build(.cud), kind: .cud, path: "t.cud")
        func run(_ script: String) throws(CVDError) -> [String: [UInt8]] {
            let members = try archive.runningScript(Array(script.utf8), path: "t.script")
            return Dictionary(members.map { ($0.name, $0.bytes) }, uniquingKeysWith: { a, _ in a })
        }
        // Line endings stay as they were (only \n ends a line for ClamAV); a later edit of a line replaces an
        // earlier one; edits apply in line order whatever their order in the script.
        let edited = try run("OPEN a.ndb\nXCHG 3 three THREE\nDEL 1 one\nXCHG 1 one ONE\nCLOSE\n")
        #expect(edited["a.ndb"] == Array("ONE\ntwo\r\nTHREE\n".utf8))
        // XCHG's new line is the rest of the line, spaces included; a double space makes an empty expected start.
        let spaced = try run("OPEN a.ndb\nXCHG 2  a b  c\nCLOSE\n")
        #expect(spaced["a.ndb"] == Array("one\r\na b  c\nthree\r\n".utf8))
        // ADD appends verbatim, even after a last line with no newline; and creates a member that is missing.
        let added = try run("OPEN b.ndb\nADD tail\nCLOSE\nOPEN new.ndb\nADD first line\nCLOSE\n")
        #expect(added["b.ndb"] == Array("no-newlinetail\n".utf8))
        #expect(added["new.ndb"] == Array("first line\n".utf8))
        // An edit of a member whose last line has no newline fails, as in ClamAV.
        let error = failure { () throws(CVDError) in _ = try run("OPEN b.ndb\nDEL 1 no\nCLOSE\n") }
        #expect(error?.message.hasPrefix("b.ndb does not end with a newline") == true)
        #expect(error?.line == 3)
        // MOVE whose first and last lines are the same never finds its end (as ClamAV 1.4.6's sigtool shows).
        #expect(code { () throws(CVDError) in _ = try run("MOVE a.ndb b.ndb 1 one 1 one\n") } == .script)
    }
}
