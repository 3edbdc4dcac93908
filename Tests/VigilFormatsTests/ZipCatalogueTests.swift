import Testing
import VigilFormats
import VigilTestSupport

/// A zip's records as clamscan 1.4 reads them (figures checked with `clamscan --debug`'s CDBNAME lines on
/// the same shapes of archive).
@Suite struct ZipCatalogueTests {
    func catalogue(_ bytes: [UInt8], maximumRecords: Int = 10_000) -> ZipCatalogue {
        bytes.withUnsafeBytes { ZipCatalogue($0, maximumRecords: maximumRecords) }
    }

    @Test func centralDirectoryRecordsInOrder() {
        let zip = ArchiveWriter.zip([
            ("dir/", []), ("readme.txt", Array(repeating: 0x61, count: 500)),
            ("sub/evil.exe", TestContent.noise(300, seed: 1)),
        ])
        let records = catalogue(zip).records
        #expect(records.map(\.text) == ["dir/", "readme.txt", "sub/evil.exe"])
        #expect(records.map(\.position) == [1, 2, 3])
        #expect(records.map(\.size) == [0, 500, 300])
        #expect(records[1].compressedSize < 500)  // deflated
        #expect(records.allSatisfy { !$0.isEncrypted && $0.localHeaderSize > 30 })
        #expect(!catalogue(zip).overlapping)
    }

    @Test func encryptedFlagAndDataDescriptorSizes() {
        let zip = RawZip.build([
            .init("locked.txt", Array("secret".utf8), flags: 1),
            .init("streamed.bin", Array("streamed data".utf8), flags: 8),
        ])
        let records = catalogue(zip).records
        #expect(records.map(\.isEncrypted) == [true, false])
        // The local header defers the sizes; the central directory's are used.
        #expect(records[1].size == 13 && records[1].compressedSize == 13)
    }

    /// A member the central directory does not list is still found, numbered after the listed ones.
    @Test func membersHiddenFromTheCentralDirectory() {
        let zip = RawZip.build([
            .init("listed.txt", Array("one".utf8)), .init("hidden.exe", Array("two".utf8), listed: false),
            .init("last.txt", Array("three".utf8)),
        ])
        let catalogue = catalogue(zip)
        #expect(catalogue.records.map(\.text) == ["listed.txt", "last.txt", "hidden.exe"])
        #expect(catalogue.records.map(\.position) == [1, 2, 3])
        #expect(catalogue.extractionOrder.map(\.text) == ["listed.txt", "hidden.exe", "last.txt"])
        // Without any central directory, the local headers alone.
        let bare = RawZip.build([.init("a", [1, 2, 3], listed: false), .init("b", [4, 5], listed: false)])
        #expect(self.catalogue(bare).records.map(\.text) == ["a", "b"])
    }

    /// clamscan raises Heuristics.Zip.OverlappingFiles at the sixth overlap.
    @Test func overlappingRecords() {
        #expect(!catalogue(RawZip.nested(depth: 6, payload: Array("x".utf8))).overlapping)
        #expect(catalogue(RawZip.nested(depth: 7, payload: Array("x".utf8))).overlapping)
    }

    /// Records without compressed data (directories, empty stored members) do not count towards the limit;
    /// it is noticed when a record follows.
    @Test func recordLimit() {
        let zip = RawZip.build([.init("dir/", []), .init("a", [1]), .init("b", [2]), .init("empty", [])])
        #expect(catalogue(zip, maximumRecords: 1).records.map(\.text) == ["dir/", "a"])
        #expect(catalogue(zip, maximumRecords: 1).reachedLimit)
        #expect(catalogue(zip, maximumRecords: 2).records.count == 3)
        #expect(!catalogue(zip, maximumRecords: 3).reachedLimit)
        #expect(catalogue(zip, maximumRecords: 3).records.count == 4)
    }

    /// Every cut and a corrupted copy of a zip give some records or none, never a trap.
    @Test func damagedInput() {
        let zip = RawZip.build([.init("a.txt", Array("alpha".utf8)), .init("b.txt", Array("beta".utf8), flags: 8)])
        for cut in 0..<zip.count { _ = catalogue(Array(zip[..<cut])) }
        var corrupt = zip
        for i in stride(from: 0, to: corrupt.count, by: 3) { corrupt[i] ^= 0xFF }
        _ = catalogue(corrupt)
        var lying = zip
        lying[lying.count - 6] = 0xFF  // the central directory's offset past the end
        _ = catalogue(lying)
    }
}
