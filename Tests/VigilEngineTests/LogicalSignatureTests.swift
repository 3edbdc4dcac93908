import Testing
import VigilEngine
import VigilSignatures

/// Whether the logical signature `L;...` matches `data` (figures from experiments with clamscan 1.4.6).
func logicalMatches(_ rest: String, _ data: [UInt8]) throws -> Bool {
    let set = try SignatureSet.parse(bytes("L;" + rest), kind: .ldb, file: "t.ldb")
    #expect(set.skipped.isEmpty)
    var scanner = Scanner(engine: Engine(set))
    return data.withUnsafeBytes { scanner.scan($0) }.map(\.name) == ["L"]
}

/// Expects the `.ldb` line to be refused as malformed with exactly `expected` (FILE:LINE:COLUMN: message).
func expectMalformed(_ line: String, _ expected: String) {
    do {
        _ = try SignatureSet.parse(bytes(line), kind: .ldb, file: "t.ldb")
        Issue.record("no error for \(line)")
    } catch {
        #expect(error.description == expected)
        #expect(error.code == .malformed)
    }
}

struct LogicalCase: CustomTestStringConvertible, Sendable {
    var signature: String
    var data: String
    var matches: Bool
    var testDescription: String { "\(signature) on '\(data)' → \(matches)" }
}

@Suite("Logical signatures (.ldb)")
struct LogicalSignatureTests {
    static let generic = "Engine:51-255,Target:0"

    static let cases: [LogicalCase] = [
        // clamscan splits at the first top-level operator, so 0&1|2 is 0&(1|2) and 0|1&2 is 0|(1&2) ...
        LogicalCase(signature: "0&1|2;414141;424242;434343", data: "CCC------", matches: false),
        LogicalCase(signature: "0|1&2;414141;424242;434343", data: "AAA------", matches: true),
        // ... and inside a group at the last one: (0&1|2) is ((0&1)|2), (0|1&2) is ((0|1)&2).
        LogicalCase(signature: "(0&1|2);414141;424242;434343", data: "CCC------", matches: true),
        LogicalCase(signature: "(0|1&2);414141;424242;434343", data: "AAA------", matches: false),
        // every start counts once, overlapping ones too
        LogicalCase(signature: "0=4;414141", data: "AAAAAA", matches: true),
        LogicalCase(signature: "0=3;414141", data: "AAA AAA AAA", matches: true),
        LogicalCase(signature: "0>3;414141", data: "AAA AAA AAA", matches: false),
        LogicalCase(signature: "0<1;414141", data: "nothing here", matches: true),
        // a group's count is the sum of its members' counts; ",Y" asks for Y different members
        LogicalCase(signature: "(0|1)>2,2;414141;424242", data: "AAA AAA BBB", matches: true),
        LogicalCase(signature: "(0|1)>2,2;414141;424242", data: "AAA AAA AAA", matches: false),
        LogicalCase(signature: "(0|1)=3,2;414141;424242", data: "AAA AAA BBB", matches: true),
        LogicalCase(signature: "(0>1|1)=3;414141;424242", data: "AAA AAA BBB", matches: true),
        // a pattern clamscan splits counts once per end of its last part
        LogicalCase(signature: "0=2;4141*4242", data: "AAxxBBxxBB", matches: true),
        LogicalCase(signature: "0=1;4141*4242", data: "AAxxAAxxBB", matches: true),
        LogicalCase(signature: "0=2;4141{0-10}4242", data: "AAxxBBxxBB", matches: true),
        // modifiers
        LogicalCase(signature: "0=3;414243::i", data: "abc AbC ABC", matches: true),
        LogicalCase(signature: "0;414243::w", data: "xxA\0B\0C\0xx", matches: true),
        LogicalCase(signature: "0;414243::w", data: "xxABCxx", matches: false),
        LogicalCase(signature: "0=2;414243::wa", data: "ABC .. A\0B\0C\0", matches: true),
        LogicalCase(signature: "0=3;414243::f", data: "ABC_xx_ABC-xx\u{7f}ABC\u{7f}x9ABC", matches: true),
        LogicalCase(signature: "0;414243::fw", data: "D\0A\0B\0C\0 \0", matches: false),
        LogicalCase(signature: "0;414243::fw", data: "DxA\0B\0C\0 \0", matches: true),
        LogicalCase(signature: "0=2;414243::iaw", data: "abc a\0b\0c\0", matches: true),
        // subsignature offsets (the match's start must lie in the window)
        LogicalCase(signature: "0=1;0:414141", data: "AAAxxBBBxxAAAxxxxxxAAA", matches: true),
        LogicalCase(signature: "0;1:414141", data: "AAAxxBBBxxAAAxxxxxxAAA", matches: false),
        LogicalCase(signature: "0=2;0,10:414141", data: "AAAxxBBBxxAAAxxxxxxAAA", matches: true),
        LogicalCase(signature: "0=3;0,19:414141", data: "AAAxxBBBxxAAAxxxxxxAAA", matches: true),
        LogicalCase(signature: "0=1;EOF-3:414141", data: "AAAxxBBBxxAAAxxxxxxAAA", matches: true),
        LogicalCase(signature: "0;EOF-4:414141", data: "AAAxxBBBxxAAAxxxxxxAAA", matches: false),
        LogicalCase(signature: "0;EOF-4,1:414141", data: "AAAxxBBBxxAAAxxxxxxAAA", matches: true),
        LogicalCase(signature: "0;6:4141{2-}4242", data: "xxxxxxAAAAxBBxxx", matches: true),
        LogicalCase(signature: "0;8:4141{2-}4242", data: "xxxxxxAAAAxBBxxx", matches: false),
        LogicalCase(signature: "0;8:4141*4242", data: "xxxxxxAAAAxBBxxx", matches: true),
    ]

    @Test(arguments: cases)
    func evaluation(_ c: LogicalCase) throws {
        #expect(try logicalMatches("\(Self.generic);\(c.signature)", bytes(c.data)) == c.matches)
    }

    @Test func targetDescriptionConditions() throws {
        let data = bytes("xxAAAxxxxx")  // 10 bytes
        #expect(try logicalMatches("Engine:51-255,Target:0,FileSize:10-20;0;414141", data))
        #expect(try !logicalMatches("Engine:51-255,Target:0,FileSize:11-20;0;414141", data))
        #expect(try !logicalMatches("Engine:51-255,Target:0,FileSize:20-10;0;414141", data))
        // a top-level file's container is CL_TYPE_ANY; inside no other container
        #expect(try logicalMatches("Engine:51-255,Target:0,Container:CL_TYPE_ANY;0;414141", data))
        #expect(try !logicalMatches("Engine:51-255,Target:0,Container:CL_TYPE_ZIP;0;414141", data))
        #expect(try !logicalMatches("Engine:51-255,Target:0,Intermediates:CL_TYPE_ANY;0;414141", data))
        // a signature for executables does not apply to text
        #expect(try !logicalMatches("Engine:51-255,Target:1;0;414141", data))
        #expect(try logicalMatches("Engine:51-255,Target:1;0;414141", bytes("MZ") + data))
    }

    /// `::i` folds ASCII letters only: 0xC9 does not match 0xE9.
    @Test func caseFoldingIsASCIIOnly() throws {
        #expect(try !logicalMatches("\(Self.generic);0;41c9c9::i", [0x78, 0x61, 0xE9, 0xE9, 0x78, 0x78]))
        #expect(try logicalMatches("\(Self.generic);0;41c9c9::i", [0x78, 0x61, 0xC9, 0xC9, 0x78, 0x78]))
    }

    @Test func expressionHoldingWithoutMatchesAppliesToEveryFile() throws {
        #expect(try logicalMatches("\(Self.generic);0=0;414141", bytes("unrelated")))
        #expect(try !logicalMatches("\(Self.generic);0=0;414141", bytes("tiny")))  // not scanned at all
    }

    @Test func lineSkippedWhenTheEngineRangeExcludesUs() throws {
        let set = try SignatureSet.parse(bytes("L;Engine:217-255,Target:0;0;41414141"), kind: .ldb, file: "t.ldb")
        #expect(set.logicals.isEmpty && set.skipped.isEmpty)
    }

    @Test(arguments: [
        ("L;Engine:51-255;0;4141", "t.ldb:1:3: the target description has no Target"),
        ("L;Engine:51-255,Target:0;0&1;4141", "t.ldb:1:26: the expression names subsignatures 0...1 but the line has 1"),
        ("L;Engine:51-255,Target:0;(0)>1;4141", "t.ldb:1:29: a count applies only to a group of two or more subsignatures"),
        ("L;Engine:51-255,Target:0;0&;4141", "t.ldb:1:28: missing operand in the logical expression"),
        ("L;Engine:51-255,Target:0;0>;4141", "t.ldb:1:28: expected a number in the logical expression"),
        ("L;Target:0,Engine:51-255;0;4141", "t.ldb:1:12: Engine must be the first field"),
        ("L;Target:0,FileSize:1-2;0;4141", "t.ldb:1:12: FileSize needs an Engine range starting at 51 or later, given first"),
        ("L;Engine:51-255,Target:0;0;4141::q", "t.ldb:1:34: unknown subsignature modifier 'q'"),
        ("L;Engine:51-255,Target:0;0;EP+0:4141", "t.ldb:1:28: offset relative to an executable's layout needs Target 1 (PE), 6 (ELF) or 9 (Mach-O)"),
        ("L;Engine:51-255,Target:0;0", "t.ldb:1: expected NAME;TARGET_DESCRIPTION;EXPRESSION;SUBSIG..., found 3 fields"),
        ("L;Engine:51-255,Target:0;0&1;4141;${1-2}1", "t.ldb:1:35: macro subsignature is missing the '$' terminator"),
        ("L;Engine:51-255,Target:0;0&1;4141;${10}1$", "t.ldb:1:35: expected a macro subsignature ${MIN-MAX}GROUP$"),
        ("L;Engine:51-255,Target:0;0&1;4141;${1-2}32$", "t.ldb:1:35: macro group 32 is out of range (at most 31)"),
    ])
    func malformed(line: String, expected: String) { expectMalformed(line, expected) }

    /// Macro subsignatures, replaying clamscan 1.4.6's bookkeeping: from the constrained subsignature's second
    /// counted match on, the previous one must have a member of the group at the given distance, else its
    /// count drops back; the check runs once more after the layer. Checked with clamscan on these files.
    @Test(arguments: [
        // (expression, range, data, matches)
        ("1", "0-10", "xxAAAAxxMMMMxxxx", false),  // one match of AAAA never satisfies its macro
        ("1=2&0=2", "0-10", "xxAAAAxxMMMMxxxxAAAAxxxx", true),  // checked at the 2nd match and again at the end
        ("1", "7-9", "xxAAAAxxMMMMxxxxAAAAxxxx", false),  // the member is 6 bytes after
        ("1", "6-6", "xxAAAAxxMMMMxxxxAAAAxxxx", true),
        ("0=1&1=0", "0-10", "xxAAAAxxxxxxxxxxAAAAxxxx", true),  // no member: the 2nd match is cancelled
        ("0=1&1=0", "0-10", "xxAAAAxxAAAAxxMMMMxxxxxx", true),  // the member came after the 2nd match
        ("1", "0-100000", "xxAAAAxxMMMMxxxxAAAAxxxx", true),
        ("1", "0-5", "xxAAAAxAAAAxxMMMMxxxxxxxx", false),  // the member came after the 2nd match
        ("1=3&0=3", "0-8", "xxAAAAxxMMMMxxxxAAAAxxxxAAAAxx", true),  // the previous start stays 2 while it holds
    ])
    func macroSubsignatures(expression: String, range: String, data: String, matches: Bool) throws {
        var set = try SignatureSet.parse(bytes("M:0:$1$:4d4d4d4d\nN:0:$2$:4e4e4e4e"), kind: .ndb, file: "t.ndb")
        set.merge(try SignatureSet.parse(bytes("L;\(Self.generic);\(expression)&0<99;41414141;${\(range)}1$"),
            kind: .ldb, file: "t.ldb"))
        var scanner = Scanner(engine: Engine(set))
        let found = bytes(data).withUnsafeBytes { scanner.scan($0, allMatch: true) }.map(\.name)
        #expect(found == (matches ? ["L"] : []))  // members are never reported themselves
    }

    /// clamscan keeps macro distances in 16 bits, and a group's members only serve logical signatures of their
    /// own target type (its matcher root).
    @Test func macroBoundsWrapAndGroupsBelongToATarget() throws {
        let far = bytes("xxAAAA") + [UInt8](repeating: 0x2E, count: 40_000) + bytes("MMMMxxAAAAxx")
        #expect(try logicalMatchesWithMembers("1;41414141;${0-70000}1$", far, members: "M:0:$1$:4d4d4d4d") == false)
        #expect(try logicalMatchesWithMembers("1;41414141;${0-45000}1$", far, members: "M:0:$1$:4d4d4d4d"))
        let near = bytes("xxAAAAxxMMMMxxxxAAAAxxxx")
        #expect(try logicalMatchesWithMembers("1;41414141;${0-10}1$", near, members: "M:1:$1$:4d4d4d4d") == false)
    }

    func logicalMatchesWithMembers(_ rest: String, _ data: [UInt8], members: String) throws -> Bool {
        var set = try SignatureSet.parse(bytes(members), kind: .ndb, file: "t.ndb")
        set.merge(try SignatureSet.parse(bytes("L;\(Self.generic);" + rest), kind: .ldb, file: "t.ldb"))
        var scanner = Scanner(engine: Engine(set))
        return data.withUnsafeBytes { scanner.scan($0) }.map(\.name) == ["L"]
    }

    @Test(arguments: [
        "L;Engine:81-255,Target:0;0&1&2;4141;0/abc/;${1-2}1$",  // a macro after a PCRE subsignature
        "L;Engine:51-255,Target:0;0&1&2;4141;${1-2}1$;1(>>0#db1#=65)",  // a byte comparison at a macro
    ])
    func unsupportedMacroUsesSkipTheLine(line: String) throws {
        let set = try SignatureSet.parse(bytes(line), kind: .ldb, file: "t.ldb")
        #expect(set.logicals.isEmpty)
        #expect(set.skipped.map(\.code) == [.unsupported])
    }

    @Test func unknownFieldsSkipTheLineWithAWarning() throws {
        let set = try SignatureSet.parse(bytes("L;Engine:51-255,Target:1,IconGroup1:x;0;4141"), kind: .ldb, file: "t.ldb")
        #expect(set.logicals.isEmpty)
        #expect(set.skipped.map(\.code) == [.unsupported])
    }
}

/// PCRE subsignatures (figures from experiments with clamscan 1.4.6).
@Suite("PCRE subsignatures")
struct PCRESubsignatureTests {
    static let cases: [LogicalCase] = [
        LogicalCase(signature: "0&1;414141;0/B{3}/", data: "AAA xx BBB", matches: true),
        LogicalCase(signature: "0&1;414141;0/B{3}/", data: "AAA xx BB", matches: false),
        // the trigger must hold before the pattern runs
        LogicalCase(signature: "1;414141;0>1/BBB/", data: "AAA xx BBB", matches: false),
        // without g one match counts; with g every non-overlapping one
        LogicalCase(signature: "1=1;414141;0/BBB/", data: "AAA BBB BBB BBB", matches: true),
        LogicalCase(signature: "1=3;414141;0/BBB/g", data: "AAA BBB BBB BBBB", matches: true),
        LogicalCase(signature: "1=2;414141;0/BB/g", data: "AAA BBBB", matches: true),
        // flags
        LogicalCase(signature: "1;414141;0/bbb/i", data: "AAA xx BBB", matches: true),
        LogicalCase(signature: "1;414141;0/x.B/", data: "AAA x\nB", matches: false),
        LogicalCase(signature: "1;414141;0/x.B/s", data: "AAA x\nB", matches: true),
        LogicalCase(signature: "1;414141;0/^BBB/m", data: "AAA\nBBB", matches: true),
        LogicalCase(signature: "1;414141;0/^BBB/", data: "AAA\nBBB", matches: false),
        LogicalCase(signature: "1;414141;0/x$/", data: "AAA x\n", matches: true),
        LogicalCase(signature: "1;414141;0/x$/E", data: "AAA x\n", matches: false),
        // offsets: exact anchors (unless r), a shift bounds the start, e keeps the whole match inside
        LogicalCase(signature: "1;414141;9:0/BBB/", data: "AAAxxxxxxBBB", matches: true),
        LogicalCase(signature: "1;414141;8:0/BBB/", data: "AAAxxxxxxBBB", matches: false),
        LogicalCase(signature: "1;414141;8:0/BBB/r", data: "AAAxxxxxxBBB", matches: true),
        LogicalCase(signature: "1;414141;5,4:0/BBB/", data: "AAAxxxxxxBBB", matches: true),
        LogicalCase(signature: "1;414141;5,3:0/BBB/", data: "AAAxxxxxxBBB", matches: false),
        LogicalCase(signature: "1;414141;5,6:0/BBB/e", data: "AAAxxxxxxBBB", matches: false),
        LogicalCase(signature: "1;414141;5,7:0/BBB/e", data: "AAAxxxxxxBBB", matches: true),
        // classes, escapes, alternation, lazy and counted repetition
        LogicalCase(signature: "1;414141;0/\\x00{3}?Command[0-9]{1,2}+/", data: "AAA\0\0\0Command42", matches: true),
        LogicalCase(signature: "1;414141;0/[a-f0-9]{8}\\b/", data: "AAA deadbeef!", matches: true),
        LogicalCase(signature: "1;414141;0/[a-f0-9]{8}\\b/", data: "AAA deadbeefz", matches: false),
        LogicalCase(signature: "1;414141;0/(cat|dog)s?\\s+[[:upper:]]/", data: "AAA dogs  X", matches: true),
        LogicalCase(signature: "1;414141;0/(?:ab)+?c/", data: "AAA ababc", matches: true),
        LogicalCase(signature: "1;414141;0/\\d\\D\\w\\W\\s\\S/", data: "AAA 1a_ \tx", matches: true),
    ]

    @Test(arguments: cases)
    func evaluation(_ c: LogicalCase) throws {
        #expect(try logicalMatches("Engine:81-255,Target:0;\(c.signature)", bytes(c.data)) == c.matches)
    }

    @Test(arguments: [
        ("L;Engine:81-255,Target:0;0&1;4141;/BB/", "t.ldb:1:35: PCRE subsignature must start with a logical trigger"),
        ("L;Engine:81-255,Target:0;1;4141;1/BB/", "t.ldb:1:33: PCRE trigger refers to its own subsignature"),
        ("L;Engine:81-255,Target:0;1;4141;0/BB/z", "t.ldb:1:38: unknown PCRE flag 'z'"),
        ("L;Engine:81-255,Target:0;1;4141;0/B(B/", "t.ldb:1:38: PCRE: missing ')'"),
    ])
    func malformed(line: String, expected: String) { expectMalformed(line, expected) }

    @Test func backReferencesAreSkippedWithAWarning() throws {
        let set = try SignatureSet.parse(bytes("L;Engine:81-255,Target:0;1;4141;0/(B)\\1/"), kind: .ldb, file: "t.ldb")
        #expect(set.logicals.isEmpty)
        #expect(set.skipped.first?.description == "t.ldb:1:38: PCRE: back-references are not supported yet")
    }
}

/// Byte-compare subsignatures (figures from experiments with clamscan 1.4.6).
@Suite("Byte-compare subsignatures")
struct ByteComparisonTests {
    static let cases: [LogicalCase] = [
        LogicalCase(signature: "1;4b45593a;0(>>4#de4#=1234)", data: "xxKEY:1234xx", matches: true),
        LogicalCase(signature: "1;4b45593a;0(>>3#de4#=1234)", data: "xxKEY:1234xx", matches: false),
        LogicalCase(signature: "1;4b45593a;0(>>3#d4#=123)", data: "xxKEY:1234xx", matches: false),
        LogicalCase(signature: "1;4b45593a;0(<<2#db2#=12)", data: "xx12KEY:", matches: true),
        // base-0 literals: a leading 0 is octal
        LogicalCase(signature: "1;4b45593a;0(>>4#de4#=02322)", data: "xxKEY:1234xx", matches: true),
        LogicalCase(signature: "1;4b45593a;0(>>4#de4#>1000,<2000)", data: "xxKEY:1234xx", matches: true),
        LogicalCase(signature: "1;4b45593a;0(>>4#de4#>1000,<1200)", data: "xxKEY:1234xx", matches: false),
        // hex, little-endian hex (digit pairs reversed), and without an order never
        LogicalCase(signature: "1;4b45593a;0(>>4#hb4#=0x1234)", data: "xxKEY:1234xx", matches: true),
        LogicalCase(signature: "1;4b45593a;0(>>4#hl4#=0x3412)", data: "xxKEY:1234xx", matches: true),
        LogicalCase(signature: "1;4b45593a;0(>>4#h4#=0x1234)", data: "xxKEY:1234xx", matches: false),
        // binary integers
        LogicalCase(signature: "1;4b45593a;0(>>4#ib2#=0x3132)", data: "xxKEY:1234xx", matches: true),
        LogicalCase(signature: "1;4b45593a;0(>>4#il2#=0x3231)", data: "xxKEY:1234xx", matches: true),
        // only the last match of the referenced subsignature counts
        LogicalCase(signature: "1;4b45593a;0(>>4#de4#=1234)", data: "xxKEY:1234xxKEY:9999", matches: false),
        LogicalCase(signature: "1;4b45593a;0(>>4#de4#=1234)", data: "xxKEY:9999xxKEY:1234", matches: true),
        // a number at byte 0 never matches
        LogicalCase(signature: "1;4b45593a;0(<<0#ib1#=75)", data: "KEY:1234xx", matches: false),
    ]

    @Test(arguments: cases)
    func evaluation(_ c: LogicalCase) throws {
        #expect(try logicalMatches("Engine:81-255,Target:0;\(c.signature)", bytes(c.data)) == c.matches)
    }

    @Test(arguments: [
        ("L;Engine:81-255,Target:0;1;4141;0(>>4#dl4#=1)", "t.ldb:1:33: byte compare: decimal is big-endian only"),
        ("L;Engine:81-255,Target:0;1;4141;0(>>4#ib3#=1)", "t.ldb:1:33: byte compare: binary length must be 1, 2, 4 or 8"),
        ("L;Engine:81-255,Target:0;1;4141;0(>>4#hd4#=1)", "t.ldb:1:33: byte compare: more than one of h, d, a, i"),
        ("L;Engine:81-255,Target:0;1;4141;0(>>4#d4#!1)", "t.ldb:1:33: byte compare: comparison must start with <, > or ="),
    ])
    func malformed(line: String, expected: String) { expectMalformed(line, expected) }
}
