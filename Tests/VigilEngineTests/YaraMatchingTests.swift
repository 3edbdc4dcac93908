import Testing
import VigilEngine
import VigilSignatures

/// YARA string matching and rule evaluation, checked on data the tests build, with libyara 4.5's answers
/// (each checked with yara-python 4.5.4 when written).
@Suite("YARA matching")
struct YaraMatchingTests {
    func scan(_ text: String, _ data: [UInt8], details: Bool = true) throws -> [YaraRuleMatch] {
        var compiler = YaraCompiler()
        try compiler.add(try YaraParser.parse(Array(text.utf8), file: "t.yar"), namespace: "t")
        let rules = compiler.finish()
        return data.withUnsafeBytes { rules.scan($0, details: details) }
    }

    func offsets(_ text: String, _ data: [UInt8]) throws -> [[Int]] {
        try scan(text, data).first?.strings.map { $0.matches.map(\.offset) } ?? []
    }

    @Test func stringsTestedOnlyAtAnOffsetAreCheckedThereAndSearchedForTheReport() throws {
        let data = Array("xxABCDxxABCD".utf8)
        let rule = "rule a { strings: $a = \"ABCD\" condition: $a at 8 }"
        #expect(try offsets(rule, data) == [[2, 8]], "the report lists every match, as libyara's")
        #expect(try scan(rule, data, details: false).map(\.rule) == ["a"])
        #expect(try scan("rule a { strings: $a = \"ABCD\" condition: $a at 3 }", data).isEmpty)
        let loop = "rule p { strings: $a = { 41 42 } $b = \"zz\" condition: for any of ($*) : ($ at 8) }"
        #expect(try scan(loop, data).map(\.rule) == ["p"])
        #expect(try scan("rule q { strings: $a = \"ABCD\" condition: any of them at 2 }", data).count == 1)
    }

    @Test func textModifiers() throws {
        let wide: [UInt8] = Array("hello".utf8).flatMap { [$0, 0] }
        #expect(try offsets("rule w { strings: $a = \"hello\" wide condition: $a }", [0x20] + wide) == [[1]])
        #expect(
            try offsets(
                "rule w { strings: $a = \"hello\" wide ascii condition: #a == 2 }",
                Array("hello ".utf8) + wide) == [[0, 6]])
        let xored = Array("secret".utf8).map { $0 ^ 0x5A }
        #expect(try offsets("rule x { strings: $a = \"secret\" xor condition: $a }", [1, 2] + xored) == [[2]])
        #expect(try scan("rule x { strings: $a = \"secret\" xor(1-0x59) condition: $a }", xored).isEmpty)
        // base64 of "  This program" at each alignment: "This program" is found in all three.
        for encoded in ["VGhpcyBwcm9ncmFt", "eFRoaXMgcHJvZ3JhbQ==", "eHlUaGlzIHByb2dyYW0="] {
            #expect(
                try scan("rule b { strings: $a = \"This program\" base64 condition: $a }", Array(encoded.utf8))
                    .count == 1, "\(encoded)")
        }
        #expect(
            try offsets("rule f { strings: $a = \"ab\" fullword condition: $a }", Array("xab ab_ ab".utf8))
                == [[4, 8]], "underscore is not a letter or digit for fullword")
        #expect(
            try offsets("rule n { strings: $a = \"AbC\" nocase condition: $a }", Array("abc ABC aBc".utf8))
                == [[0, 4, 8]])
    }

    @Test func regexAndHexMatchesFollowLibyara() throws {
        #expect(try offsets("rule r { strings: $a = /a+/ condition: $a }", Array("aaa".utf8)) == [[0, 1, 2]])
        let lengths = try scan(
            "rule r { strings: $a = /a.*/s condition: $a }", Array("a".utf8) + Array(repeating: 0x78, count: 3000)
        )
        .first?.strings.first?.matches.first?.length
        #expect(lengths == 1024, "a match reaches at most 1024 bytes from its atom")
        // Hex jumps match as few bytes as they can; jumps over 200 chain the pieces.
        let hex = try scan("rule h { strings: $a = { 01 [0-3] 02 } condition: $a }", [1, 2, 2])
        #expect(hex.first?.strings.first?.matches == [YaraStringMatch(offset: 0, length: 2)])
        let chained = try scan(
            "rule c { strings: $a = { 61 [-] 62 } condition: $a }",
            Array("a".utf8) + Array(repeating: 0x78, count: 3000) + Array("b".utf8))
        #expect(chained.first?.strings.first?.matches == [YaraStringMatch(offset: 0, length: 3002)])
        #expect(
            try offsets(
                "rule w { strings: $a = /\\bfoo/ wide condition: $a }",
                Array("x foo".utf8).flatMap { [$0, UInt8(0)] }) == [[4]])
    }

    @Test func onlyStringsSearchedForAreWarnedAboutAsSlow() throws {
        func warnings(_ text: String) throws -> [String] {
            var compiler = YaraCompiler()
            try compiler.add(try YaraParser.parse(Array(text.utf8), file: "t.yar"), namespace: "t")
            return compiler.finish().warnings.map(\.description)
        }
        #expect(
            try warnings("rule s { strings: $a = { ?? 4? } condition: $a }")
                == ["t.yar:1:19: string \"$a\" may slow down scanning: it has no fixed bytes to look for"])
        #expect(try warnings("rule e { strings: $a = { ?? 4? } condition: $a at 0 }").isEmpty)
        #expect(try warnings("rule l { strings: $a = \"xyz\" condition: $a }").isEmpty)
    }

    /// FuzzYaraModules' first crash: `entrypoint` of a file that is no executable (the empty input) trapped.
    @Test func entrypointOfAFileThatIsNoExecutableIsUndefined() throws {
        let rule = "rule e { condition: not defined entrypoint and not defined (entrypoint + 1) }"
        #expect(try scan(rule, []).map(\.rule) == ["e"])
        #expect(try scan(rule, Array("just text, no headers".utf8)).map(\.rule) == ["e"])
    }

    @Test func globalAndPrivateRules() throws {
        let text = """
            global rule big { condition: filesize > 4 }
            private rule hidden { strings: $a = "key" condition: $a }
            rule uses { condition: hidden }
            """
        #expect(try scan(text, Array("key and more".utf8)).map(\.rule) == ["big", "uses"])
        #expect(try scan(text, Array("key".utf8)).isEmpty, "a failed global rule silences its namespace")
    }

    @Test func maskedHexBytesAndFoldedCaseMatchExactlyWhatTheyShould() throws {
        // Long enough for the prefilter's widest stride, with filler that differs only in bit 5 (which the
        // prefilter folds away for caseless atoms, so the exact check must reject it).
        let hex =
            "rule h { strings: $a = { 4D 5A 9? ?? 50 45 00 00 4C 01 } $b = \"unrelated\" nocase condition: $a or $b }"
        let hit: [UInt8] = [0x4D, 0x5A, 0x90, 0x77, 0x50, 0x45, 0x00, 0x00, 0x4C, 0x01]
        let data =
            Array(repeating: UInt8(0x20), count: 40) + hit + [
                0x6D, 0x7A, 0x90, 0x77, 0x70, 0x65, 0x20, 0x20, 0x6C, 0x21,
            ]
        #expect(try offsets(hex, data) == [[40]])
        #expect(try scan(hex, data.map { $0 == 0x90 ? 0xA0 : $0 }).isEmpty, "the nibble 9? is not A0")
        let nocase =
            "rule n { strings: $a = \"GetProcAddress\" nocase $b = \"kernel32\" nocase wide condition: all of them }"
        let text = Array("xx gETPROCaDDRESS yy".utf8) + Array("KeRnEl32".utf8).flatMap { [$0, 0] }
        #expect(try offsets(nocase, text) == [[3], [20]])
        // Space and zero fold together in the prefilter, but an exact string of zeros is not found in spaces.
        let zeros = "rule z { strings: $a = { 00 00 00 00 41 42 43 44 } $b = \"unrelated\" nocase condition: $a or $b }"
        #expect(try scan(zeros, Array("    ABCD".utf8)).isEmpty)
        #expect(try offsets(zeros, [0, 0, 0, 0] + Array("ABCD".utf8)) == [[0]])
        // Short atoms (under seven bytes) go through the two-byte path, text through its second test.
        let short = "rule s { strings: $a = \"ERR\" $b = { 45 52 ?? 4F } condition: $a and $b }"
        #expect(try offsets(short, Array("no ERROR here".utf8)) == [[3], [3]])
        // The short path tests every position, every 2nd or every 4th, by the fewest keys in a row among short
        // atoms (two, three, five here): each finds its atom at every alignment, at the very start and end too.
        for (rule, text) in [
            ("{ 45 52 ?? 4F }", "ER?O"), ("\"ERR\"", "ERR"), ("\"ERROR\"", "ERROR"),
        ] {
            for pad in 0..<10 {
                let data = Array(repeating: UInt8(0x2E), count: pad) + Array(text.utf8)
                #expect(
                    try offsets("rule s { strings: $a = \(rule) condition: $a }", data) == [[pad]], "\(text) \(pad)")
            }
        }
    }

    @Test func rulesGatedByAHeaderTestAreLeftOutForOtherFiles() throws {
        let rules = """
            rule pe { strings: $a = "payload" condition: uint16(0) == 0x5A4D and $a }
            rule elf { strings: $a = "payload" condition: uint32(0) == 0x464C457F and $a }
            rule plain { strings: $a = "payload" condition: $a }
            rule both { condition: pe or elf }
            rule big { condition: uint16be(0) == 0x4D5A and filesize > 2 }
            """
        let body = Array(" payload".utf8)
        #expect(try scan(rules, Array("MZ".utf8) + body).map(\.rule) == ["pe", "plain", "both", "big"])
        #expect(try scan(rules, [0x7F] + Array("ELF".utf8) + body).map(\.rule) == ["elf", "plain", "both"])
        #expect(try scan(rules, Array("ZZ".utf8) + body).map(\.rule) == ["plain"])
        #expect(try scan(rules, Array("M".utf8)).isEmpty, "a header shorter than the read is undefined")
        // A global rule's gate failing fails its namespace, as its condition does.
        let global = "global rule g { condition: uint8(0) == 0x4D } rule r { strings: $a = \"Z\" condition: $a }"
        #expect(try scan(global, Array("MZ".utf8)).map(\.rule) == ["g", "r"])
        #expect(try scan(global, Array("ZZ".utf8)).isEmpty)
    }
}
