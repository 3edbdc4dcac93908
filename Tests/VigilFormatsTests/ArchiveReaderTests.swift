import Testing
import VigilFormats
import VigilTestSupport

/// Reading archives and compressed streams through libarchive, on archives libarchive's writer builds here.
@Suite struct ArchiveReaderTests {
    static let members: [(name: String, bytes: [UInt8])] = [
        ("first.txt", Array("the first member\n".utf8)),
        ("dir/second.bin", TestContent.noise(70_000, seed: 9)),
    ]

    func read(_ bytes: [UInt8], as kind: ArchiveReader.Kind = .archive, maximumSize: Int = 1 << 20) throws
        -> [ArchiveMember]
    {
        var found: [ArchiveMember] = []
        let failure = bytes.withUnsafeBytes { raw -> ArchiveError? in
            do throws(ArchiveError) {
                try ArchiveReader.forEachMember(in: raw, as: kind, maximumSize: maximumSize) {
                    found.append($0)
                    return true
                }
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
        return found
    }

    @Test(arguments: [
        (ArchiveWriter.Format.zip, ArchiveWriter.Filter.none), (.sevenZip, .none), (.ustar, .none), (.gnutar, .gzip),
        (.cpioNewc, .none), (.cpioODC, .bzip2), (.ar, .xz), (.ustar, .zstd), (.ustar, .compress),
    ])
    func everyFormatGivesItsMembers(format: ArchiveWriter.Format, filter: ArchiveWriter.Filter) throws {
        let found = try read(ArchiveWriter.build(Self.members, format: format, filter: filter))
        #expect(found.map(\.data) == Self.members.map(\.bytes))
        #expect(found.allSatisfy { !$0.truncated && !$0.isEncrypted })
        if format != .ar { #expect(found.map(\.name) == Self.members.map(\.name)) }
    }

    /// libarchive reads back the xar archives it writes with 17 bytes too many at the end of the second member;
    /// every byte written is there.
    @Test func xar() throws {
        let found = try read(ArchiveWriter.build(Self.members, format: .xar))
        #expect(found.map(\.name) == Self.members.map(\.name))
        #expect(zip(found, Self.members).allSatisfy { $0.data.starts(with: $1.bytes) })
    }

    @Test func iso9660() throws {
        let found = try read(ArchiveWriter.build(Self.members, format: .iso9660))
        #expect(found.map(\.data).filter { !$0.isEmpty } == Self.members.map(\.bytes))
    }

    @Test(arguments: [ArchiveWriter.Filter.gzip, .bzip2, .xz, .lzma, .zstd, .compress])
    func compressedStreamIsOneMember(filter: ArchiveWriter.Filter) throws {
        let tar = ArchiveWriter.build(Self.members, format: .ustar)
        let stream = ArchiveWriter.build([("data", tar)], format: .raw, filter: filter)
        let found = try read(stream, as: .compressedStream)
        #expect(found.count == 1)
        #expect(found.first?.data == tar)  // the tar inside stays one layer, as clamscan scans it
    }

    @Test func membersAreCutAtTheAllowedSize() throws {
        let found = try read(ArchiveWriter.build(Self.members, format: .zip), maximumSize: 1000)
        #expect(found.map(\.truncated) == [false, true])
        #expect(found[1].data == Array(Self.members[1].bytes.prefix(1000)))
    }

    @Test func encryptedMembersAreFlaggedNotRead() throws {
        let zip = ArchiveWriter.build(Self.members, format: .zip, options: "zip:encryption=zipcrypt", passphrase: "pw")
        let found = try read(zip)
        #expect(found.count == 2)
        #expect(found.allSatisfy { $0.isEncrypted && $0.data.isEmpty })
    }

    /// A damaged archive ends with an error after the members that could be read; no cut of it traps.
    @Test func damagedArchivesEndWithAnError() throws {
        let zip = ArchiveWriter.build(Self.members, format: .sevenZip)
        for length in stride(from: 0, to: zip.count, by: 997) {
            _ = try? read(Array(zip.prefix(length)))
        }
        let tar = ArchiveWriter.build(Self.members, format: .ustar)
        #expect(throws: ArchiveError.self) { try read(Array(tar.prefix(5000))) }  // inside the second member
    }
}
