import Foundation
import Testing
import VigilFormats
import VigilTestSupport

/// Archives and documents found after other data, as clamscan's raw scan finds them by their embedded-type
/// patterns (ZIP, 7z, ARJ, CAB "SFX"), in which file types, and how many.
@Suite struct EmbeddedObjectTests {
    static let prefix = TestContent.noise(3000, seed: 21)
    static let payload = Array(String(repeating: "a file appended to something else\n", count: 50).utf8)

    static func embedded(_ data: [UInt8], in container: FileType = .binaryData, maximumSize: Int = 1 << 20)
        -> [ArchiveMember]
    {
        members(of: data) { EmbeddedObjects.forEachMember(in: $0, container: container, maximumSize: maximumSize, $1) }
    }

    /// Each zip local header after the start is one member (clamscan's `cli_unzip_single`), whatever the
    /// method; a directory, or a header that defers its sizes to a data descriptor, gives none (without the
    /// central directory, clamscan does not know them either).
    @Test func zipAfterOtherData() {
        let bzip2 = ArchiveWriter.build([(name: "c", bytes: Self.payload)], format: .raw, filter: .bzip2)
        let zip = RawZip.build([
            RawZip.Entry("a.txt", Self.payload), RawZip.Entry("dir/", []),
            RawZip.Entry("c.txt", Self.payload, method: 12, packed: bzip2),
        ])
        let found = Self.embedded(Self.prefix + zip)
        #expect(found.map(\.name) == ["a.txt", "c.txt"])
        #expect(found.allSatisfy { $0.data == Self.payload })
        // A zip's own headers are its members already; a header at the very start is not embedded.
        #expect(Self.embedded(Self.prefix + zip, in: .zip).isEmpty)
        #expect(Self.embedded(zip).map(\.name) == ["c.txt"])
        let streamed = ArchiveWriter.zip([("b.txt", Self.payload)])
        #expect(Self.embedded(Self.prefix + streamed).isEmpty)
        let capped = Self.embedded(Self.prefix + zip, maximumSize: 100)
        #expect(capped.map(\.truncated) == [true, true] && capped.allSatisfy { $0.data.isEmpty })
    }

    @Test func sevenZipNotPDF() {
        let sevenZip = ArchiveWriter.build([(name: "in.txt", bytes: Self.payload)], format: .sevenZip)
        #expect(Self.embedded(Self.prefix + sevenZip).map(\.data) == [Self.payload])
        #expect(Self.embedded(Self.prefix + sevenZip, in: .sevenZip).isEmpty)
        // clamscan 1.4 does not read a PDF document found after the bytes its type is told from.
        var pdf = PDFBuilder()
        pdf.stream(1, Self.payload, filters: [.flate])
        #expect(Self.embedded(Self.prefix + pdf.finished()).isEmpty)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/bin/arj")))
    func arjAfterOtherData() throws {
        let arj = try ARJTests.archive([("in.txt", Self.payload)], options: ["-m1"])
        #expect(Self.embedded(Self.prefix + arj).map(\.data) == [Self.payload])
        #expect(Self.embedded(Self.prefix + arj, in: .arj).isEmpty)
    }

    /// clamscan lists at most ten embedded objects (zip headers aside): of twelve 7z archives one after the
    /// other, the last two are not read.
    @Test func tenObjectsAtMost() {
        let many = (0..<12).flatMap { k in
            Self.prefix.prefix(10) + ArchiveWriter.build([(name: "\(k).txt", bytes: Self.payload)], format: .sevenZip)
        }
        #expect(Self.embedded(many).map(\.name) == (0..<10).map { "\($0).txt" })
        let zips = (0..<12).flatMap { _ in RawZip.build([RawZip.Entry("z.txt", Self.payload)]) }
        #expect(Self.embedded(Self.prefix + zips).count == 12)
    }

    /// Installers are looked for only in executables, executables only in executables, zips (of at most
    /// 1 MiB) and OLE2 files; HTML is not searched.
    @Test func whereEachKindIsLookedFor() {
        let inner = PEBuilder.build()
        let withExecutable = Self.prefix + inner
        #expect(Self.embedded(withExecutable).isEmpty)
        #expect(Self.embedded(withExecutable, in: .ole2).map(\.data) == [inner])
        #expect(Self.embedded(withExecutable, in: .zip).map(\.data) == [inner])
        let large = Self.prefix + [UInt8](repeating: 0, count: 1 << 20) + inner
        #expect(Self.embedded(large, in: .zip).isEmpty)
        let nsis = InstallerEncoders.nsis([Self.payload], compression: .stored, solid: false)
        #expect(Self.embedded(Self.prefix + nsis).isEmpty)
        #expect(!Self.embedded(PEBuilder.build() + nsis, in: .msexe).isEmpty)
        let zip = RawZip.build([RawZip.Entry("a.txt", Self.payload)])
        #expect(Self.embedded(Array("<html>".utf8) + zip).count == 1)
        #expect(Self.embedded(Array("<html>".utf8) + zip, in: .html).isEmpty)
    }

    /// Cut and damaged objects end with what could be read.
    @Test func hostileObjects() {
        let zip = RawZip.build([RawZip.Entry("a.txt", Self.payload), RawZip.Entry("b.txt", Self.payload)])
        let sevenZip = ArchiveWriter.build([(name: "in.txt", bytes: Self.payload)], format: .sevenZip)
        let whole = Self.prefix + zip + sevenZip
        for cut in stride(from: Self.prefix.count, to: whole.count, by: 37) {
            _ = Self.embedded(Array(whole.prefix(cut)))
        }
        var noisy = whole
        for k in stride(from: Self.prefix.count, to: noisy.count, by: 11) { noisy[k] ^= 0xA5 }
        _ = Self.embedded(noisy)
        // Markers everywhere and nothing behind them.
        let markers = (0..<2000).flatMap { _ in [UInt8]([0x50, 0x4B, 0x03, 0x04, 0x60, 0xEA]) + Array("%PDF-1.".utf8) }
        #expect(Self.embedded([0] + markers).isEmpty)
    }
}
