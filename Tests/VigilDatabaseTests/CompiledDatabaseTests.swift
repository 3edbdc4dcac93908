import Foundation
import Testing
import VigilDatabase
import VigilEngine
import VigilTestSupport

/// `vigil db compile` output: the same verdicts as the text it came from, and refusal of anything damaged.
@Suite("Compiled databases (.vdb)")
struct CompiledDatabaseTests {
    let dir: TemporaryDirectory
    init() throws { dir = try TemporaryDirectory() }

    static let hashed = "vigil compiled database test file\n"
    static let anySize = "another file hashed by sha256, any size\n"

    /// Signatures of every kind the image stores, and the files that exercise them.
    func writeSources() throws -> String {
        try dir.write("db/a.hdb", text: "134cdf7a87e92d1142ebb7fe0879215c:34:Test.Hash.MD5\n")
        try dir.write("db/b.hsb",
            text: "0796f2af1f1ef9831b9d70eb751c1262c2cda4a2777cb964b50022135663b7d3:*:Test.Hash.AnySize:73\n")
        try dir.write("db/c.ndb", text: """
            Test.Body.Floating:0:*:56494749??4c2d{2-4}424f4459
            Test.Body.Start:0:0:7f454c46
            Test.Body.End:0:EOF-4:454e4421
            Test.Body.Text:7:*:68656c6c6f20776f726c64
            Test.Macro.Member:0:$4$:4d454d42

            """)
        try dir.write("db/d.ldb", text: """
            Test.Logical.Two;Engine:51-255,Target:0;0&1;414243444546;313233343536
            Test.Logical.PCRE;Engine:81-255,Target:0;0&1;4d41524b4552;0/marker=[0-9]{3}/i
            Test.Logical.Macro;Engine:51-255,Target:0;1;41414141;${4-12}4$

            """)
        try dir.write("db/e.fp", text: "d41d8cd98f00b204e9800998ecf8427e:0:Never.Matters\n")
        return dir.path + "/db"
    }

    /// The test files: name → content.
    var samples: [(String, [UInt8])] {
        [
            ("hashed", Array(Self.hashed.utf8)),
            ("anysize", Array(Self.anySize.utf8)),
            ("floating", TestContent.noise(300, seed: 1) + Array("VIGIxL-12BODY".utf8) + TestContent.noise(40, seed: 2)),
            ("elf", [0x7F, 0x45, 0x4C, 0x46] + TestContent.noise(64, seed: 3)),
            ("end", TestContent.noise(64, seed: 4) + Array("END!".utf8)),
            ("text", Array("Hello World, in upper and lower case\n".utf8)),
            ("logical", TestContent.noise(90, seed: 5) + Array("ABCDEF...123456".utf8)),
            ("pcre", TestContent.noise(90, seed: 6) + Array("MARKER marker=042".utf8)),
            ("macro", TestContent.noise(90, seed: 8) + Array("AAAA..MEMB..AAAA".utf8)),
            ("clean", TestContent.noise(4096, seed: 7)),
        ]
    }

    func verdicts(_ engine: Engine) -> [String] {
        var scanner = Scanner(engine: engine)
        return samples.map { name, bytes in
            let found = bytes.withUnsafeBytes { scanner.scan($0, allMatch: true) }
            return "\(name): \(found.map(\.name).joined(separator: ","))"
        }
    }

    @Test func compiledGivesTheSameVerdictsAsText() throws {
        let sources = try writeSources()
        let output = dir.path + "/all.vdb"
        let result = try CompiledDatabase.compile([sources], detectPUA: false, to: output, note: ["test"])
        let text = try DatabaseLoader.load([sources])
        let compiled = try DatabaseLoader.load([output])
        #expect(result.signatureCount == text.engine.signatureCount)
        #expect(compiled.engine.signatureCount == 10)
        #expect(verdicts(compiled.engine) == verdicts(text.engine))
        #expect(verdicts(compiled.engine) == [
            "hashed: Test.Hash.MD5", "anysize: Test.Hash.AnySize", "floating: Test.Body.Floating",
            "elf: Test.Body.Start", "end: Test.Body.End", "text: Test.Body.Text", "logical: Test.Logical.Two",
            "pcre: Test.Logical.PCRE", "macro: Test.Logical.Macro", "clean: ",
        ])
    }

    @Test func infoReportsCountsAndSources() throws {
        let output = dir.path + "/all.vdb"
        _ = try CompiledDatabase.compile([try writeSources()], detectPUA: false, to: output, note: ["compiled by a test"])
        let (header, engine) = try CompiledDatabase.inspect(output)
        #expect(header.signatureCount == 10)
        #expect(engine.counts.md5 == 1 && engine.counts.sha256 == 1 && engine.counts.allowed == 1)
        #expect(engine.counts.bodies == 5 && engine.counts.logicals == 3)
        #expect(engine.provenance.first == "compiled by a test")
        #expect(engine.provenance.contains("source: \(dir.path)/db/c.ndb"))
    }

    /// The error loading `bytes` as a compiled database, if any.
    func loadError(_ bytes: [UInt8]) throws -> String? {
        let path = try dir.write("damaged.vdb", bytes)
        do {
            _ = try DatabaseLoader.load([path])
            return nil
        } catch {
            return error.message
        }
    }

    func compiledBytes() throws -> [UInt8] {
        let output = dir.path + "/good.vdb"
        _ = try CompiledDatabase.compile([try writeSources()], detectPUA: false, to: output, note: [])
        return try readBytes(output)
    }

    @Test func damagedFilesAreRefusedWithTheReason() throws {
        let good = try compiledBytes()
        #expect(try loadError(good) == nil)
        #expect(try loadError(Array(good.prefix(good.count - 8)))?.contains("truncated") == true)
        #expect(try loadError(Array(good.prefix(40)))?.contains("truncated") == true)
        #expect(try loadError(good + [0, 0, 0, 0, 0, 0, 0, 0])?.contains("after the end") == true)
        var flipped = good
        flipped[good.count / 2] ^= 0x20
        #expect(try loadError(flipped)?.contains("checksum mismatch") == true)
        var magic = good
        magic[0] = UInt8(ascii: "X")
        #expect(try loadError(magic)?.contains("not a Vigil compiled database") == true)
        var version = good
        version[8] = 99
        #expect(try loadError(version)?.contains("format version 99 is not supported") == true)
        #expect(try loadError([])?.contains("not a Vigil compiled database") == true)
    }

    /// Damage the checksum does not catch (a file rewritten with a fresh checksum) still fails cleanly.
    @Test func inconsistentTablesAreRefused() throws {
        var bytes = try compiledBytes()
        // The first contents entry's tag.
        bytes[72] ^= 0xFF
        #expect(try loadError(rechecksummed(bytes))?.contains("malformed") == true)
        var count = try compiledBytes()
        // The first contents entry's element count, far beyond the file.
        count[72 + 15] = 0x7F
        #expect(try loadError(rechecksummed(count))?.contains("lies outside the file") == true)
    }

    @Test func aCompiledDatabaseMustBeTheOnlyPath() throws {
        let output = dir.path + "/all.vdb"
        let sources = try writeSources()
        _ = try CompiledDatabase.compile([sources], detectPUA: false, to: output, note: [])
        #expect(throws: DatabaseError.self) { try DatabaseLoader.load([output, sources]) }
        #expect(throws: DatabaseError.self) {
            try CompiledDatabase.compile([output], detectPUA: false, to: self.dir.path + "/again.vdb", note: [])
        }
    }

    @Test func aFailedCompileLeavesTheOldFile() throws {
        let output = dir.path + "/all.vdb"
        let sources = try writeSources()
        _ = try CompiledDatabase.compile([sources], detectPUA: false, to: output, note: [])
        let before = try readBytes(output)
        try dir.write("db/f.ndb", text: "Broken:0:*:4G\n")
        #expect(throws: DatabaseError.self) {
            try CompiledDatabase.compile([sources], detectPUA: false, to: output, note: [])
        }
        #expect(try readBytes(output) == before)
        #expect(try DatabaseLoader.load([output]).engine.signatureCount == 10)
    }
}

extension Error {
    /// The error's text.
    var message: String { "\(self)" }
}

/// The file's bytes.
func readBytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

/// `bytes` with the header's checksum recomputed, as a forger (or a bug) would leave them.
func rechecksummed(_ bytes: [UInt8]) -> [UInt8] {
    var out = bytes
    var sum = ImageChecksum()
    out.withUnsafeBytes { sum.add(UnsafeRawBufferPointer(rebasing: $0[ImageChecksum.start...])) }
    withUnsafeBytes(of: sum.value.littleEndian) { out.replaceSubrange(24..<32, with: $0) }
    return out
}

extension CompiledDatabaseTests {
    /// The offset of the array tagged `tag` (the first one if several), from the contents table.
    func arrayOffset(_ tag: String, in bytes: [UInt8]) -> Int? {
        func word(_ at: Int) -> Int { (0..<8).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) } }
        for index in 0..<word(64) {
            let entry = 72 + 24 * index
            if Array(bytes[entry..<(entry + 4)]) == Array(tag.utf8) { return word(entry + 16) }
        }
        return nil
    }

    /// Found by FuzzVDB: a record whose pattern range runs backwards trapped when first decoded.
    @Test func patternRangesMustAscend() throws {
        var bytes = try compiledBytes()
        let ranges = try #require(arrayOffset("SFPT", in: bytes))
        bytes[ranges + 4] = 0xFF
        #expect(try loadError(rechecksummed(bytes))?.contains("signature source tables disagree") == true)
    }
}
