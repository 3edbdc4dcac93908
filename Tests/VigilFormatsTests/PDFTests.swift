import Foundation
import Testing
import VigilFormats
import VigilTestSupport

/// The PDF stream reader, on Debian's clamav-testfiles and on files the tests build.
@Suite struct PDFTests {
    static let content =
        Array("Vigil PDF stream (with parentheses) and text\n".utf8) + TestContent.noise(3000, seed: 7)
        + Array(repeating: UInt8(ascii: "A"), count: 500) + [UInt8](repeating: 0, count: 16) + [1]

    static func members(_ file: [UInt8], maximumSize: Int = 1 << 20) -> [ArchiveMember] {
        VigilFormatsTests.members(of: file) { PDF.forEachStream(in: $0, maximumSize: maximumSize, $1) }
    }

    static func single(
        _ content: [UInt8], filters: [PDFBuilder.Filter] = [], dictionary: String = "",
        length: PDFBuilder.Length = .direct, abbreviated: Bool = false, eol: String = "\r\n"
    ) -> [UInt8] {
        var builder = PDFBuilder()
        builder.object(1, "<< /Type /Catalog >>")
        builder.stream(
            2, content, filters: filters, dictionary: dictionary, length: length, abbreviated: abbreviated, eol: eol)
        return builder.finished()
    }

    @Test func clamPDFHoldsClamExe() throws {
        let root = "/usr/share/clamav-testfiles"
        try #require(FileManager.default.fileExists(atPath: root + "/clam.exe"), "install clamav-testfiles")
        let exe = try [UInt8](Data(contentsOf: URL(fileURLWithPath: root + "/clam.exe")))
        let pdf = try [UInt8](Data(contentsOf: URL(fileURLWithPath: root + "/clam.pdf")))
        #expect(exe.count == 544)
        let members = Self.members(pdf)
        let clam = try #require(members.first { $0.data == exe })
        #expect(clam.name == "clam.exe" && clam.size == 544 && !clam.truncated)
        #expect(members.map(\.index) == Array(0..<members.count))
        // The page contents (indirect /Length 13 0 R, Flate) decode to text operators.
        #expect(members.contains { $0.name == "obj 14 0" && $0.data.count > 334 && $0.data.starts(with: "q".utf8) })
        #expect(!pdf.withUnsafeBytes { PDF.isEncrypted($0) })
    }

    @Test(arguments: PDFBuilder.Filter.allCases)
    func eachFilter(_ filter: PDFBuilder.Filter) throws {
        for abbreviated in [false, true] {
            let members = Self.members(Self.single(Self.content, filters: [filter], abbreviated: abbreviated))
            let member = try #require(members.first)
            #expect(members.count == 1)
            #expect(member.data == Self.content && member.size == Self.content.count && !member.truncated)
            #expect(member.name == "obj 2 0" && member.index == 0)
        }
    }

    @Test(arguments: [
        [PDFBuilder.Filter.ascii85, .flate], [.asciiHex, .lzw], [.flate, .runLength], [.runLength, .flate, .ascii85],
        [.asciiHex, .ascii85, .flate, .lzw, .runLength],
    ])
    func filterChains(_ filters: [PDFBuilder.Filter]) {
        #expect(Self.members(Self.single(Self.content, filters: filters)).map(\.data) == [Self.content])
    }

    @Test func lzwClearsTheTableAndHonoursEarlyChange() {
        let noise = TestContent.noise(20_000, seed: 11)
        #expect(Self.members(Self.single(noise, filters: [.lzw])).map(\.data) == [noise])
        let late = Self.single(
            PDFEncoders.lzw(noise, earlyChange: false),
            dictionary: " /Filter /LZWDecode /DecodeParms << /EarlyChange 0 >>")
        #expect(Self.members(late).map(\.data) == [noise])
    }

    @Test func streamKeywordInsideAStringIsNotAStream() {
        var builder = PDFBuilder()
        builder.object(1, "<< /Title (a stream of text) /Subject (stream\n) >>")
        builder.stream(2, Self.content, length: .none)
        builder.raw(Array("3 0 obj\n<< /Length 5 % unterminated\nstream\nabcde\nendstream\nendobj\n".utf8))
        #expect(Self.members(builder.finished()).map(\.data) == [Self.content, Array("abcde".utf8)])
    }

    @Test func emptyAndTinyStreams() {
        #expect(Self.members(Self.single([])).map(\.data) == [[]])
        #expect(Self.members(Self.single([0x42], filters: [.lzw])).map(\.data) == [[0x42]])
        #expect(Self.members(Self.single([0x42, 0x42], filters: [.runLength])).map(\.data) == [[0x42, 0x42]])
    }

    @Test func indirectLengthIsTrustedWhenEndstreamFollows() throws {
        // The data holds `endstream` and an object header: only /Length tells where it ends.
        let content = Array("first part\nendstream\nendobj\n7 0 obj\n<< >>\nendobj\nsecond part".utf8)
        for length in [PDFBuilder.Length.direct, .indirect(9)] {
            let members = Self.members(Self.single(content, length: length))
            #expect(members.first?.data == content)
        }
        // An object before the stream holds the length, through a chain of references.
        var builder = PDFBuilder()
        builder.object(8, "9 0 R")
        builder.object(9, "\(content.count)")
        builder.stream(2, content, length: .text("8 0 R"))
        #expect(Self.members(builder.finished()).first?.data == content)
    }

    @Test(arguments: ["", "5", "999999", "-3", "1.5", "(x)", "99 0 R", "2 0 R"])
    func missingOrFalseLengthReadsToEndstream(_ length: String) {
        let file = Self.single(Self.content, length: length.isEmpty ? .none : .text(length))
        #expect(Self.members(file).map(\.data) == [Self.content])
        let lf = Self.single(Self.content, length: length.isEmpty ? .none : .text(length), eol: "\n")
        #expect(Self.members(lf).map(\.data) == [Self.content])
    }

    @Test func cyclicLengthReferencesTerminate() {
        var builder = PDFBuilder()
        builder.object(5, "6 0 R")
        builder.object(6, "5 0 R")
        builder.object(7, "7 0 R")
        builder.stream(2, Self.content, length: .text("5 0 R"))
        builder.stream(3, Self.content, filters: [.flate], dictionary: " /DecodeParms 7 0 R", length: .text("7 0 R"))
        #expect(Self.members(builder.finished()).map(\.data) == [Self.content, Self.content])
    }

    @Test func predictors() {
        let image = Array(TestContent.noise(3 * 40 * 25, seed: 3))
        let png = PDFEncoders.pngPredicted(image, colors: 3, columns: 40)
        let parameters = " /DecodeParms << /Predictor 15 /Colors 3 /Columns 40 >>"
        let file = Self.single(png, filters: [.flate], dictionary: parameters)
        #expect(Self.members(file).map(\.data) == [image])
        let lzwParameters = " /DecodeParms << /Predictor 12 /Colors 3 /Columns 40 >>"
        let lzw = Self.single(png, filters: [.lzw], dictionary: lzwParameters)
        #expect(Self.members(lzw).map(\.data) == [image])
        let tiff = PDFEncoders.tiffPredicted(image, colors: 3, columns: 40)
        let tiffParameters = " /DecodeParms << /Predictor 2 /Colors 3 /Columns 40 >>"
        let tiffFile = Self.single(tiff, filters: [.flate], dictionary: tiffParameters)
        #expect(Self.members(tiffFile).map(\.data) == [image])
        // Per-filter parameters in an array; parameters out of range leave the data as inflated.
        let chained = Self.single(
            png, filters: [.asciiHex, .flate],
            dictionary: " /DecodeParms [null << /Predictor 15 /Colors 3 /Columns 40 >>]")
        #expect(Self.members(chained).map(\.data) == [image])
        let absurd = Self.single(png, filters: [.flate], dictionary: " /DecodeParms << /Predictor 15 /Colors 99 >>")
        #expect(Self.members(absurd).map(\.data) == [png])
    }

    @Test func embeddedFileNamesAndDeclaredLength() {
        var builder = PDFBuilder()
        let unicodeName = "<FEFF0063006C0061006D002E006500780065>"
        builder.object(4, "<< /Type /Filespec /F (old.txt) /UF \(unicodeName) /EF << /F 5 0 R >> >>")
        builder.stream(5, Self.content, filters: [.flate], dictionary: " /Type /EmbeddedFile /DL 9999")
        builder.object(6, "<< /FS << /Type /Filespec /F (plain\\056txt) /EF << /F 7 0 R /UF 7 0 R >> >> >>")
        builder.stream(7, Array("text".utf8))
        let members = Self.members(builder.finished())
        #expect(members.map(\.name) == ["clam.exe", "plain.txt"])
        #expect(members.first?.size == 9999 && members.first?.data == Self.content)
    }

    @Test func encryption() {
        var builder = PDFBuilder()
        builder.object(9, "<< /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -4 >>")
        builder.stream(2, Self.content)
        for (trailer, encrypted) in [
            ("", false), (" /Encrypt 9 0 R", true), (" /Encrypt null", false),
            (" /Encrypt << /Filter /Standard >>", true),
        ] {
            #expect(builder.finished(trailer: trailer).withUnsafeBytes { PDF.isEncrypted($0) } == encrypted)
        }
        // A cross-reference stream stands for the trailer in PDF 1.5 files.
        var xref = PDFBuilder()
        xref.stream(3, [1, 0, 0], dictionary: " /Type /XRef /Size 4 /W [1 1 1] /Encrypt 9 0 R")
        #expect(xref.bytes.withUnsafeBytes { PDF.isEncrypted($0) })
        #expect(!Self.single(Self.content).withUnsafeBytes { PDF.isEncrypted($0) })
    }

    @Test func unsupportedOrFailingFiltersKeepTheLastDecodedStage() {
        let deflated = TestArchive.deflate(Self.content, .zlib)
        let cases: [(dictionary: String, data: [UInt8], expected: [UInt8])] = [
            (" /Filter /DCTDecode", Self.content, Self.content),
            (" /Filter [/FlateDecode /DCTDecode]", deflated, Self.content),
            (" /Filter [/FlateDecode /JBIG2Decode /FlateDecode]", deflated, Self.content),
            (" /Filter /ASCIIHexDecode", Array("41 42 XY".utf8), Array("41 42 XY".utf8)),
            (" /Filter /ASCII85Decode", Array("ab{cd~>".utf8), Array("ab{cd~>".utf8)),
            (" /Filter [/ASCIIHexDecode /FlateDecode]", Array("414243>".utf8), Array("ABC".utf8)),
            (" /Filter /FlateDecode", Array("not compressed".utf8), Array("not compressed".utf8)),
            (" /Filter /Foo", Self.content, Self.content),
            (" /Filter 12", Self.content, Self.content),
        ]
        for (dictionary, data, expected) in cases {
            #expect(Self.members(Self.single(data, dictionary: dictionary)).map(\.data) == [expected], "\(dictionary)")
        }
        // More filters than the bound: the data after the 16th is kept.
        let seventeen = " /Filter [" + String(repeating: "/AHx ", count: 17) + "]"
        let hex = (0..<17).reduce(Array("Z".utf8)) { data, _ in PDFEncoders.asciiHex(data) }
        let sixteenDecoded = Self.members(Self.single(hex, dictionary: seventeen)).first?.data
        #expect(sixteenDecoded == PDFEncoders.asciiHex(Array("Z".utf8)))
    }

    @Test func brokenFlateKeepsWhatItDecoded() throws {
        let deflated = TestArchive.deflate(Self.content, .zlib)
        let half = Array(deflated.prefix(deflated.count / 2))
        let cut = Self.members(Self.single(half, dictionary: " /Filter /FlateDecode"))
        let partial = try #require(cut.first?.data)
        #expect(!partial.isEmpty && partial.count < Self.content.count && Self.content.starts(with: partial))
        var damaged = deflated
        damaged[deflated.count - 2] ^= 0xFF  // the Adler-32 checksum
        #expect(Self.members(Self.single(damaged, dictionary: " /Filter /Fl")).first?.data == Self.content)
        // White space after `stream` (the data starts on the next line), and a lone CR as the end of line.
        let indented = Array("  \r\n".utf8) + deflated
        #expect(Self.members(Self.single(indented, dictionary: " /Filter /FlateDecode")).first?.data == Self.content)
        #expect(Self.members(Self.single(Self.content, filters: [.flate], eol: "\r")).first?.data == Self.content)
    }

    @Test func expansionPastTheMaximumIsTruncated() throws {
        let zeros = [UInt8](repeating: 0, count: 1_000_000)
        let bombs: [[PDFBuilder.Filter]] = [[.flate], [.lzw], [.runLength], [.flate, .runLength], [.ascii85]]
        for filters in bombs {
            let member = try #require(Self.members(Self.single(zeros, filters: filters), maximumSize: 100_000).first)
            #expect(member.truncated && member.data == Array(zeros.prefix(100_000)), "\(filters)")
            #expect(member.size == 100_001)
        }
        let raw = try #require(Self.members(Self.single(Self.content), maximumSize: 10).first)
        #expect(raw.truncated && raw.data == Array(Self.content.prefix(10)) && raw.size == Self.content.count)
        let deflated = Self.single(Self.content, filters: [.flate])
        let exact = try #require(Self.members(deflated, maximumSize: Self.content.count).first)
        #expect(!exact.truncated && exact.data == Self.content)
        #expect(Self.members(Self.single(Self.content), maximumSize: 0).first?.data == [])
    }

    @Test func javaScriptStrings() {
        var builder = PDFBuilder()
        builder.object(1, "<< /OpenAction << /S /JavaScript /JS (app.alert\\(1\\);\\nvar s = '\\101';) >> >>")
        builder.stream(2, Self.content)
        builder.object(3, "[<< /S /JavaScript /JS <6170702E616C65727428322>>> ]")
        let members = Self.members(builder.finished())
        #expect(members.map(\.name) == ["obj 1 0 /JS", "obj 2 0", "obj 3 0 /JS"])
        #expect(members.first?.data == Array("app.alert(1);\nvar s = 'A';".utf8))
        #expect(members.last?.data == Array("app.alert(2 ".utf8))
        #expect(members.map(\.index) == [0, 1, 2])
    }

    @Test func visitStopsWhenAsked() {
        var builder = PDFBuilder()
        for number in 1...5 { builder.stream(number, Self.content) }
        var seen = 0
        builder.bytes.withUnsafeBytes { bytes in
            PDF.forEachStream(in: bytes, maximumSize: 1 << 20) { _ in
                seen += 1
                return seen < 2
            }
        }
        #expect(seen == 2)
    }

    @Test func everyTruncationIsRead() {
        var builder = PDFBuilder()
        builder.object(1, "<< /Type /Catalog /OpenAction << /JS (x) >> >>")
        for (number, filter) in PDFBuilder.Filter.allCases.enumerated() {
            let content = Array(Self.content.prefix(200))
            builder.stream(number + 2, content, filters: [filter], length: .indirect(number + 20))
        }
        let file = builder.finished(trailer: " /Encrypt 1 0 R")
        #expect(Self.members(file).count == 6)
        for cut in 0...file.count {
            let prefix = Array(file.prefix(cut))
            let members = Self.members(prefix)
            #expect(members.count <= 6)
            _ = prefix.withUnsafeBytes { PDF.isEncrypted($0) }
        }
    }

    @Test func structureDamageStaysLinear() {
        let patterns: [[UInt8]] = [
            Array("1 0 obj (".utf8), Array("1 0 obj << /Length 1 0 R >> stream\n".utf8), Array("0 obj ".utf8),
            Array("stream\n".utf8), Array("trailer (".utf8), Array("1 0 obj\n<<".utf8), Array("[".utf8),
            Array("<<".utf8), Array("2 0 obj\n1 0 R ".utf8), Array("endstream\n1 0 obj\n<< >>\nstream\n".utf8),
        ]
        for pattern in patterns {
            let file = Array(Array(repeating: pattern, count: 400_000 / pattern.count).joined())
            let start = ContinuousClock.now
            _ = Self.members(file)
            _ = file.withUnsafeBytes { PDF.isEncrypted($0) }
            #expect(ContinuousClock.now - start < .seconds(30), "\(String(decoding: pattern, as: UTF8.self))")
        }
        let deep = Array("1 0 obj\n".utf8) + [UInt8](repeating: UInt8(ascii: "["), count: 200_000)
        #expect(Self.members(deep).isEmpty)
    }
}
