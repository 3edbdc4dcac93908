/// OLE2 compound files (Word, Excel and PowerPoint 97–2003, MSI, MSG): the streams of the directory tree, as
/// clamscan's `ole2_extract.c` saves them for scanning. A stream `\u{1}Ole10Native` holding a packaged file
/// gives that file instead (as clamscan's `cli_scan_ole10`).
///
/// Hostile files are read within bounds: a sector chain ends at a free or out-of-range sector and takes at
/// most as many steps as the file has sectors; the directory tree visits each entry once; a stream is read
/// up to the caller's maximum.
public struct OLE2 {
    static let magic: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
    static let endOfChain: UInt32 = 0xFFFF_FFFE
    static let noStream: UInt32 = 0xFFFF_FFFF

    let data: UnsafeRawBufferPointer
    let reader: ByteReader
    let sectorSize: Int
    let miniSectorSize: Int
    let miniStreamCutoff: Int
    /// The file allocation table: each sector's successor.
    var fat: [UInt32] = []
    var miniFAT: [UInt32] = []
    var miniStream: [UInt8] = []
    var entries: [Entry] = []

    /// One directory entry.
    struct Entry {
        var name: String
        var type: UInt8
        var left, right, child: UInt32
        var start: UInt32
        var size: Int
    }

    /// Reads the header, tables and directory; `nil` if `data` is not an OLE2 file or its header is unusable.
    init?(_ data: UnsafeRawBufferPointer) {
        self.data = data
        reader = ByteReader(data)
        guard reader.hasBytes(Self.magic), let sectorShift = reader.u16le(30), let miniShift = reader.u16le(32),
            (7...16).contains(sectorShift), (2...sectorShift).contains(miniShift),
            let fatSectors = reader.u32le(44), let directoryStart = reader.u32le(48), let cutoff = reader.u32le(56),
            let miniFATStart = reader.u32le(60), let difatStart = reader.u32le(68)
        else { return nil }
        sectorSize = 1 << Int(sectorShift)
        miniSectorSize = 1 << Int(miniShift)
        miniStreamCutoff = Int(cutoff)
        fat = readFAT(count: Int(fatSectors), difatStart: difatStart)
        let directory = chain(from: directoryStart, table: fat)
        entries = stride(from: 0, to: directory.count - 127, by: 128).map { entry(at: directory, $0) }
        guard let root = entries.first else { return nil }
        miniFAT = chain(from: miniFATStart, table: fat).withUnsafeBytes { table in
            (0..<(table.count / 4)).map { ByteReader(table).u32le($0 * 4) ?? Self.noStream }
        }
        miniStream = chain(from: root.start, table: fat)
    }

    /// The sectors of the FAT, from the header's 109 slots then the DIFAT chain, concatenated.
    private func readFAT(count: Int, difatStart: UInt32) -> [UInt32] {
        let totalSectors = max(0, data.count / sectorSize - 1)
        var sectors: [UInt32] = (0..<109).compactMap { reader.u32le(76 + 4 * $0) }
        var next = difatStart
        var visited = Set<UInt32>()
        while Int(next) < totalSectors, visited.insert(next).inserted, sectors.count < count {
            let offset = (Int(next) + 1) * sectorSize
            let slots = sectorSize / 4 - 1
            sectors += (0..<slots).compactMap { reader.u32le(offset + 4 * $0) }
            next = reader.u32le(offset + 4 * slots) ?? Self.endOfChain
        }
        var table: [UInt32] = []
        for sector in sectors.prefix(min(count, totalSectors)) where Int(sector) < totalSectors {
            let offset = (Int(sector) + 1) * sectorSize
            table += (0..<(sectorSize / 4)).map { reader.u32le(offset + 4 * $0) ?? Self.noStream }
        }
        return table
    }

    /// The bytes of the sector chain from `start`, at most `limit` bytes.
    func chain(from start: UInt32, table: [UInt32], limit: Int = .max) -> [UInt8] {
        var bytes: [UInt8] = []
        var sector = start
        var steps = 0
        while Int(sector) < table.count, bytes.count < limit, steps <= table.count {
            let offset = (Int(sector) + 1) * sectorSize
            guard reader.contains(offset, 1) else { break }
            let end = min(data.count, offset + min(sectorSize, limit - bytes.count))
            bytes += data[offset..<end]
            sector = table[Int(sector)]
            steps += 1
        }
        return bytes
    }

    /// The bytes of the mini-stream chain from `start`, at most `limit` bytes.
    func miniChain(from start: UInt32, limit: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        var sector = start
        var steps = 0
        while Int(sector) < miniFAT.count, bytes.count < limit, steps <= miniFAT.count {
            let offset = Int(sector) * miniSectorSize
            guard offset < miniStream.count else { break }
            bytes += miniStream[offset..<min(miniStream.count, offset + min(miniSectorSize, limit - bytes.count))]
            sector = miniFAT[Int(sector)]
            steps += 1
        }
        return bytes
    }

    private func entry(at directory: [UInt8], _ offset: Int) -> Entry {
        directory.withUnsafeBytes { raw in
            let entry = ByteReader(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + 128)]))
            let nameBytes = min(Int(entry.u16le(64) ?? 0), 64)
            let units = (0..<(nameBytes / 2)).compactMap { entry.u16le($0 * 2) }.prefix { $0 != 0 }
            return Entry(
                name: Self.decodedName(Array(units)), type: entry.u8(66) ?? 0,
                left: entry.u32le(68) ?? Self.noStream, right: entry.u32le(72) ?? Self.noStream,
                child: entry.u32le(76) ?? Self.noStream, start: entry.u32le(116) ?? Self.endOfChain,
                size: Int(entry.u32le(120) ?? 0))
        }
    }

    /// A directory entry's name, with MSI's packed stream names unpacked: a character from U+3800 holds two
    /// of 64 name characters, from U+4800 one, and U+4840 marks a table (`!`).
    static func decodedName(_ units: [UInt16]) -> String {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._".utf16)
        var decoded: [UInt16] = []
        for unit in units {
            switch unit {
            case 0x3800..<0x4800:
                decoded += [alphabet[Int(unit - 0x3800) & 0x3F], alphabet[Int(unit - 0x3800) >> 6 & 0x3F]]
            case 0x4800..<0x4840: decoded.append(alphabet[Int(unit - 0x4800)])
            case 0x4840: decoded.append(UInt16(UInt8(ascii: "!")))
            default: decoded.append(unit)
            }
        }
        return String(decoding: decoded, as: UTF16.self)
    }

    /// The streams of the directory tree, depth first from the root, with their paths.
    func streams() -> [(path: String, entry: Entry)] {
        var found: [(path: String, entry: Entry)] = []
        var visited = Set<UInt32>([0])
        var stack: [(index: UInt32, parent: String)] = [(entries.first?.child ?? Self.noStream, "")]
        while let (index, parent) = stack.popLast() {
            guard Int(index) < entries.count, visited.insert(index).inserted else { continue }
            let entry = entries[Int(index)]
            let path = parent.isEmpty ? entry.name : parent + "/" + entry.name
            stack.append((entry.right, parent))
            if entry.type == 1 { stack.append((entry.child, path)) }
            stack.append((entry.left, parent))
            if entry.type == 2 { found.append((path, entry)) }
        }
        return found
    }

    /// A stream's content, at most `limit` bytes.
    func content(of entry: Entry, limit: Int) -> [UInt8] {
        let wanted = min(entry.size, limit)
        return entry.size < miniStreamCutoff
            ? miniChain(from: entry.start, limit: wanted) : chain(from: entry.start, table: fat, limit: wanted)
    }

    /// Calls `visit` with each stream of the compound file in `data`, each at most `maximumSize` bytes, until
    /// it returns false. A member is named by the stream's path in the directory tree.
    public static func forEachStream(
        in data: UnsafeRawBufferPointer, maximumSize: Int,
        _ visit: (ArchiveMember) -> Bool
    ) {
        guard let file = OLE2(data) else { return }
        let streams = file.streams()
        for (index, stream) in streams.enumerated() {
            let isNative = stream.entry.name == "\u{1}Ole10Native"
            // A packaged file follows a size and a header of names and paths: read that much more, once.
            let content = file.content(of: stream.entry, limit: isNative ? maximumSize + 1 << 16 : maximumSize)
            var member = ArchiveMember(
                name: stream.path, data: Array(content.prefix(maximumSize)),
                truncated: stream.entry.size > maximumSize, isEncrypted: false, size: stream.entry.size, index: index)
            if isNative {
                content.withUnsafeBytes { bytes in
                    guard bytes.count > 4,
                        let packaged = OLEPackage.packagedFile(UnsafeRawBufferPointer(rebasing: bytes[4...]))
                    else { return }
                    member = ArchiveMember(
                        name: stream.path + "/" + packaged.name,
                        data: Array(packaged.content.prefix(maximumSize)), truncated: packaged.size > maximumSize,
                        isEncrypted: false, size: packaged.size, index: index)
                }
            }
            if !visit(member) { return }
            guard stream.entry.name == "PowerPoint Document" else { continue }
            let objects = member.data.withUnsafeBytes { PowerPointObjects.storages(in: $0, maximumSize: maximumSize) }
            for (number, storage) in objects.enumerated() {
                let object = ArchiveMember(
                    name: stream.path + "/ExOleObjStg \(number)", data: storage, truncated: false,
                    isEncrypted: false, size: storage.count, index: index)
                if !visit(object) { return }
            }
        }
        for module in file.macros(streams, maximumSize: maximumSize) where !visit(module) { return }
    }

    /// The source of each VBA module, from the projects whose `dir` stream lists them.
    func macros(_ streams: [(path: String, entry: Entry)], maximumSize: Int) -> [ArchiveMember] {
        var byPath: [String: Entry] = [:]
        for stream in streams { byPath[stream.path.lowercased()] = stream.entry }
        var sources: [ArchiveMember] = []
        for directory in streams where directory.entry.name.lowercased() == "dir" {
            let storage = directory.path.dropLast(3)
            let listing = content(of: directory.entry, limit: 1 << 24).withUnsafeBytes {
                VBAProject.decompress($0, maximumSize: 1 << 24)
            }
            for module in VBAProject.modules(inDirectory: listing ?? []) {
                guard let entry = byPath[(storage + module.streamName).lowercased()] else { continue }
                let stream = content(of: entry, limit: .max)
                guard module.offset < stream.count,
                    let source = stream.withUnsafeBytes({
                        VBAProject.decompress(
                            UnsafeRawBufferPointer(rebasing: $0[module.offset...]), maximumSize: maximumSize)
                    })
                else { continue }
                sources.append(
                    ArchiveMember(
                        name: storage + module.streamName, data: source,
                        truncated: source.count >= maximumSize,
                        isEncrypted: false, size: source.count, index: streams.count + sources.count, isMacro: true))
            }
        }
        return sources
    }
}
