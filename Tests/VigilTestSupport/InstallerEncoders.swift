/// Installers as their builders lay them out, so tests build them: NSIS data, InstallShield MSI file
/// blocks, and InstallShield overlays (appended to a PE file from ``PEBuilder``).
public enum InstallerEncoders {
    /// How NSIS data is compressed.
    public enum NSISCompression: Sendable { case stored, deflate, lzma }

    /// NSIS data (first header, then blocks) holding `blocks` (the script first), each compressed on its
    /// own, or all in one stream when `solid`.
    public static func nsis(_ blocks: [[UInt8]], compression: NSISCompression, solid: Bool = false) -> [UInt8] {
        func compress(_ bytes: [UInt8]) -> [UInt8] {
            switch compression {
            case .stored: bytes
            case .deflate: TestArchive.deflate(bytes, .raw)
            // An LZMA-alone stream without its 8-byte size: NSIS keeps the 5 property bytes and the data.
            case .lzma:
                Array(
                    ArchiveWriter.build([(name: "x", bytes: bytes)], format: .raw, filter: .lzma).enumerated()
                        .filter { $0.offset < 5 || $0.offset >= 13 }.map(\.element))
            }
        }
        var body: [UInt8] = []
        if solid {
            body = compress(blocks.flatMap { le32($0.count) + $0 })
        } else {
            for block in blocks {
                let packed = compress(block)
                body += le32(packed.count | (compression == .stored ? 0 : 1 << 31)) + packed
            }
        }
        return le32(0) + [0xEF, 0xBE, 0xAD, 0xDE] + Array("NullsoftInst".utf8)
            + le32(blocks.first?.count ?? 0)
            + le32(28 + body.count) + body
    }

    /// InstallShield MSI data: the marker, the 32-byte header, then each file's block and its stored bytes
    /// (zlib-compressed, nibbles swapped, XORed with the name's key).
    public static func installShieldMSI(_ files: [(name: String, data: [UInt8])]) -> [UInt8] {
        var out = Array("InstallShield".utf8) + [0] + le32(files.count) + Array(repeating: 0, count: 28)
        for file in files {
            let name = Array(file.name.utf8)
            let key = name.enumerated().map { $0.element ^ [0xEC, 0xCA, 0x79, 0xF8][$0.offset & 3] }
            let stored = TestArchive.deflate(file.data, .zlib).enumerated().map { index, byte in
                let mixed = byte ^ key[(index & 0x3FF) % key.count]
                return mixed >> 4 | mixed << 4
            }
            var block = name + Array(repeating: 0, count: 260 - name.count)
            block +=
                le32(6) + le32(0) + le32(stored.count) + le32(0)
                + le32(0) + le32(1) + Array(repeating: 0, count: 28)
            out += block + stored
        }
        return out
    }

    /// An InstallShield cabinet pair: `data1.hdr` listing `files` (internal, in cabinet 2) and `data2.cab`
    /// holding each as chunks of at most `chunkSize` bytes, raw-deflated one by one after a 16-bit length.
    public static func installShieldCabinet(_ files: [(name: String, data: [UInt8])], chunkSize: Int = 1000)
        -> (header: [UInt8], cabinet: [UInt8])
    {
        var cabinet: [UInt8] = []
        var names: [UInt8] = []
        var items: [UInt8] = []
        for file in files {
            let start = cabinet.count
            for chunk in stride(from: 0, to: file.data.count, by: chunkSize) {
                let packed = TestArchive.deflate(
                    Array(file.data[chunk..<min(chunk + chunkSize, file.data.count)]), .raw)
                cabinet += [UInt8(packed.count & 0xFF), UInt8(packed.count >> 8)] + packed
            }
            var item: [UInt8] =
                [4, 0] + le64(file.data.count) + le64(cabinet.count - start)
                + le64(start)
            item += Array(repeating: 0, count: 16 + 8 + 8) + le32(names.count) + [0, 0]
            item += Array(repeating: 0, count: 20) + [0, 2, 0]
            items += item
            names += Array(file.name.utf8) + [0]
        }
        // The object table at 0x20: the strings (and file items after them) at +0x40 from the table.
        var objects = Array(repeating: UInt8(0), count: 0x40)
        objects.replaceSubrange(12..<16, with: le32(0x40))
        objects.replaceSubrange(40..<44, with: le32(files.count))
        objects.replaceSubrange(44..<48, with: le32(names.count))
        let header =
            le32(0x2863_5349) + le32(0) + le32(0) + le32(0x20)
            + le32(0)
            + Array(repeating: 0, count: 12) + objects + names + items
        return (header, cabinet)
    }

    /// A 32-bit PE file with an InstallShield overlay holding `files`.
    public static func installShieldOverlay(_ files: [(name: String, data: [UInt8])]) -> [UInt8] {
        var out = PEBuilder.build()
        for file in files {
            out +=
                Array("\(file.name)\u{0}Disk1\\\(file.name)\u{0}1.0.0.0\u{0}\(file.data.count)\u{0}".utf8) + file.data
        }
        return out
    }

}
