import Foundation
import Testing
import VigilTestSupport

/// `vigil scan` with YARA rule files: scan lines, JSON details, external variables, diagnostics.
@Suite("vigil scan with YARA rules")
struct YaraCommandTests {
    let dir: TemporaryDirectory

    init() throws { dir = try TemporaryDirectory() }

    static let rules = """
        import "pe"
        rule Greeting : greet text {
            meta:
                author = "vigil tests"
                level = 3
                draft = false
            strings:
                $hello = "hello" nocase
                $wide = "world" wide
                $_unused = "never"
            condition:
                ($hello or $wide) and filesize > threshold
        }
        private rule Marker { strings: $m = { 4D 41 52 4B [2-4] 21 } condition: $m }
        rule Marked { condition: Marker and not Greeting }

        """

    @Test func matchesAreReportedAsYaraRuleNamesWithDetailsInJSON() throws {
        let rules = try dir.write(
            "rules/set.yar", text: Self.rules.replacingOccurrences(of: "import \"pe\"\n", with: ""))
        let hello = try dir.write("hello.txt", text: "well, HELLO there and hello again\n")
        let wide = try dir.write("wide.bin", Array("xx".utf8) + Array("world".utf16).flatMap { [UInt8($0), 0] })
        let marked = try dir.write("marked.bin", Array("..MARK12!..".utf8))
        let clean = try dir.write("clean.txt", text: "nothing to see\n")

        let scan = try Vigil.run([
            "scan", "--no-summary", "-d", rules, "--define", "threshold=4", hello, wide, marked, clean,
        ])
        #expect(scan.status == 1)
        #expect(scan.lines.contains("\(hello): YARA.Greeting FOUND"))
        #expect(scan.lines.contains("\(wide): YARA.Greeting FOUND"))
        #expect(scan.lines.contains("\(marked): YARA.Marked FOUND"), "a private rule is never reported itself")
        #expect(scan.lines.contains("\(clean): OK"))

        let json = try Vigil.run(["scan", "--json", "-d", rules, "--define", "threshold=4", hello])
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(json.lines[0].utf8)) as? [String: Any])
        let detection = try #require((object["detections"] as? [[String: Any]])?.first)
        #expect(detection["name"] as? String == "YARA.Greeting")
        #expect(detection["signature"] as? String == "yara")
        #expect(detection["namespace"] as? String == "set")
        #expect(detection["tags"] as? [String] == ["greet", "text"])
        let metadata = try #require(detection["metadata"] as? [[String: Any]])
        #expect(metadata.map { $0["key"] as? String } == ["author", "level", "draft"])
        #expect(metadata[1]["value"] as? Int == 3)
        let strings = try #require(detection["strings"] as? [[String: Any]])
        #expect(strings.count == 1)
        #expect(strings[0]["identifier"] as? String == "$hello")
        let matches = try #require(strings[0]["matches"] as? [[String: Int]])
        #expect(matches == [["offset": 6, "length": 5], ["offset": 22, "length": 5]])
    }

    @Test func externalVariablesChangeTheOutcome() throws {
        let rules = try dir.write("r.yar", text: "rule Big { condition: filesize > limit and mode == \"strict\" }\n")
        let file = try dir.write("f.bin", Array(repeating: 0x41, count: 100))
        let strict = try Vigil.run([
            "scan", "--no-summary", "-d", rules, "--define", "limit=10", "--define", "mode=strict", file,
        ])
        #expect(strict.lines.filter { !$0.isEmpty } == ["\(file): YARA.Big FOUND"])
        let lax = try Vigil.run([
            "scan", "--no-summary", "-d", rules, "--define", "limit=10", "--define", "mode=lax", file,
        ])
        #expect(lax.lines.filter { !$0.isEmpty } == ["\(file): OK"])
        let missing = try Vigil.run(["scan", "--no-summary", "-d", rules, file])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("r.yar:1:34: undefined identifier \"limit\""))
        let malformed = try Vigil.run(["scan", "-d", rules, "--define", "limit", file])
        #expect(malformed.status != 0 && malformed.stderr.contains("NAME=VALUE"))
    }

    @Test func yaraRulesSeeTheFileWholeNotArchiveMembers() throws {
        let rules = try dir.write("m.yar", text: "rule Member { strings: $m = \"MEMBER-MARKER\" condition: $m }\n")
        let plain = Array("..MEMBER-MARKER..".utf8)
        let gz = try dir.write("member.gz", TestArchive.deflate(plain))
        let alone = try Vigil.run(["scan", "--no-summary", "-d", rules, gz])
        #expect(alone.lines.contains("\(gz): OK"), "YARA reads the compressed bytes, as yara does")
        // With ClamAV signatures the file is unpacked for them, still not for the YARA rules.
        let clamav = try dir.write("db.ndb", text: "Test.Member:0:*:4d454d4245522d4d41524b4552\n")
        let both = try Vigil.run(["scan", "--no-summary", "--allmatch", "-d", rules, "-d", clamav, gz])
        #expect(both.lines.filter { !$0.isEmpty } == ["\(gz): Test.Member FOUND"])
    }

    @Test func emptyFilesAreEvaluatedByYaraRules() throws {
        let rules = try dir.write("e.yar", text: "rule Empty { condition: filesize == 0 }\n")
        let empty = try dir.write("empty.bin", [])
        let run = try Vigil.run(["scan", "--no-summary", "-d", rules, empty])
        #expect(run.status == 1)
        #expect(run.lines.contains("\(empty): YARA.Empty FOUND"))
        let clamav = try dir.write("a.ndb", text: "Test.Body:0:*:434c414d\n")
        let skipped = try Vigil.run(["scan", "--json", "-d", clamav, empty])
        #expect(skipped.lines[0].contains("\"reason\":\"Empty file\""), "without YARA rules, as clamscan: skipped")
    }

    @Test func rulesWithErrorsNameFileLineAndColumnWithACaret() throws {
        let rules = try dir.write(
            "bad.yar", text: "rule A { condition: true }\nrule B {\n  strings: $a = \"x\"\n  condition: $b\n}\n")
        let run = try Vigil.run(["scan", "-d", rules, rules])
        #expect(run.status == 2)
        #expect(run.stderr.contains("bad.yar:4:14: undefined string \"$b\""))
        #expect(run.stderr.contains("  condition: $b\n"))
        #expect(run.stderr.contains("             ^"))
        let unused = try dir.write("unused.yar", text: "rule U { strings: $a = \"x\" condition: true }\n")
        let second = try Vigil.run(["scan", "-d", unused, unused])
        #expect(second.status == 2)
        #expect(second.stderr.contains("unused.yar:1:19: unreferenced string \"$a\""))
    }

    @Test func clamavAndYaraSignaturesTogether() throws {
        try dir.write("db/a.ndb", text: "Test.Body:0:*:434c414d\n")
        try dir.write("db/b.yara", text: "rule Y { strings: $y = \"YARA!\" condition: $y }\n")
        let both = try dir.write("both.bin", Array("..CLAM..YARA!..".utf8))
        let yaraOnly = try dir.write("y.bin", Array("..YARA!..".utf8))
        let first = try Vigil.run(["scan", "--no-summary", "-d", dir.path + "/db", both, yaraOnly])
        #expect(first.lines.contains("\(both): Test.Body FOUND"))
        #expect(first.lines.contains("\(yaraOnly): YARA.Y FOUND"))
        let all = try Vigil.run(["scan", "--no-summary", "--allmatch", "-d", dir.path + "/db", both])
        #expect(all.lines.filter { !$0.isEmpty } == ["\(both): Test.Body FOUND", "\(both): YARA.Y FOUND"])
        let summary = try Vigil.run(["scan", "-d", dir.path + "/db", yaraOnly])
        #expect(summary.lines.contains("Known viruses: 2"))
        let compile = try Vigil.run(["db", "compile", "-d", dir.path + "/db", "-o", dir.path + "/x.vdb"])
        #expect(compile.status == 2)
        #expect(compile.stderr.contains("YARA rules are not stored in a compiled database yet"))
    }
}
