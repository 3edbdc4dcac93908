import Testing
import VigilFormats

/// libclamav's HTML normaliser as ``HTMLNormalizer`` reproduces it. Every expected form below is what
/// clamscan 1.4.6 wrote (`--leave-temps`: `nocomment.html`, `notags.html`, `javascript`) for the same input.
@Suite("HTML normaliser")
struct HTMLNormalizerTests {
    /// An input and clamscan's three forms of it. Strings stand for bytes: each scalar (at most U+00FF)
    /// is one byte.
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let input: [UInt8]
        let noComment: [UInt8]
        let noTags: [UInt8]
        let javascript: [UInt8]?
        var testDescription: String { name }

        init(_ name: String, _ input: String, noComment: String, noTags: String, javascript: String?) {
            self.name = name
            self.input = Self.bytes(input)
            self.noComment = Self.bytes(noComment)
            self.noTags = Self.bytes(noTags)
            self.javascript = javascript.map(Self.bytes)
        }

        /// The bytes a string stands for.
        static func bytes(_ text: String) -> [UInt8] { text.unicodeScalars.map { UInt8($0.value) } }
    }

    static let cases: [Case] = [
        Case(
            "tags, text, references and a script",
            "<html><body>Hello <B CLASS=\"x\">World</B> &amp; &#65;&#x41; &lt;<!-- comment -->\n<script>var abc = 1; function foo(x){ return x+abc; }</script></body></html>\n",
            noComment:
                "<html><body>hello <b class=\"x\">world</b>& aa <<script>varabc=1;functionfoo(x){returnx+abc;}</script></body></html>",
            noTags: " hello world ",
            javascript: "<script>var n000=1;function n001(n002){return n002+n000;}</script>"),
        Case(
            "links and images in notags",
            "<html><a href=\"http://Example.COM/Path\">Link</a> <img src='IMG.png' alt=x>text",
            noComment: "<html><a href=\"http://example.com/path\">link</a><img src=\"img.png\" alt=x>text",
            noTags: " http://Example.COM/Path link IMG.png text",
            javascript: nil),
        Case(
            "blank runs",
            "<html>   lots   of \t\t whitespace \r\n\r\n and\nnewlines   ",
            noComment: "<html>lots of whitespace and newlines",
            noTags: " lots of whitespace and newlines ",
            javascript: nil),
        Case(
            "named and numeric references",
            "<html>&amp;&lt;&gt;&quot;&apos;&nbsp;&eacute;&hellip;&bogus;&amp &#0; &#65 &#X4a; &#1234; &#x3002; &#99999999999999999999; &yuml; &AMP;",
            noComment: "<html>&<>\"'\u{A0}\u{E9}&#x2026;&bogus;&amp \u{0} A j &#x04d2; . \u{FF}9; &#x00ff; &amp;",
            noTags: " 9; ",
            javascript: nil),
        Case(
            "attributes",
            "<html><p title=\"a b\" data-x='1' checked>t</p><div class = \"spaced\" >x</div>",
            noComment: "<html><p title=\"a b\" data-x=\"1\" checked>t</p><div class=\"spaced\">x</div>",
            noTags: " t x ",
            javascript: nil),
        Case(
            "unterminated tag",
            "<html><unterminated tag with=\"stuff",
            noComment: "<html><unterminated tag with=\"stuff",
            noTags: " ",
            javascript: nil),
        Case(
            "NUL bytes",
            "<html>text with \u{0} NUL \u{0}\u{0} bytes <b>\u{0}bold</b>",
            noComment: "<html>text with nul bytes <b>bold</b>",
            noTags: " text with nul bytes bold ",
            javascript: nil),
        Case(
            "8-bit text",
            "<html>caf\u{C3}\u{A9} \u{E3}\u{80}\u{82} \u{EF}\u{BC}\u{8E} \u{F0}\u{9F}\u{98}\u{80} end \u{A1}C \u{A1}A x",
            noComment: "<html>caf\u{C3}\u{A9} . . \u{F0}\u{9F}\u{98}\u{80} end .\u{0} \u{A1}a x",
            noTags: " caf\u{C3}\u{C3} ..\u{F0}\u{9F}\u{9F}\u{0}end .\u{0}\u{0}a x",
            javascript: nil),
        Case(
            "string folding, unescape and eval",
            "<html><script>var a = \"x\" + \"y\"; document.write(unescape(\"%41%42%u0043\")); eval(\"var q=1;\"); x.y.z = function(){};</script>",
            noComment:
                "<html><script>vara=\"x\"+\"y\";document.write(unescape(\"%41%42%u0043\"));eval(\"varq=1;\");x.y.z=function(){};</script>",
            noTags: " ",
            javascript: "<script>var n000=\"xy\";document.write(\"abc\");var n001=1;x.y.z=function(){};</script>"),
        Case(
            "script in a comment",
            "<html><script language=\"JavaScript\">\n<!--\nfunction f(a,b){var c=a+b;return c;}\n// comment\n/* block */ f(1,2.5);\n-->\n</script>",
            noComment:
                "<html><script language=\"javascript\"><!--functionf(a,b){varc=a+b;returnc;}//comment/*block*/f(1,2.5);--></script>",
            noTags: " ",
            javascript:
                "<script><!--function n000(n001,n002){var n003=n001+n002;return n003;}comment f(1,2.5);--></script>"),
        Case(
            "two scripts",
            "<html><SCRIPT>alert(1)</SCRIPT><script>alert(2)</script >x",
            noComment: "<html><script>alert(1)</script><script>alert(2)</script>x",
            noTags: " >x",
            javascript: "<script>alert(1)</script>\n<script>alert(2)</script</script>"),
        Case(
            "data URL",
            "<html><img src=\"data:image/png;base64,iVBORw0KGgo=\" alt=\"hi\">after",
            noComment: "<html><img src=\"data\"alt=\"hi\">after",
            noTags: " after",
            javascript: nil),
        Case(
            "comments and doctype",
            "<html><!DOCTYPE html><!-- a <b> comment --><p>x</p><! weird >y",
            noComment: "<html>comment --><p>x</p>y",
            noTags: " comment --> x y",
            javascript: nil),
        Case(
            "style",
            "<html><style>a { b: 'c' }</style><p>Text</p>",
            noComment: "<html><style>a{b:\"c\"}</style><p>text</p>",
            noTags: " text ",
            javascript: nil),
        Case(
            "style ended by script end tag",
            "<html><style>x y</script>z w</style>k l",
            noComment: "<html><style>xy</script>z w</style>k l",
            noTags: " z w k l",
            javascript: nil),
        Case(
            "numbers",
            "<html><script>x = 1e5 + 1.5e3 + 0.1 + 3.14159265 + 123456789012 + 1.e2;</script>",
            noComment: "<html><script>x=1e5+1.5e3+0.1+3.14159265+123456789012+1.e2;</script>",
            noTags: " ",
            javascript: "<script>x=1 e5+1500+0.1+3.14159+-1097262572+100;</script>"),
        Case(
            "reserved words",
            "<html><script>var class = 1, goto, int, null, true, this, let;</script>",
            noComment: "<html><script>varclass=1,goto,int,null,true,this,let;</script>",
            noTags: " ",
            javascript: "<script>var class=1,goto,int,null,true,this,n000;</script>"),
        Case(
            "unterminated script",
            "<html><script>var x = \"unterminated",
            noComment: "<html><script>varx=\"unterminated",
            noTags: " ",
            javascript: "<script>var n000=\"unterminated\"</script>"),
        Case(
            "packer",
            "<html><script>eval(function(p,a,c,k,e,d){return p}(\"0 1(2)\",62,3,\"var|alert|x\".split(\"|\"),0,{}))</script>",
            noComment:
                "<html><script>eval(function(p,a,c,k,e,d){returnp}(\"01(2)\",62,3,\"var|alert|x\".split(\"|\"),0,{}))</script>",
            noTags: " ",
            javascript: "<script>eval(function(n000,n001,n002,n003,n004,n005){return n000}(var n006(x)))</script>"),
        Case(
            "scriptasylum dF",
            "<html><script>document.write(dF('%264Dtdsjqu%2631'));</script>",
            noComment: "<html><script>document.write(df(\"%264dtdsjqu%2631\"));</script>",
            noTags: " ",
            javascript: "<script>document.write();</script><script%</script>"),
        Case(
            "JScript.Encode",
            "<html><script language=\"JScript.Encode\">#@~^GwAAAA==-mD~s/TP',J_rJpPCV\u{7F}DOcs/o*IAAAAAA==^#~@</script>",
            noComment:
                "<html><script language=\"jscript.encode\"><script language=\"javascript\">varmsg=\"hi\";alert(msg);</script>",
            noTags: " ",
            javascript: "<script>var n000=\"hi\";alert(n000);</script>"),
    ]

    @Test(arguments: cases) func formsAreClamscans(_ c: Case) {
        let forms = c.input.withUnsafeBytes { HTMLNormalizer.normalize($0) }
        #expect(forms.noComment == c.noComment)
        #expect(forms.noTags == c.noTags)
        #expect(forms.javascript == c.javascript)
    }

    /// clamscan reads 8191 bytes at a time, cut back to the last blank when a word would be split, and drops
    /// the blanks that start a piece: a blank run just after a cut leaves no space in nocomment.html, one
    /// inside a piece leaves one.
    @Test func blanksAtAChunkStartAreDropped() {
        let inside = Array("<html>".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 8190) + Array("    b".utf8)
        #expect(inside.withUnsafeBytes { HTMLNormalizer.normalize($0) }.noComment.suffix(3) == Array("a b".utf8))
        let cut = Array("<html>".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 8185) + Array("  \n b".utf8)
        #expect(cut.withUnsafeBytes { HTMLNormalizer.normalize($0) }.noComment.suffix(2) == Array("ab".utf8))
    }

    /// `cli_scanhtml_utf16`: each UTF-16LE unit becomes `(high << 4) + low`, the byte-order mark too.
    @Test func utf16IsFoldedToOneByteAUnit() {
        let text: [UInt8] = [0xFF, 0xFE] + Array("<b>".utf8).flatMap { [$0, 0] } + [0x41, 0x01]
        #expect(text.withUnsafeBytes { HTMLNormalizer.decodeUTF16($0) } == [0xDF, 0x3C, 0x62, 0x3E, 0x51])
        #expect(([0x41, 0, 0x42] as [UInt8]).withUnsafeBytes { HTMLNormalizer.decodeUTF16($0) } == [0x41])
    }

    /// Hostile input: deep nesting, long runs of one special byte, unterminated everything. The normaliser
    /// must finish quickly (linear) and not trap.
    @Test(arguments: [
        "<", "&", "&#", "\"", "'", "<a href=", "<script>", "<script>function f(){", "<script>(",
        "<script>\"a\"+", "<!--", "<%@ language=jscript.encode>#@~^", "\u{C3}", "\u{0}", "<style>", "=", "data:",
    ])
    func repeatedFragmentsFinish(_ fragment: String) {
        let unit = Case.bytes(fragment)
        var input = Array("<html>".utf8)
        while input.count < 100_000 { input += unit }
        let forms = input.withUnsafeBytes { HTMLNormalizer.normalize($0) }
        #expect(forms.noComment.count <= input.count * 16)
    }

    /// Random bytes with HTML punctuation mixed in never trap.
    @Test func randomInputDoesNotTrap() {
        var generator = ByteRandom(seed: 7)
        let alphabet = Array("<>&#;\"'=/!- \n\tabcSCRIPTscript%@~^x0123456789".utf8) + [0x00, 0x80, 0xC3, 0xE3, 0xFF]
        for _ in 0..<200 {
            let count = Int(generator.next() % 20_000)
            let input = (0..<count).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            _ = input.withUnsafeBytes { HTMLNormalizer.normalize($0) }
        }
    }
}

/// A small deterministic generator for the random-input test (SplitMix64).
private struct ByteRandom {
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
