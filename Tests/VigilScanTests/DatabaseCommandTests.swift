import Foundation
import Testing
import VigilTestSupport

/// `vigil db compile` and `vigil db info` end to end.
@Suite("vigil db")
struct DatabaseCommandTests {
    let dir: TemporaryDirectory

    init() throws { dir = try TemporaryDirectory() }

    @Test func compileInfoAndScan() throws {
        try dir.write("db/a.ndb", text: "Test.Compiled.Body:0:*:434f4d50494c4544\n")
        try dir.write("db/b.ldb", text: "Test.Compiled.Logical;Engine:51-255,Target:0;0&1;414243;78797a\n")
        let sample = try dir.write("sample.bin", TestContent.noise(100, seed: 9) + Array("COMPILED".utf8))
        let clean = try dir.write("clean.bin", TestContent.noise(100, seed: 10))
        let output = dir.path + "/test.vdb"

        let compile = try Vigil.run(["db", "compile", "-d", dir.path + "/db", "-o", output])
        #expect(compile.status == 0)
        #expect(compile.stdout.hasPrefix("Compiled 2 signatures from 2 files into \(output) ("))

        let info = try Vigil.run(["db", "info", output])
        #expect(info.status == 0)
        #expect(info.lines.contains("Signatures: 2"))
        #expect(info.lines.contains("  body signatures (.ndb): 1"))
        #expect(info.lines.contains("  logical signatures (.ldb): 1"))
        #expect(info.lines.contains("  source: \(dir.path)/db/a.ndb"))

        let scan = try Vigil.run(["scan", "--no-summary", "-d", output, sample, clean])
        #expect(scan.status == 1)
        #expect(scan.lines.contains("\(sample): Test.Compiled.Body FOUND"))
        #expect(scan.lines.contains("\(clean): OK"))
    }

    @Test func errorsExitWithTwo() throws {
        let missing = try Vigil.run(["db", "info", dir.path + "/missing.vdb"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("missing.vdb"))
        let junk = try dir.write("junk.vdb", text: "not a database at all, just text\n")
        let info = try Vigil.run(["db", "info", junk])
        #expect(info.status == 2)
        #expect(info.stderr == "ERROR: \(junk): not a Vigil compiled database (no VIGILVDB header)\n")
        let scan = try Vigil.run(["scan", "-d", junk, junk])
        #expect(scan.status == 2)
        let badOutput = try Vigil.run(["db", "compile", "-d", junk, "-o", dir.path + "/x.db"])
        #expect(badOutput.status == 2)
    }
}
