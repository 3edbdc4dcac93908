import Testing
import VigilFormats
import VigilTestSupport

/// OLE2 compound files: streams, packaged objects, PowerPoint objects and VBA macros, on files the tests build.
@Suite struct OLE2Tests {
    static let small = Array("a small stream in the mini stream\n".utf8)
    static let large = TestContent.noise(9000, seed: 3)

    static func members(_ file: [UInt8], maximumSize: Int = 1 << 20) -> [ArchiveMember] {
        VigilFormatsTests.members(of: file) { OLE2.forEachStream(in: $0, maximumSize: maximumSize, $1) }
    }

    @Test func streamsOfTheDirectoryTree() {
        let file = CompoundFileWriter.build([
            ("WordDocument", Self.large), ("ObjectPool/_1/CompObj", Self.small), ("SummaryInformation", Self.small),
        ])
        let members = Self.members(file)
        #expect(Set(members.map(\.name)) == ["WordDocument", "ObjectPool/_1/CompObj", "SummaryInformation"])
        #expect(members.first { $0.name == "WordDocument" }?.data == Self.large)
        #expect(members.first { $0.name == "SummaryInformation" }?.data == Self.small)
        let capped = Self.members(file, maximumSize: 100).first { $0.name == "WordDocument" }
        #expect(capped?.data == Array(Self.large.prefix(100)) && capped?.truncated == true)
    }

    @Test func packagedObjectsAndPowerPoint() throws {
        // An Ole10Native stream: its size, then the Package native data.
        let native = MessageEncoders.packageNative(Self.large, name: "clam.exe")
        let nativeStream = le32(native.count) + native
        let storage = CompoundFileWriter.build([("\u{1}Ole10Native", nativeStream)])
        #expect(Self.members(storage).map(\.name) == ["\u{1}Ole10Native/clam.exe"])
        #expect(Self.members(storage).first?.data == Self.large)
        // PowerPoint: an ExOleObjStg record, zlib-compressed, inside a container record.
        let compressed = le32(storage.count) + TestArchive.deflate(storage, .zlib)
        let atom: [UInt8] = [0x10, 0x00, 0x11, 0x10] + le32(compressed.count) + compressed
        let document: [UInt8] =
            [0x0F, 0x00, 0xE8, 0x03] + le32(atom.count + 8) + [0, 0, 0xE9, 0x03, 0, 0, 0, 0] + atom
        let presentation = CompoundFileWriter.build([("PowerPoint Document", document), ("Current User", Self.small)])
        let objects = Self.members(presentation).filter { $0.name.hasPrefix("PowerPoint Document/") }
        #expect(objects.map(\.data) == [storage])
    }

    @Test func vbaMacros() {
        let source =
            "Attribute VB_Name = \"Module1\"\r\nSub AutoOpen()\r\n    Shell \"calc.exe\"\r\nEnd Sub\r\n"
            + String(repeating: "' padding line ........................................\r\n", count: 100)
        let project = VBAEncoder.project(
            storage: "Macros/VBA", modules: [("Module1", source), ("ThisDocument", "x = 1")])
        let file = CompoundFileWriter.build([("WordDocument", Self.small)] + project)
        let macros = Self.members(file).filter(\.isMacro)
        #expect(macros.map(\.name) == ["Macros/VBA/Module1", "Macros/VBA/ThisDocument"])
        #expect(macros.map { String(decoding: $0.data, as: UTF8.self) } == [source, "x = 1"])
        #expect(Self.members(CompoundFileWriter.build([("WordDocument", Self.small)])).filter(\.isMacro).isEmpty)
    }

    @Test func hostileFiles() {
        let file = CompoundFileWriter.build(
            [("WordDocument", Self.large), ("Data", Self.small)]
                + VBAEncoder.project(storage: "VBA", modules: [("M", "Sub A()\r\nEnd Sub\r\n")]))
        for cut in stride(from: 0, to: file.count, by: 97) { _ = Self.members(Array(file.prefix(cut))) }
        // Every sector pointer in the FAT made to point at sector 0: chains loop, reading stays bounded.
        var looped = file
        for offset in stride(from: 512, to: looped.count - 4, by: 4)
        where looped[offset] == 0xFE && looped[offset + 1] == 0xFF {
            looped[offset] = 0
            looped[offset + 1] = 0
            looped[offset + 2] = 0
            looped[offset + 3] = 0
        }
        _ = Self.members(looped)
        var noise = file
        for k in stride(from: 512, to: noise.count, by: 61) { noise[k] ^= 0x5A }
        _ = Self.members(noise)
        #expect(Self.members(Array("not OLE2".utf8)).isEmpty)
    }
}
