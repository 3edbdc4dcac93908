import Testing
import VigilEngine
import VigilSignatures
import VigilTestSupport

/// Builds an engine from `.ndb` lines and scans `data`, returning the names found (every match).
func bodyMatches(_ lines: [String], _ data: [UInt8]) throws -> [String] {
    let set = try SignatureSet.parse(Array(lines.joined(separator: "\n").utf8), kind: .ndb, file: "t.ndb")
    #expect(set.skipped.isEmpty)
    var scanner = Scanner(engine: Engine(set))
    var names: [String] = []
    for name in data.withUnsafeBytes({ scanner.scan($0, allMatch: true) }).map(\.name) where !names.contains(name) {
        names.append(name)
    }
    return names
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

struct BodyCase: CustomTestStringConvertible, Sendable {
    var hex: String
    var offset = "*"
    var data: String
    var matches: Bool
    var testDescription: String { "\(offset):\(hex) on '\(data)' → \(matches)" }
}

@Suite("Body signatures (.ndb)")
struct BodyMatchingTests {
    static let cases: [BodyCase] = [
        // plain hex ("hello")
        BodyCase(hex: "68656c6c6f", data: "xx hello xx", matches: true),
        // binary data (an aligned 00 01 is not UTF-16 text) is not normalised
        BodyCase(hex: "68656c6c6f", data: "xx\0\u{1}hellO xx", matches: false),
        BodyCase(hex: "68656C6C6F", data: "hello......", matches: true),
        // ?? any byte
        BodyCase(hex: "6865??6c6f", data: "heXlo......", matches: true),
        BodyCase(hex: "6865??6c6f", data: "helo......", matches: false),
        // nibbles: 6? matches 0x60-0x6f; ?c matches low nibble c
        BodyCase(hex: "68656?6c6f", data: "hello......", matches: true),
        BodyCase(hex: "68656?6c6f", data: "xx\0\u{1}heLlo", matches: false),
        BodyCase(hex: "6865?c6c6f", data: "he|lo......", matches: true),
        BodyCase(hex: "6865?c6c6f", data: "hemlo......", matches: false),
        // * any number of bytes, in order
        BodyCase(hex: "6865*6c6f", data: "he......lo", matches: true),
        BodyCase(hex: "6865*6c6f", data: "lo......he", matches: false),
        BodyCase(hex: "6865*6c6f*7a7a", data: "he lo zz", matches: true),
        BodyCase(hex: "6865*6c6f*7a7a", data: "zz he lo", matches: false),
        // {n} exactly n bytes
        BodyCase(hex: "6162{3}6364", data: "ab123cd", matches: true),
        BodyCase(hex: "6162{3}6364", data: "ab12cd", matches: false),
        BodyCase(hex: "6162{3}6364", data: "ab1234cd", matches: false),
        // {n-m}
        BodyCase(hex: "6162{2-4}6364", data: "ab12cd", matches: true),
        BodyCase(hex: "6162{2-4}6364", data: "ab1234cd", matches: true),
        BodyCase(hex: "6162{2-4}6364", data: "ab1cd......", matches: false),
        BodyCase(hex: "6162{2-4}6364", data: "ab12345cd", matches: false),
        // {-n}: at most n
        BodyCase(hex: "6162{-2}6364", data: "abcd......", matches: true),
        BodyCase(hex: "6162{-2}6364", data: "ab12cd", matches: true),
        BodyCase(hex: "6162{-2}6364", data: "ab123cd", matches: false),
        // {n-}: at least n
        BodyCase(hex: "6162{3-}6364", data: "ab123456789cd", matches: true),
        BodyCase(hex: "6162{3-}6364", data: "ab12cd", matches: false),
        // alternatives
        BodyCase(hex: "6162(63|64)6566", data: "abdef......", matches: true),
        BodyCase(hex: "6162(63|64)6566", data: "abxef......", matches: false),
        BodyCase(hex: "6162(6364|7879)6566", data: "abxyef", matches: true),
        BodyCase(hex: "6162(6364|7879)6566", data: "abcyef", matches: false),
        BodyCase(hex: "6162(63|7879)6566", data: "abxyef", matches: true),
        BodyCase(hex: "6162(63|??)6566", data: "ab!ef......", matches: true),
        // offsets: exact start, and EOF-n
        BodyCase(hex: "6162", offset: "0", data: "abcdef", matches: true),
        BodyCase(hex: "6162", offset: "0", data: "xabcdef", matches: false),
        BodyCase(hex: "6364", offset: "2", data: "abcdef", matches: true),
        BodyCase(hex: "6364", offset: "3", data: "abcdef", matches: false),
        BodyCase(hex: "6566", offset: "EOF-2", data: "abcdef", matches: true),
        BodyCase(hex: "6566", offset: "EOF-3", data: "abcdef", matches: false),
        BodyCase(hex: "6364*6566", offset: "EOF-4", data: "abcdef", matches: true),
        BodyCase(hex: "6162{2}6566", offset: "0", data: "ab12ef", matches: true),
        // [x-y]: a single byte, then x to y bytes, then the rest
        BodyCase(hex: "41[1-2]424344", data: "--A.BCD--", matches: true),
        BodyCase(hex: "41[1-2]424344", data: "--A..BCD--", matches: true),
        BodyCase(hex: "41[1-2]424344", data: "--ABCD--", matches: false),
        BodyCase(hex: "414243[2]44", data: "--ABC..D--", matches: true),
        // (B): before a match one of . < @ space - / _; after it a line end, quote, = > or those
        BodyCase(hex: "(B)414243", data: "xx-ABCxx", matches: true),
        BodyCase(hex: "(B)414243", data: "xx\"ABCxx", matches: false),
        BodyCase(hex: "(B)414243", data: "ABCxxxxx", matches: true),
        BodyCase(hex: "414243(B)", data: "xxABC=xx", matches: true),
        BodyCase(hex: "414243(B)", data: "xxABC.xx", matches: false),
        BodyCase(hex: "414243(B)", data: "xxxxxABC", matches: true),
        BodyCase(hex: "4142(B)4344", data: "xxAB-CDxx", matches: true),
        BodyCase(hex: "4142(B)4344", data: "xxABxCDxx", matches: false),
        // (L): line boundaries; inside a pattern a line feed only
        BodyCase(hex: "(L)414243", data: "xx\nABCxx", matches: true),
        BodyCase(hex: "(L)414243", data: "xx\rABCxx", matches: false),
        BodyCase(hex: "414243(L)", data: "xxABC\r\nxx", matches: true),
        BodyCase(hex: "414243(L)", data: "xxABC\rxx", matches: false),
        BodyCase(hex: "4142(L)4344", data: "xxAB\nCDxx", matches: true),
        BodyCase(hex: "4142(L)4344", data: "xxAB\r\nCDxx", matches: false),
        // (W): not a letter or digit; negated classes invert the test
        BodyCase(hex: "(W)414243(W)", data: "xx ABC_xx", matches: true),
        BodyCase(hex: "(W)414243(W)", data: "xx ABC1xx", matches: false),
        BodyCase(hex: "!(W)414243", data: "xx9ABCxx", matches: true),
        BodyCase(hex: "!(W)414243", data: "xx ABCxx", matches: false),
        // !(...): none of the alternatives there
        BodyCase(hex: "414243!(44)", data: "xxABCExx", matches: true),
        BodyCase(hex: "414243!(44)", data: "xxABCDxx", matches: false),
        BodyCase(hex: "4142!(4344|4546)4748", data: "xxAB..GHxx", matches: true),
        BodyCase(hex: "4142!(4344|4546)4748", data: "xxABEFGHxx", matches: false),
        // a jump at either end of a part
        BodyCase(hex: "{2}6364", data: "abcd......", matches: true),
        BodyCase(hex: "{3}6364", data: "abcd......", matches: false),
        // the watched part is not the first: earlier parts must still come first
        BodyCase(hex: "6161*7a7a7a7a*6262", data: "aa zzzz bb", matches: true),
        BodyCase(hex: "6161*7a7a7a7a*6262", data: "zzzz aa bb", matches: false),
        BodyCase(hex: "6161*7a7a7a7a*6262", data: "aa bb zzzz", matches: false),
        // a bounded jump whose earliest candidate fails but a later one succeeds
        BodyCase(hex: "6162{0-3}6364{0-1}6566", data: "abcd--abcdef", matches: true),
    ]

    @Test(arguments: cases)
    func matching(_ c: BodyCase) throws {
        let found = try bodyMatches(["T:0:\(c.offset):\(c.hex)"], bytes(c.data))
        #expect(found == (c.matches ? ["T"] : []))
    }

    /// clamscan also matches body signatures against normalised text: lower case, whitespace runs folded.
    @Test func normalisedTextMatches() throws {
        let sig = ["N:0:*:20746f2070726f6475636520"]  // " to produce "
        #expect(try bodyMatches(sig, bytes("used\nTo\t\tProduce it")) == ["N"])
        #expect(try bodyMatches(sig, bytes("used\u{1}\nto produce it")) == ["N"])
        // clamscan takes most content with NULs for UTF-16 text and normalises it too ...
        #expect(try bodyMatches(sig, bytes("used\0\nto produce it")) == ["N"])
        // ... but not binary data: an aligned 00 01 rules out UTF-16.
        #expect(try bodyMatches(sig, bytes("us\0\u{1}\nto produce it")).isEmpty)
    }

    /// clamscan reports a literal signature before a wildcard one found earlier in the same 128 KiB buffer,
    /// and any match of an earlier buffer first.
    @Test func reportOrderFollowsClamscan() throws {
        let lines = ["W:0:*:0102030405??0708090a0b0c", "L:0:*:1112131415161718191a1b1c"]
        let wildcard: [UInt8] = [1, 2, 3, 4, 5, 0xEE, 7, 8, 9, 10, 11, 12]
        let literal: [UInt8] = Array(0x11...0x1C)
        func first(_ data: [UInt8]) throws -> String? {
            let set = try SignatureSet.parse(bytes(lines.joined(separator: "\n")), kind: .ndb, file: "t.ndb")
            var scanner = Scanner(engine: Engine(set))
            return data.withUnsafeBytes { scanner.scan($0) }.first?.name
        }
        let pad = [UInt8](repeating: 0, count: 100)
        #expect(try first(pad + wildcard + pad + literal) == "L")
        #expect(try first(pad + literal + pad + wildcard) == "L")
        let far = [UInt8](repeating: 0, count: 300_000)
        #expect(try first(pad + wildcard + far + literal) == "W")
    }

    /// Files of five bytes or fewer are not scanned; with `--allmatch` a match is reported once per layer,
    /// so twice for text (raw and normalised) and for other data (raw and the target-14 pass), as clamscan.
    @Test func tinyFilesAndLayers() throws {
        let set = try SignatureSet.parse(bytes("A:0:*:616263"), kind: .ndb, file: "t.ndb")
        var scanner = Scanner(engine: Engine(set))
        #expect(bytes("abc12").withUnsafeBytes { scanner.scan($0) }.isEmpty)
        #expect(bytes("abc123").withUnsafeBytes { scanner.scan($0, allMatch: true) }.map(\.name) == ["A", "A"])
        #expect(bytes("abc\0\u{1}\u{2}").withUnsafeBytes { scanner.scan($0, allMatch: true) }.map(\.name) == ["A", "A"])
        #expect(bytes("abc123").withUnsafeBytes { scanner.scan($0) }.map(\.name) == ["A"])
    }

    /// clamscan never scans an HTML file's raw bytes, only its normalised (lower-cased) forms; and it does not
    /// scan the types it ignores (MP3, Ogg, ...) at all. Checked with clamscan 1.4.6.
    @Test func htmlOnlyNormalisedAndIgnoredTypesNotAtAll() throws {
        let lines = ["U:0:*:48656c6c6f20576f726c64", "L:0:*:68656c6c6f20776f726c64"]  // "Hello World", "hello world"
        #expect(try bodyMatches(lines, bytes("<html><body>Hello World and more text here</body></html>\n")) == ["L"])
        #expect(try bodyMatches(lines, bytes("ID3\u{3}\0hello world here")).isEmpty)
    }

    /// Signatures at an exact offset from the start or the end (found through their first 4 bytes).
    @Test func exactOffsetsFromEitherEnd() throws {
        let lines = ["P:0:0:68656c6c6f20", "Q:0:EOF-6:68656c6c6f0a", "R:0:1:68656c6c6f20", "S:0:EOF-5:68656c6c6f0a"]
        #expect(try bodyMatches(lines, bytes("hello world hello\n")) == ["P", "Q"])
    }

    /// The prefilter probes every 4th position for long atoms and every position for a few short ones: a
    /// pattern is found at any alignment, beside patterns of either kind.
    @Test func everyAlignmentIsFound() throws {
        let lines = ["Long:0:*:" + bytes("long-atom-pattern").map { hex($0) }.joined(), "Short:0:*:7a7a{-2}7171"]
        for shift in 0..<8 {
            let pad = String(repeating: ".", count: shift)
            #expect(try bodyMatches(lines, bytes("\(pad)long-atom-pattern......")) == ["Long"], "shift \(shift)")
            #expect(try bodyMatches(lines, bytes("\(pad)zz.qq.........")) == ["Short"], "shift \(shift)")
        }
    }

    /// Short atoms are tested every 2nd or 4th position when all are longer than that (each entered under
    /// several keys): an occurrence at any alignment is found, and found once.
    @Test func shortAtomsAtEveryAlignment() throws {
        let hex = { (text: String) in bytes(text).map { String($0, radix: 16) }.joined() }
        let longShorts = ["Five:0:*:" + hex("fives"), "Six:0:*:" + hex("sixsix")]
        let mixed = longShorts + ["Three:0:*:" + hex("thr")]
        for shift in 0..<8 {
            let pad = String(repeating: ".", count: shift)
            #expect(try bodyMatches(longShorts, bytes("\(pad)fives.......")) == ["Five"], "shift \(shift)")
            #expect(try bodyMatches(longShorts, bytes("\(pad)..sixsix.....")) == ["Six"], "shift \(shift)")
            #expect(try bodyMatches(mixed, bytes("\(pad)thr..fives....")) == ["Three", "Five"], "shift \(shift)")
        }
        // Each start of a repeated atom counts once, however many keys it is entered under.
        for shift in 0..<4 {
            let pad = String(repeating: ".", count: shift)
            let data = bytes("\(pad)xaaaaax.......")
            #expect(try logicalMatches("Engine:51-255,Target:0;0=3;616161", data), "shift \(shift)")
            #expect(try !logicalMatches("Engine:51-255,Target:0;0=4;616161", data), "shift \(shift)")
            #expect(try logicalMatches("Engine:51-255,Target:0;0=2;6161616161", bytes("\(pad)aaaaaa......")))
        }
    }

    /// An executable without an entry point (an ELF `e_entry` of 0, as in shared objects) has it at 0 for
    /// `EP+n`, as clamscan 1.4.6 resolves it.
    @Test func entryPointOfZeroIsTheFileStart() throws {
        var elf: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1] + [UInt8](repeating: 0, count: 9)
        func put16(_ v: UInt16) { elf += [UInt8(v & 0xFF), UInt8(v >> 8)] }
        put16(3); put16(0x3E); elf += [1, 0, 0, 0]  // e_type DYN, e_machine x86-64, e_version
        elf += [UInt8](repeating: 0, count: 8 * 3 + 4)  // e_entry, e_phoff, e_shoff, e_flags
        put16(64); put16(56); put16(0); put16(64); put16(0); put16(0)  // sizes and counts: no headers
        elf += bytes("PAYLOAD-AT-64") + [UInt8](repeating: 0, count: 40)
        #expect(try bodyMatches(["E:6:EP+64:5041594c4f4144"], elf) == ["E"])
        #expect(try bodyMatches(["E:6:EP+63:5041594c4f4144"], elf).isEmpty)
    }

    /// `VI`: the match must start exactly where a version-information string's UTF-16 key starts; a string
    /// without a value is not one, nor is any other place the same bytes occur.
    @Test func versionInformationOffset() throws {
        func wide(_ s: String) -> String { s.utf8.map { hex($0) + "00" }.joined() }
        let (resources, _) = PEBuilder.versionResource([
            ("CompanyName", "Example Ltd"), ("Comments", ""), ("FileVersion", "1.2.3.4"),
        ])
        let pe = PEBuilder.build(resources: resources)
        #expect(try bodyMatches(["K:1:VI:\(wide("CompanyName"))"], pe) == ["K"])
        #expect(try bodyMatches(["K:1:VI:\(wide("FileVersion"))"], pe) == ["K"])
        #expect(try bodyMatches(["K:1:VI:\(wide("Comments"))"], pe).isEmpty)
        #expect(try bodyMatches(["K:1:*:\(wide("Comments"))"], pe) == ["K"])
        #expect(try bodyMatches(["K:1:VI:\(wide("ompanyName"))"], pe).isEmpty)  // not where a key starts
        #expect(try bodyMatches(["K:1:VI:\(wide("Example"))"], pe).isEmpty)  // a value, not a key
        // The same resources after another PE file's end (without an `MZ`, so not an embedded executable).
        #expect(try bodyMatches(["K:1:VI:\(wide("CompanyName"))"], PEBuilder.build() + pe.dropFirst(2)).isEmpty)
        #expect(try logicalMatches(
            "Engine:51-255,Target:1;0&1;VI:\(wide("CompanyName"));VI:\(wide("FileVersion"))", pe))
        #expect(try !logicalMatches("Engine:51-255,Target:1;0&1;VI:\(wide("CompanyName"));VI:\(wide("Comments"))", pe))
    }

    /// Literal signatures matching at one offset come in clamscan's Boyer-Moore order: each is keyed at the
    /// first 3-byte window whose bucket is still empty when it is added, and a bucket lists the newest first.
    @Test func literalTiesFollowBoyerMooreBuckets() throws {
        func first(_ lines: [String], in text: String = "xxxxHELLOWORLDxxxx") throws -> String? {
            let set = try SignatureSet.parse(bytes(lines.joined(separator: "\n")), kind: .ndb, file: "t.ndb")
            var scanner = Scanner(engine: Engine(set))
            return bytes(text).withUnsafeBytes { scanner.scan($0) }.first?.name
        }
        let short = "Short:0:*:48454c4c4f57", long = "Long:0:*:48454c4c4f574f524c44"
        #expect(try first([short, long]) == "Short")  // Long is keyed one byte later
        #expect(try first([long, short]) == "Long")
        // the same text twice: the second is keyed one byte later, unless it has no other window; then
        // both share a bucket and the newest comes first (checked with clamscan 1.4.6)
        #expect(try first(["Old:0:*:48454c4c4f57", "New:0:*:48454c4c4f57"]) == "Old")
        #expect(try first(["Old:0:*:484545", "New:0:*:484545"], in: "xxxxHEExxxx") == "New")
    }

    @Test func firstMatchOnlyUnlessAllMatch() throws {
        let set = try SignatureSet.parse(bytes("A:0:*:6162\nB:0:*:6364"), kind: .ndb, file: "t.ndb")
        var scanner = Scanner(engine: Engine(set))
        let data = bytes("ab cd ")
        #expect(data.withUnsafeBytes { scanner.scan($0) }.map(\.name) == ["A"])
        #expect(Set(data.withUnsafeBytes { scanner.scan($0, allMatch: true) }.map(\.name)) == ["A", "B"])
    }

    @Test func stateDoesNotLeakBetweenFiles() throws {
        let set = try SignatureSet.parse(bytes("A:0:*:61626364"), kind: .ndb, file: "t.ndb")
        var scanner = Scanner(engine: Engine(set))
        #expect(bytes("abcd--").withUnsafeBytes { scanner.scan($0) }.count == 1)
        #expect(bytes("abce--").withUnsafeBytes { scanner.scan($0) }.isEmpty)
        #expect(bytes("xabcd--").withUnsafeBytes { scanner.scan($0) }.count == 1)
    }

    @Test func manySignaturesShareOnePass() throws {
        // 2,000 signatures with distinct atoms; each planted one is found, others are not.
        var lines: [String] = []
        for i in 0..<2000 { lines.append("S\(i):0:*:" + bytes("sig-\(i)-end").map { hex($0) }.joined()) }
        let found = try bodyMatches(lines, bytes("..sig-7-end..sig-1999-end..sig-20-en"))
        #expect(Set(found) == ["S7", "S1999"])
    }

    /// Differential check against a naive backtracking matcher over random patterns and data.
    @Test func agreesWithNaiveMatcher() throws {
        var rng = SplitMix(seed: 42)
        for round in 0..<400 {
            let (text, tokens) = randomPattern(&rng)
            let data = (0..<Int(6 + rng.next() % 34)).map { _ in UInt8(0x61 + rng.next() % 4) }
            let expected = naiveMatches(tokens, data)
            let found = try bodyMatches(["R:0:*:\(text)"], data)
            #expect(found == (expected ? ["R"] : []), "round \(round): \(text) on \(data)")
        }
    }
}

func hex(_ b: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A random pattern over the alphabet a-d, valid for clamscan: every part keeps two fixed bytes.
func randomPattern(_ rng: inout SplitMix) -> (String, [HexToken]) {
    var text = ""
    var tokens: [HexToken] = []
    func literal(_ n: Int) {
        for _ in 0..<n {
            let b = UInt8(0x61 + rng.next() % 4)
            text += hex(b)
            tokens.append(.byte(.literal(b)))
        }
    }
    literal(2)
    for _ in 0..<Int(rng.next() % 4) {
        switch rng.next() % 7 {
        case 5:
            let a = UInt8(0x61 + rng.next() % 4)
            if rng.next() % 2 == 0 {
                text += "!(\(hex(a)))"
                tokens.append(.negatedAlternatives([[.literal(a)]]))
            } else {
                let b = UInt8(0x61 + rng.next() % 4)
                text += "!(\(hex(a))\(hex(b))|\(hex(b))\(hex(a)))"
                tokens.append(.negatedAlternatives([[.literal(a), .literal(b)], [.literal(b), .literal(a)]]))
            }
        case 6:
            text += "(W)"
            tokens.append(.boundary(.nonAlphanumeric, negated: false))
        case 0:
            text += "??"
            tokens.append(.byte(MaskedByte(value: 0, mask: 0)))
        case 1:
            let lo = Int(rng.next() % 3), hi = lo + Int(rng.next() % 3)
            text += "{\(lo)-\(hi)}"
            tokens.append(.gap(minimum: lo, maximum: hi))
        case 2:
            text += "*"
            tokens.append(.gap(minimum: 0, maximum: nil))
        case 3:
            let a = UInt8(0x61 + rng.next() % 4), b = UInt8(0x61 + rng.next() % 4)
            text += "(\(hex(a))|\(hex(b))\(hex(a)))"
            tokens.append(.alternatives([[.literal(a)], [.literal(b), .literal(a)]]))
        default:
            let n = Int(rng.next() % 3)
            text += "{-\(n)}"
            tokens.append(.gap(minimum: 0, maximum: n))
        }
        literal(2)
    }
    return (text, tokens)
}

/// Exhaustive backtracking: does the pattern occur anywhere in `data`?
func naiveMatches(_ tokens: [HexToken], _ data: [UInt8]) -> Bool {
    func at(_ t: Int, _ p: Int) -> Bool {
        if t == tokens.count { return true }
        switch tokens[t] {
        case .byte(let b): return p < data.count && b.matches(data[p]) && at(t + 1, p + 1)
        case .alternatives(let alts):
            return alts.contains { alt in
                p + alt.count <= data.count && zip(alt, data[p...]).allSatisfy { $0.matches($1) } && at(t + 1, p + alt.count)
            }
        case .gap(let lo, let hi), .byteRange(let lo, let hi as Int?):
            let top = min(hi ?? data.count, data.count - p)
            return lo <= top && (lo...top).contains { at(t + 1, p + $0) }
        case .negatedAlternatives(let alts):
            let n = alts[0].count
            return p + n <= data.count && !alts.contains { alt in zip(alt, data[p...]).allSatisfy { $0.matches($1) } }
                && at(t + 1, p + n)
        case .boundary:
            // middle (W) only, as generated: one byte that is not a letter or digit
            return p < data.count && !(data[p] >= 0x30 && data[p] <= 0x39 || (data[p] | 0x20) >= 0x61 && (data[p] | 0x20) <= 0x7A)
                && at(t + 1, p + 1)
        }
    }
    return (0...data.count).contains { at(0, $0) }
}
