/// Writes OLE2 compound files (version 3, 512-byte sectors) so tests build their documents: streams under
/// the root or one storage level deep (`"Macros/VBA/dir"` makes storages `Macros` and `VBA`), streams under
/// 4096 bytes in the mini stream. Siblings are chained through their right links.
public enum CompoundFileWriter {
    static let free: UInt32 = 0xFFFF_FFFF
    static let endOfChain: UInt32 = 0xFFFF_FFFE
    static let fatSector: UInt32 = 0xFFFF_FFFD

    /// A compound file holding `streams` (paths separated by `/`).
    public static func build(_ streams: [(path: String, data: [UInt8])]) -> [UInt8] {
        // The directory: the root (0), then storages and streams in path order.
        var names: [[String]] = [[]]
        for stream in streams {
            let parts = stream.path.split(separator: "/").map(String.init)
            for depth in 1...parts.count where !names.contains(Array(parts.prefix(depth))) {
                names.append(Array(parts.prefix(depth)))
            }
        }
        var sectors: [[UInt8]] = []
        var fat: [UInt32] = []
        func allocate(_ bytes: [UInt8]) -> UInt32 {
            guard !bytes.isEmpty else { return endOfChain }
            let first = UInt32(sectors.count)
            for start in stride(from: 0, to: bytes.count, by: 512) {
                var sector = Array(bytes[start..<min(start + 512, bytes.count)])
                sector += Array(repeating: 0, count: 512 - sector.count)
                sectors.append(sector)
                fat.append(start + 512 < bytes.count ? UInt32(sectors.count) : endOfChain)
            }
            return first
        }
        var mini: [UInt8] = []
        var miniFAT: [UInt32] = []
        var starts: [[String]: UInt32] = [:]
        for stream in streams {
            let key = stream.path.split(separator: "/").map(String.init)
            if stream.data.count < 4096 {
                guard !stream.data.isEmpty else {
                    starts[key] = endOfChain
                    continue
                }
                starts[key] = UInt32(miniFAT.count)
                for start in stride(from: 0, to: stream.data.count, by: 64) {
                    var sector = Array(stream.data[start..<min(start + 64, stream.data.count)])
                    sector += Array(repeating: 0, count: 64 - sector.count)
                    mini += sector
                    miniFAT.append(start + 64 < stream.data.count ? UInt32(miniFAT.count + 1) : endOfChain)
                }
            } else {
                starts[key] = allocate(stream.data)
            }
        }
        let miniStreamStart = allocate(mini)
        let miniFATStart = allocate(miniFAT.flatMap(le32))
        var directory: [UInt8] = []
        for (index, path) in names.enumerated() {
            let stream = streams.first { $0.path.split(separator: "/").map(String.init) == path }
            let children = names.indices.filter {
                names[$0].count == path.count + 1 && Array(names[$0].dropLast()) == path
            }
            let siblings = names.indices.filter {
                !path.isEmpty && names[$0].count == path.count && Array(names[$0].dropLast()) == Array(path.dropLast())
            }
            let right =
                siblings.firstIndex(of: index).flatMap { $0 + 1 < siblings.count ? UInt32(siblings[$0 + 1]) : nil }
                ?? free
            let name = path.last ?? "Root Entry"
            var entry = Array(name.utf16.prefix(31)).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
            entry += Array(repeating: 0, count: 64 - entry.count)
            entry += le16(2 * (min(name.utf16.count, 31) + 1))
            entry += [path.isEmpty ? 5 : stream == nil ? 1 : 2, 1]
            entry +=
                le32(free) + le32(right)
                + le32(children.first.map(UInt32.init) ?? free)
            entry += Array(repeating: 0, count: 16 + 4 + 16)
            let start = path.isEmpty ? miniStreamStart : stream.map { _ in starts[path] ?? endOfChain } ?? 0
            let size = path.isEmpty ? mini.count : stream?.data.count ?? 0
            entry += le32(start) + le32(size) + le32(0)
            directory += entry
        }
        let directoryStart = allocate(directory)
        // The FAT covers itself: reserve its sectors, marked as FAT sectors.
        let fatSectors = (sectors.count + 127) / 127
        let firstFAT = sectors.count
        fat += Array(repeating: fatSector, count: fatSectors)
        fat += Array(repeating: free, count: fatSectors * 128 - fat.count)
        for k in 0..<fatSectors { sectors.append(fat[(k * 128)..<((k + 1) * 128)].flatMap(le32)) }
        var header: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + Array(repeating: 0, count: 16)
        header +=
            le16(0x3E) + le16(3) + le16(0xFFFE) + le16(9)
            + le16(6) + Array(repeating: 0, count: 6)
        header +=
            le32(0) + le32(UInt32(fatSectors)) + le32(directoryStart)
            + le32(0) + le32(4096)
        header +=
            le32(miniFATStart) + le32(UInt32((miniFAT.count * 4 + 511) / 512))
            + le32(endOfChain) + le32(0)
        header += (0..<109).flatMap { le32($0 < fatSectors ? UInt32(firstFAT + $0) : free) }
        return header + sectors.flatMap { $0 }
    }

}

/// VBA projects as Office stores them ([MS-OVBA]), so tests build documents with macros.
public enum VBAEncoder {
    /// The [MS-OVBA] 2.4.1 compressed container of `bytes`: 4096-byte chunks of literals, with a copy token
    /// (distance 1) for each run of a repeated byte.
    public static func compress(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [1]
        for chunkStart in stride(from: 0, to: bytes.count, by: 4096) {
            let chunk = Array(bytes[chunkStart..<min(chunkStart + 4096, bytes.count)])
            var body: [UInt8] = []
            var i = 0
            while i < chunk.count {
                var flags: UInt8 = 0
                var tokens: [UInt8] = []
                for bit in 0..<8 where i < chunk.count {
                    var bitCount = 4
                    while (1 << bitCount) < i { bitCount += 1 }
                    let maximumLength = (0xFFFF >> bitCount) + 3
                    var run = 0
                    while i > 0, i + run < chunk.count, run < maximumLength, chunk[i + run] == chunk[i - 1] { run += 1 }
                    if run >= 3 {
                        flags |= 1 << bit
                        let token = run - 3  // distance 1: (1 - 1) << (16 - bitCount)
                        tokens += [UInt8(token & 0xFF), UInt8(token >> 8)]
                        i += run
                    } else {
                        tokens.append(chunk[i])
                        i += 1
                    }
                }
                body += [flags] + tokens
            }
            let header = 0x8000 | 0x3000 | (body.count + 2 - 3)
            out += [UInt8(header & 0xFF), UInt8(header >> 8)] + body
        }
        return out
    }

    /// The streams of a VBA project under `storage` holding `modules` (name, source): the compressed `dir`
    /// stream, and each module's stream (a performance cache of `cacheSize` bytes, then the compressed source).
    public static func project(storage: String, modules: [(name: String, source: String)], cacheSize: Int = 37)
        -> [(path: String, data: [UInt8])]
    {
        func record(_ identifier: Int, _ data: [UInt8]) -> [UInt8] {
            [UInt8(identifier & 0xFF), UInt8(identifier >> 8)] + le32(data.count) + data
        }
        var directory = record(0x0001, le32(1))
        // PROJECTVERSION: its size field says 4, 6 bytes follow.
        directory += [0x09, 0x00] + le32(4) + le32(0x1234) + [0x05, 0x00]
        directory += record(0x000F, [UInt8(modules.count), 0])
        var streams: [(path: String, data: [UInt8])] = []
        for module in modules {
            let name = Array(module.name.utf8)
            let unicode: [UInt8] = name.flatMap { [$0, 0] }
            directory += record(0x0019, name) + record(0x0047, unicode) + record(0x001A, name) + record(0x0032, unicode)
            directory += record(0x001C, []) + record(0x0048, []) + record(0x0031, le32(cacheSize))
            directory += record(0x001E, le32(0)) + record(0x002C, [0xFF, 0xFF]) + record(0x0021, [])
            directory += record(0x002B, [])
            let cache = (0..<cacheSize).map { UInt8(truncatingIfNeeded: $0 * 7) }
            streams.append((storage + "/" + module.name, cache + compress(Array(module.source.utf8))))
        }
        directory += record(0x0010, [])
        return [(storage + "/dir", compress(directory)), (storage + "/_VBA_PROJECT", [0xCC, 0x61, 0xFF, 0xFF, 0x00])]
            + streams
    }
}
