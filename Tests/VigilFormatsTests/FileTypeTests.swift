import Testing
import VigilFormats

/// Expected types measured with clamscan 1.4.6 (`clamscan --debug` reports the layer type of a file a hash
/// signature matches).
@Suite struct FileTypeTests {
    static func detect(_ bytes: [UInt8]) -> FileType { bytes.withUnsafeBytes { FileType.detect($0) } }
    static func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

    static let magicCases: [(String, [UInt8], FileType)] = [
        ("MZ without a PE header", ascii("MZ") + [0x90, 0, 3, 0, 0, 0], .msexe),
        ("ELF", [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0], .elf),
        ("Mach-O 64 LE", [0xCF, 0xFA, 0xED, 0xFE, 7, 0, 0, 1], .machO),
        ("Mach-O 32 BE", [0xFE, 0xED, 0xFA, 0xCE, 0, 0, 0, 18], .machO),
        ("OLE2", [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0], .ole2),
        ("PDF", ascii("%PDF-1.4\nhello\n"), .pdf),
        ("GIF", ascii("GIF89a") + [0, 1], .gif),
        ("PNG", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0], .png),
        ("JPEG", [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10] + ascii("JFIF"), .jpeg),
        ("TIFF LE", [0x49, 0x49, 0x2A, 0, 8, 0, 0, 0], .tiff),
        ("text starting MM is TIFF", ascii("MM hello world\n"), .tiff),
        ("text starting BM is a bitmap", ascii("BM hello world\n"), .graphics),
        ("SWF", ascii("CWS") + [10, 0, 0, 0, 0], .swf),
        ("RTF", ascii("{\\rtf1 hello}"), .rtf),
        ("ZIP", ascii("PK") + [3, 4, 20, 0, 0, 0], .zip),
        ("mail header", ascii("From: a@b\nTo: c\n\nhi\n"), .mail),
        ("[aliases] is a tar header, the later magic winning", ascii("[aliases]\nx=1\n"), .posixTar),
        ("MP3 is not scanned", ascii("ID3") + [3, 0, 0, 0, 0], .ignored),
        ("MPEG is binary data", [0, 0, 1, 0xB3, 0, 0, 0], .binaryData),
    ]

    @Test(arguments: magicCases)
    func magicNumbers(_ name: String, _ bytes: [UInt8], _ expected: FileType) {
        #expect(Self.detect(bytes) == expected, "\(name)")
    }

    static let textCases: [(String, [UInt8], FileType)] = [
        ("ASCII", ascii("Hello World\n"), .textASCII),
        ("UTF-8 counts as ASCII", ascii("café ok\n"), .textASCII),
        ("Latin-1 counts as ASCII", [0x63, 0x61, 0x66, 0xE9, 0x0A], .textASCII),
        ("a control byte makes BOM-less UTF-16BE", ascii("abc") + [1] + ascii("def\n"), .textUTF16BE),
        ("UTF-16LE with a mark", [0xFF, 0xFE, 0x68, 0, 0x65, 0, 0x6C, 0, 0x6C, 0, 0x6F, 0], .textUTF16LE),
        ("UTF-16BE with a mark", [0xFE, 0xFF, 0, 0x68, 0, 0x65, 0, 0x6C, 0, 0x6C, 0, 0x6F], .textUTF16BE),
        ("NUL pairs are binary", [1, 2, 3, 4, 5, 6, 0, 0], .binaryData),
        ("HTML tag", ascii("<html><body>x</body></html>\n"), .html),
        ("upper-case HTML tag", ascii("<HTML><BODY>x</BODY></HTML>\n"), .html),
        ("Java class", [0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 0x34, 0, 0x10], .java),
        ("Java 21 class is binary data", [0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 0x41, 0, 0x10], .binaryData),
        ("universal binary", [0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 2, 0, 0x10], .machOUniversal),
    ]

    @Test(arguments: textCases)
    func textAndEmbeddedTypes(_ name: String, _ bytes: [UInt8], _ expected: FileType) {
        #expect(Self.detect(bytes) == expected, "\(name)")
    }

    @Test func htmlInUTF16() {
        let tag = Array("<html>Hi there".utf8)
        let little: [UInt8] = [0xFF, 0xFE] + tag.flatMap { c -> [UInt8] in [c, 0] }
        let big: [UInt8] = [0xFE, 0xFF] + tag.flatMap { c -> [UInt8] in [0, c] }
        #expect(Self.detect(little) == .htmlUTF16)
        #expect(Self.detect(big) == .html)
        let utf32: [UInt8] = tag.flatMap { c -> [UInt8] in [c, 0, 0, 0] }
        #expect(Self.detect(utf32) == .html)
    }

    @Test func onlyTheFirst1024BytesDecide() {
        let text = [UInt8](repeating: UInt8(ascii: "a"), count: 1024)
        #expect(Self.detect(text + [0, 0, 0, 0]) == .textASCII)
        #expect(Self.detect(text + Self.ascii("<html>")) == .textASCII)
        #expect(Self.detect(Array(text.prefix(1000)) + Self.ascii("<html>")) == .html)
    }

    @Test func peHeaderInsideBinaryData() {
        var bytes = [UInt8](repeating: 0, count: 400)
        bytes.replaceSubrange(100..<102, with: Self.ascii("MZ"))
        bytes.replaceSubrange(200..<204, with: [0x50, 0x45, 0, 0])
        #expect(Self.detect(bytes) == .msexe)
    }

    @Test func archivesAfterOtherDataLeaveTheTypeAlone() {
        let noise: [UInt8] = (0..<40).map { UInt8($0 % 4) }
        #expect(Self.detect(noise + Self.ascii("PK") + [3, 4] + [UInt8](repeating: 0, count: 30)) == .binaryData)
        #expect(
            Self.detect(noise + Self.ascii("Rar!") + [0x1A, 7, 0] + [UInt8](repeating: 0, count: 30)) == .binaryData)
        let nsis: [UInt8] = [0xEF, 0xBE, 0xAD, 0xDE] + Self.ascii("NullsoftInst")
        #expect(Self.detect(noise + nsis + [UInt8](repeating: 0, count: 30)) == .nsis)
        // The archive marker replaces an earlier HTML match, and is then dropped.
        let text = Self.ascii(
            String(repeating: "<html>hello ", count: 10) + "PK\u{3}\u{4}" + String(repeating: "y", count: 60))
        #expect(Self.detect(text) == .textUTF16BE)
    }

    @Test func oldTarHeader() {
        var header = [UInt8](repeating: 0, count: 512)
        header.replaceSubrange(0..<5, with: Self.ascii("a.txt"))
        header.replaceSubrange(148..<156, with: [UInt8](repeating: 0x20, count: 8))
        let sum = header.reduce(0) { $0 + Int($1) }
        let digits = Self.ascii(String(sum, radix: 8))
        header.replaceSubrange(148..<156, with: [UInt8](repeating: 0x30, count: 6 - digits.count) + digits + [0, 0x20])
        #expect(Self.detect(header) == .oldTar)
        header[0] = 0x62
        #expect(Self.detect(header) == .binaryData)
    }

    @Test func ooxmlByItsFirstEntries() {
        func entry(_ name: String) -> [UInt8] {
            [0x50, 0x4B, 3, 4] + [UInt8](repeating: 0, count: 26) + Self.ascii(name)
                + [UInt8](repeating: 0x41, count: 40)
        }
        #expect(
            Self.detect(entry("[Content_Types].xml") + entry("_rels/.rels") + entry("word/document.xml")) == .ooxmlWord)
        #expect(Self.detect(entry("a.txt") + entry("b.txt") + entry("c.txt")) == .zip)
    }

    static let targets: [(FileType, Int?)] = [
        (.msexe, 1), (.ole2, 2), (.html, 3), (.mail, 4), (.png, 5), (.graphics, 5), (.elf, 6), (.textASCII, 7),
        (.machO, 9), (.machOUniversal, 9), (.pdf, 10), (.swf, 11), (.java, 12), (.binaryData, 14), (.zip, nil),
        (.rtf, nil),
    ]

    @Test(arguments: targets)
    func targetTypes(_ type: FileType, _ target: Int?) {
        #expect(type.target == target)
        #expect(type.clamAVName.hasPrefix("CL_TYPE_"))
    }

    @Test func emptyAndTinyInputs() {
        #expect(Self.detect([]) == .textASCII)
        #expect(Self.detect([0]) == .binaryData)
        #expect(Self.detect([0x4D]) == .textASCII)
    }
}
