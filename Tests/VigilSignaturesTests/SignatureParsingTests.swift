import Testing
import VigilSignatures

func parse(_ text: String, _ kind: SignatureFileKind) throws(SignatureError) -> SignatureSet {
    try SignatureSet.parse(Array(text.utf8), kind: kind, file: "db.\(kind)")
}

func parseError(_ text: String, _ kind: SignatureFileKind) -> SignatureError? {
    do {
        _ = try parse(text, kind)
        return nil
    } catch { return error }
}

@Suite("Hash signature lines")
struct HashLineTests {
    let md5 = "44d88612fea8a8f36de82e1278abb02f"

    @Test func algorithmsByDigestLength() throws {
        let set = try parse(
            "\(md5):68:A\n\(String(repeating: "ab", count: 20)):1:B\n\(String(repeating: "CD", count: 32)):2:C", .hsb)
        #expect(set.hashes.map(\.algorithm) == [.md5, .sha1, .sha256])
        #expect(set.hashes.map(\.size) == [68, 1, 2])
        #expect(set.hashes[2].digest.first == 0xCD)
    }

    @Test func wildcardSizeNeedsLevel73() throws {
        #expect(try parse("\(md5):*:A:73", .hdb).hashes.first?.size == nil)
        let error = parseError("\(md5):*:A", .hdb)
        #expect(error?.code == .malformed)
        #expect(error?.location == SourceLocation(file: "db.hdb", line: 1, column: 34))
        #expect(parseError("\(md5):*:A:60", .hdb)?.code == .malformed)
    }

    @Test func functionalityLevelRangeSkipsQuietly() throws {
        #expect(try parse("\(md5):68:A:0:10", .hdb).hashes.isEmpty)
        #expect(try parse("\(md5):68:A:999", .hdb).hashes.isEmpty)
        #expect(try parse("\(md5):68:A:200", .hdb).hashes.count == 1)
    }

    @Test(arguments: [
        ("zz:68:Bad", 1, "hash must be 32, 40 or 64 hex digits (MD5, SHA1 or SHA256)"),
        ("44d88612fea8a8f36de82e1278abb02f:x:Bad", 34, "size must be a decimal number or '*'"),
        ("44d88612fea8a8f36de82e1278abb02f:68:", 37, "the signature has no name"),
        ("44d88612fea8a8f36de82e1278abb02f:68:N:x", 39, "invalid functionality level 'x'"),
    ])
    func malformedLines(line: String, column: Int, message: String) {
        let error = parseError("# comment\n\n" + line, .hdb)
        #expect(error?.description == "db.hdb:3:\(column): \(message)")
    }

    @Test func wrongFieldCountNamesTheLine() {
        #expect(parseError("\(md5):68", .hdb)?.description.hasPrefix("db.hdb:1: expected HASH:SIZE:NAME") == true)
    }

    @Test func excerptHasACaret() {
        let rendered = parseError("zz:68:Bad", .hdb)?.renderedWithExcerpt
        #expect(rendered == "db.hdb:1:1: hash must be 32, 40 or 64 hex digits (MD5, SHA1 or SHA256)\n    zz:68:Bad\n    ^")
    }

    @Test func crlfAndCommentsAreAccepted() throws {
        #expect(try parse("# c\r\n\(md5):68:A\r\n\r\n", .hdb).hashes.map(\.name) == ["A"])
    }
}

@Suite("Body signature lines")
struct BodyLineTests {
    func tokens(_ hex: String) throws -> [HexToken] { try parse("T:0:*:\(hex)", .ndb).bodies[0].pattern.tokens }

    @Test func everyConstructParses() throws {
        #expect(try tokens("4141??4?")[1...] == [.byte(.literal(0x41)), .byte(MaskedByte(value: 0, mask: 0)),
            .byte(MaskedByte(value: 0x40, mask: 0xF0))])
        #expect(try tokens("4141?a4141")[2] == .byte(MaskedByte(value: 0x0A, mask: 0x0F)))
        #expect(try tokens("4141*4242")[2] == .gap(minimum: 0, maximum: nil))
        #expect(try tokens("4141{5}4242")[2] == .gap(minimum: 5, maximum: 5))
        #expect(try tokens("4141{2-9}4242")[2] == .gap(minimum: 2, maximum: 9))
        #expect(try tokens("4141{-7}4242")[2] == .gap(minimum: 0, maximum: 7))
        #expect(try tokens("4141{3-}4242")[2] == .gap(minimum: 3, maximum: nil))
        #expect(try tokens("4141(aa|bb)")[2] == .alternatives([[.literal(0xAA)], [.literal(0xBB)]]))
        #expect(try tokens("4141(aabb|ccdd)")[2] == .alternatives([[.literal(0xAA), .literal(0xBB)],
            [.literal(0xCC), .literal(0xDD)]]))
    }

    @Test func offsets() throws {
        #expect(try parse("T:0:*:4141", .ndb).bodies[0].offset == .any)
        #expect(try parse("T:0:12:4141", .ndb).bodies[0].offset == .absolute(12))
        #expect(try parse("T:0:EOF-30:4141", .ndb).bodies[0].offset == .fromEnd(30))
    }

    @Test(arguments: [
        ("T:0:*:41414", "db.ndb:1:11: odd number of hex digits"),
        ("T:0:*:4141zz", "db.ndb:1:11: invalid hex digit"),
        ("T:0:*:4141{3", "db.ndb:1:11: unterminated '{'"),
        ("T:0:*:4141{x}", "db.ndb:1:12: expected a decimal number in '{...}'"),
        ("T:0:*:4141(aa", "db.ndb:1:11: unterminated '('"),
        ("T:0:*:4141(aa)", "db.ndb:1:11: '(...)' needs at least two alternatives"),
        ("T:0:*:*4141", "db.ndb:1:7: a signature cannot start with an unbounded gap"),
        ("T:0:*:4141*", "db.ndb:1:11: a signature cannot end with an unbounded gap"),
        ("T:0:*:41??41", "db.ndb:1:7: part 1 has no run of two fixed bytes to match on"),
        ("T:0:*:", "db.ndb:1:7: empty hex signature"),
        ("T:0:Q:4141", "db.ndb:1:5: invalid offset 'Q'"),
        ("T:x:*:4141", "db.ndb:1:3: invalid target type 'x'"),
        ("T:0:*:4142[1-2]4344", "db.ndb:1:7: '[x-y]' must follow a single first byte or precede a single last byte"),
        ("T:0:*:41[1-33]4344", "db.ndb:1:9: '[x-y]' needs 0 <= x <= y <= 32"),
        ("T:0:*:4142!(43|4444)45", "db.ndb:1:12: negated alternatives must all have the same length"),
        ("T:0:EP+0:4141",
            "db.ndb:1:5: offset relative to an executable's layout needs target type 1 (PE), 6 (ELF) or 9 (Mach-O)"),
        ("T:1:S1-2:4141", "db.ndb:1:5: invalid offset 'S1-2'"),
        ("T:0:$32$:4141", "db.ndb:1:5: invalid macro group offset '$32$' (expected $0$ to $31$)"),
        ("T:0:$1:4141", "db.ndb:1:5: invalid macro group offset '$1' (expected $0$ to $31$)"),
        (":0:*:4141", "db.ndb:1:1: the signature has no name"),
        ("T:0:*", "db.ndb:1: expected NAME:TARGET:OFFSET:HEX[:MIN_FLEVEL[:MAX_FLEVEL]], found 3 fields"),
    ])
    func malformed(line: String, expected: String) {
        #expect(parseError(line, .ndb)?.description == expected)
        #expect(parseError(line, .ndb)?.code == .malformed)
    }

    @Test(arguments: [
        "T:15:*:4141", "T:0:*:4141{5-2}4242",
    ])
    func unsupportedIsSkippedNotMatched(line: String) throws {
        let set = try parse(line, .ndb)
        #expect(set.bodies.isEmpty)
        #expect(set.skipped.count == 1)
        #expect(set.skipped[0].code == .unsupported)
        #expect(set.skipped[0].location.line == 1)
    }

    @Test func extendedOffsets() throws {
        func offset(_ text: String) throws -> BodyOffset? { try parse("T:1:\(text):4141", .ndb).bodies.first?.offset }
        #expect(try offset("10,20") == .at(.fileStart, delta: 10, shift: 20))
        #expect(try offset("EOF-7,3") == .at(.fileEnd, delta: -7, shift: 3))
        #expect(try offset("EP-16") == .at(.entryPoint, delta: -16, shift: 0))
        #expect(try offset("EP+4,8") == .at(.entryPoint, delta: 4, shift: 8))
        #expect(try offset("S2+100") == .at(.sectionStart(2), delta: 100, shift: 0))
        #expect(try offset("SL+0") == .at(.lastSectionStart, delta: 0, shift: 0))
        #expect(try offset("VI") == .at(.versionInfo, delta: 0, shift: 0))
        #expect(try offset("VIjunk,4") == .at(.versionInfo, delta: 0, shift: 0))  // as clamscan reads it
        #expect(try offset("SE1") == .at(.wholeSection(1), delta: 0, shift: 0))
    }

    @Test func functionalityLevels() throws {
        #expect(try parse("T:0:*:4141:300", .ndb).bodies.isEmpty)
        #expect(try parse("T:0:*:4141:17:255", .ndb).bodies.count == 1)
    }

    @Test func fileKindsByExtension() {
        #expect(SignatureFileKind(path: "/a/b/main.hdb") == .hdb)
        #expect(SignatureFileKind(path: "x.NDB") == .ndb)
        #expect(SignatureFileKind(path: "x.txt") == nil)
        #expect(SignatureFileKind(path: "dir.d/file") == nil)
        #expect(SignatureFileKind.ldb.isSupported)
        #expect(SignatureFileKind.cdb.isSupported)
        #expect(SignatureFileKind.pdb.isSupported == false)
    }
}
