/// The version-information strings that ClamAV's `VI` offset refers to (libclamav `cli_peheader` and `findres`).
extension PortableExecutable {
    /// The file offsets of the keys of the strings in the file's `VS_VERSION_INFO` resources, ascending: where a
    /// signature with offset `VI` may start. Each is 6 bytes into a `String` entry of a `StringTable`; strings
    /// with an empty value are left out, as clamscan leaves them out.
    ///
    /// clamscan reads at most 16 `RT_VERSION` resources of the first `RT_VERSION` directory entry, one
    /// `StringFileInfo` per resource (after at most one `VarFileInfo`), and stops at the first malformed
    /// element of a level it cannot resume.
    public func versionInfoStringOffsets(in bytes: UnsafeRawBufferPointer) -> [Int] {
        let directory = dataDirectories[2]
        guard directory.size != 0 else { return [] }
        let file = ByteReader(bytes)
        var offsets: [Int] = []
        for entry in versionResources(file, base: directory.virtualAddress) {
            guard let at = rawOffset(ofRVA: entry).map(Int.init), file.contains(at, 16),
                let dataRVA = file.u32le(at), let size = file.u32le(at + 4),
                let data = rawOffset(ofRVA: dataRVA).map(Int.init), file.contains(data, Int(size))
            else { continue }
            Self.versionInfoStrings(file, at: data, size: Int(size), into: &offsets)
        }
        return Array(Set(offsets)).sorted()
    }

    /// The data-entry RVAs of the `RT_VERSION` (type 16) resources: every language of every name of the first
    /// type entry with that id, at most 16.
    private func versionResources(_ file: ByteReader, base: UInt32) -> [UInt32] {
        func directory(_ rva: UInt32) -> Int? {
            guard let at = rawOffset(ofRVA: rva).map(Int.init), file.contains(at, 16) else { return nil }
            return at
        }
        guard let root = directory(base), let named = file.u16le(root + 12), let ids = file.u16le(root + 14) else {
            return []
        }
        var found: [UInt32] = []
        var typeEntry = root + 16 + Int(named) * 8
        for _ in 0..<ids {
            guard let type = file.u32le(typeEntry), let typeOffset = file.u32le(typeEntry + 4) else { return found }
            typeEntry += 8
            guard type == 16, typeOffset & 0x8000_0000 != 0 else { continue }
            guard let names = directory(base &+ typeOffset & 0x7FFF_FFFF) else { return found }
            let nameCount = Int(file.u16le(names + 12)!) + Int(file.u16le(names + 14)!)
            for n in 0..<nameCount {
                let nameEntry = names + 16 + 8 * n
                guard let nameOffset = file.u32le(nameEntry + 4) else { return found }
                guard nameOffset & 0x8000_0000 != 0 else { continue }
                guard let languages = directory(base &+ nameOffset & 0x7FFF_FFFF) else { return found }
                let languageCount = Int(file.u16le(languages + 12)!) + Int(file.u16le(languages + 14)!)
                for l in 0..<languageCount {
                    guard let languageOffset = file.u32le(languages + 16 + 8 * l + 4) else { return found }
                    guard languageOffset & 0x8000_0000 == 0 else { continue }
                    found.append(base &+ languageOffset)
                    if found.count == 16 { return found }
                }
            }
            return found
        }
        return found
    }

    /// The UTF-16LE key of a version-information element (with its terminating NUL), as raw bytes.
    private static func key(_ text: String) -> [UInt8] { (text + "\0").utf8.flatMap { [$0, 0] } }
    private static let versionKey = key("VS_VERSION_INFO")
    private static let varFileKey = key("VarFileInfo")
    private static let stringFileKey = key("StringFileInfo")

    /// Walks one `VS_VERSIONINFO` block of `size` bytes at `start`, adding its strings' key offsets.
    private static func versionInfoStrings(_ file: ByteReader, at start: Int, size: Int, into offsets: inout [Int]) {
        func length(_ at: Int) -> Int { Int(file.u16le(at) ?? 0) }
        // VS_VERSIONINFO: header (6), key (0x20), padding (2), VS_FIXEDFILEINFO (0x34).
        let fixedEnd = 6 + 0x20 + 2 + 0x34
        var remaining = length(start)
        guard size > 4, remaining <= size, remaining > fixedEnd,
            file.u16le(start + 2) == 0x34, file.hasBytes(versionKey, at: start + 6),
            file.u32le(start + 0x28) == 0xFEEF_04BD
        else { return }
        var at = start + fixedEnd
        remaining -= fixedEnd
        var skippedVarFileInfo = false
        while remaining > 6 {
            let blockSize = length(at)
            guard blockSize <= remaining else { return }
            if !skippedVarFileInfo, blockSize > 6 + 0x18, file.hasBytes(varFileKey, at: at + 6) {
                at += blockSize
                remaining -= blockSize
                skippedVarFileInfo = true
                continue
            }
            guard blockSize > 6 + 0x1E, file.hasBytes(stringFileKey, at: at + 6) else { return }
            stringTables(file, at: at + 6 + 0x1E, size: blockSize - 6 - 0x1E, into: &offsets)
            return
        }
    }

    /// Walks the `StringTable`s of a `StringFileInfo`.
    private static func stringTables(_ file: ByteReader, at start: Int, size: Int, into offsets: inout [Int]) {
        func length(_ at: Int) -> Int { Int(file.u16le(at) ?? 0) }
        var at = start
        var remaining = size
        while remaining > 6 {
            let tableSize = length(at)
            // A table needs its header (6), its 8-character key (16) and padding (2).
            guard tableSize <= remaining, tableSize > 24 else { return }
            let next = at + tableSize
            var inTable = tableSize - 24
            var entry = at + 24
            while inTable > 6 {
                let stringSize = (length(entry) + 3) & ~3
                guard stringSize <= inTable, stringSize > 6 + 2 + 8 else { return }
                var keyEnd = 6
                while keyEnd + 1 < stringSize {
                    if file.u8(entry + keyEnd) == 0, file.u8(entry + keyEnd + 1) == 0 {
                        keyEnd += 2
                        break
                    }
                    keyEnd += 2
                }
                keyEnd = (keyEnd + 3) & ~3
                // A key running to the end, or no value: not recorded.
                if keyEnd < stringSize, stringSize - keyEnd > 2 { offsets.append(entry + 6) }
                entry += stringSize
                inTable -= stringSize
            }
            at = next
            remaining -= tableSize
        }
    }
}
