import Foundation
import Testing
import VigilTestSupport

/// `vigil scan` on HTML against clamscan 1.4.6 on the same files and signatures: target-type-3 signatures
/// see nocomment.html, notags.html and the normalised scripts (the scripts also as text, target 7), never the
/// raw bytes; whole-file hashes apply to each normalised form.
@Suite("vigil scan: HTML")
struct HTMLCommandTests {
    let dir: TemporaryDirectory

    init() throws { dir = try TemporaryDirectory() }

    static let clamscan = "/usr/bin/clamscan"

    static let page =
        "<HTML><Body>Hello <B CLASS=\"x\">World</B> &amp; &#65;&#x41; &lt;<!-- secret comment -->\n"
        + "<script>var abc = 1; function foo(x){ return x+abc; }</script>"
        + "<a href=\"http://Example.COM/Path\">Link</a></body></html>\n"
    /// nocomment.html of ``page`` as clamscan 1.4.6 writes it.
    static let pageNoComment =
        "<html><body>hello <b class=\"x\">world</b>& aa <<script>varabc=1;functionfoo(x){returnx+abc;}</script>"
        + "<a href=\"http://example.com/path\">link</a></body></html>"
    /// Its javascript file.
    static let pageScript = "<script>var n000=1;function n001(n002){return n002+n000;}</script>"

    /// Signatures on each form, and on bytes only the raw file or no form has.
    static let signatures: [(name: String, target: Int, text: String)] = [
        ("NoComment", 3, "hello <b class=\"x\">world</b>& aa <"),
        ("NoTags", 3, " hello world http://Example.COM/Path link "),
        ("ScriptHTML", 3, "function n001(n002){return n002+n000;}"),
        ("ScriptText", 7, "<script>var n000=1;"),
        ("ScriptAny", 0, "return n002+n000"),
        ("StyleText", 3, "color:red;"),
        ("Encoded", 3, "alert(n000);"),
        ("RawOnly", 3, "CLASS=\"x\""),
        ("Comment", 3, "secret comment"),
        ("RawAny", 0, "<HTML><Body>"),
    ]

    func hex(_ text: String) -> String { text.utf8.map { String(format: "%02x", $0) }.joined() }

    func md5(_ text: String) throws -> String {
        let run = try Vigil.runProgram("/usr/bin/md5sum", [], input: Array(text.utf8))
        return String(run.stdout.prefix(32))
    }

    /// The detections per file, in order, with clamscan's `.UNOFFICIAL` suffix dropped.
    func verdicts(_ output: String) -> [String: [String]] {
        var byFile: [String: [String]] = [:]
        for line in output.split(separator: "\n") {
            let text = line.replacingOccurrences(of: ".UNOFFICIAL", with: "")
            guard let colon = text.range(of: ": ", options: .backwards) else { continue }
            byFile[String(text[..<colon.lowerBound]), default: []].append(String(text[colon.upperBound...]))
        }
        return byFile
    }

    @Test func verdictsMatchClamscan() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.clamscan), "install clamav (scripts/ensure-deps)")
        let ndb = Self.signatures.map { "\($0.name):\($0.target):*:\(hex($0.text))" }.joined(separator: "\n") + "\n"
        let hdb =
            [
                "\(try md5(Self.pageNoComment)):\(Self.pageNoComment.utf8.count):Hash.NoComment",
                "\(try md5(Self.pageScript)):\(Self.pageScript.utf8.count):Hash.Script",
            ].joined(separator: "\n") + "\n"
        let databases = ["-d", try dir.write("db/html.ndb", text: ndb), "-d", try dir.write("db/html.hdb", text: hdb)]
        let utf16: [UInt8] = [0xFF, 0xFE] + Self.page.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let encoded =
            "<html><script language=\"JScript.Encode\">#@~^GwAAAA==-mD~s/TP',J_rJpPCV\u{7F}DOcs/o*IAAAAAA==^#~@</script>"
        let files = [
            try dir.write("t/page.html", text: Self.page),
            try dir.write("t/page16.html", utf16),
            try dir.write("t/style.html", text: "<html><style>\nbody { COLOR: red; }\n</style><p>text</p>"),
            try dir.write("t/encoded.html", text: encoded),
            try dir.write("t/plain.html", text: "<html><body>nothing to see</body></html>"),
        ]
        for options: [String] in [["-z"], []] {
            let clam = try Vigil.runProgram(Self.clamscan, ["--no-summary"] + options + databases + files)
            let vigil = try Vigil.run(["scan", "--no-summary"] + options + databases + files)
            #expect(clam.status == 1, "clamscan: \(clam.stderr)")
            #expect(vigil.status == clam.status, "vigil: \(vigil.stderr)")
            #expect(verdicts(vigil.stdout) == verdicts(clam.stdout), "clamscan said:\n\(clam.stdout)")
        }
    }
}
