extension PortableExecutable {
    /// The byte ranges clamscan hashes for `.mdb`/`.msb` section signatures (libclamav `scan_pe_mdb`): one per
    /// section with raw data, `rawOffset ..< rawOffset + rawSize` with the header read as for hashes (sections
    /// wholly past the end of the file dropped, sizes aligned up to the file alignment and cut at the end of
    /// the file). A signature's size field is the range's length. `nil` when clamscan's PE parser fails, PE32+
    /// included: PE32+ sections are hashed too.
    public static func sectionHashRanges(_ bytes: UnsafeRawBufferPointer) -> [Range<Int>]? {
        guard let pe = parse(bytes, droppingMissingSections: true) else { return nil }
        return pe.sections.compactMap { s in
            s.rawSize == 0 ? nil : Int(s.rawOffset)..<(Int(s.rawOffset) + Int(s.rawSize))
        }
    }

    /// The bytes clamscan MD5s for `.imp` import-table signatures (libclamav `hash_imptbl`); the signature's
    /// size field is their count. `nil` where clamscan computes no import hash.
    ///
    /// The text is `dll.function` for every import, comma-separated, lower-cased (ASCII only), where `dll` is
    /// the DLL name cut at its first `.` when that dot starts `.dll`, `.ocx` or `.sys` (any case), and an
    /// import by ordinal is named from clamscan's `ws2_32`/`wsock32`/`oleaut32` tables or `ord<n>`.
    ///
    /// As in clamscan 1.4: only PE32 files are hashed (never PE32+); import descriptors are read while more
    /// than 20 bytes of the import directory remain, up to a zero name RVA or 1024 DLLs; the thunks come from
    /// `OriginalFirstThunk`, else `FirstThunk`; a function name whose hint/name entry starts within the last 257
    /// bytes of the file is skipped; a function name with a character outside `[0-9A-Za-z_.]`, or a DLL name or
    /// thunk array that cannot be located, cancels the hash. A file with an empty import list hashes the empty
    /// string.
    public static func importTableHashInput(_ bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        guard let pe = parse(bytes, droppingMissingSections: true), !pe.is64 else { return nil }
        let file = ByteReader(bytes)
        let directory = pe.dataDirectories[1]
        guard directory.virtualAddress != 0, directory.size != 0,
            let tableOffset = pe.rawOffset(ofRVA: directory.virtualAddress),
            UInt64(tableOffset) + UInt64(directory.size) <= UInt64(file.count)
        else { return nil }

        var text: [UInt8] = []
        var first = true
        var left = Int(directory.size)
        var descriptor = Int(tableOffset)
        var dlls = 0
        while left > 20 && dlls < 1024 {
            guard let originalThunks = file.u32le(descriptor), let nameRVA = file.u32le(descriptor + 12),
                let firstThunk = file.u32le(descriptor + 16)
            else { return nil }
            if nameRVA == 0 { break }
            left -= 20
            dlls += 1
            descriptor += 20

            guard let nameOffset = pe.rawOffset(ofRVA: nameRVA), Int(nameOffset) < file.count else { return nil }
            let dll = cString(file, at: Int(nameOffset), limit: min(256, file.count - Int(nameOffset)))
            let dllStem = stem(dll)

            var thunk: UInt32?
            if originalThunks != 0 { thunk = pe.rawOffset(ofRVA: originalThunks) }
            if thunk == nil || thunk == 0 { thunk = pe.rawOffset(ofRVA: firstThunk) }
            guard var at = thunk.map(Int.init) else { return nil }

            while let value = file.u32le(at), value != 0 {
                at += 4
                let function: [UInt8]?
                if value & 0x8000_0000 != 0 {
                    function = ImportOrdinals.name(dll: dll, ordinal: UInt16(truncatingIfNeeded: value))
                } else {
                    // An unmappable RVA reads at offset 0, as clamscan does.
                    let offset = Int(pe.rawOffset(ofRVA: value) ?? 0)
                    let length = offset > file.count ? 256 : min(256, file.count - offset)
                    function =
                        file.contains(offset + 2, length) && length > 0
                        ? cString(file, at: offset + 2, limit: length) : nil
                }
                guard let function else { continue }
                guard function.allSatisfy(isNameCharacter) else { return nil }
                if !first { text.append(UInt8(ascii: ",")) }
                text += dllStem.map(ImportOrdinals.lower)
                text.append(UInt8(ascii: "."))
                text += function.map(ImportOrdinals.lower)
                first = false
            }
        }
        return text
    }

    /// The bytes at `at` up to a NUL or `limit` bytes.
    private static func cString(_ file: ByteReader, at: Int, limit: Int) -> [UInt8] {
        var out: [UInt8] = []
        var i = at
        while i < at + limit, let c = file.u8(i), c != 0 {
            out.append(c)
            i += 1
        }
        return out
    }

    /// The DLL name cut at its first dot when that dot starts `.dll`, `.ocx` or `.sys`.
    private static func stem(_ dll: [UInt8]) -> [UInt8] {
        guard let dot = dll.firstIndex(of: UInt8(ascii: ".")) else { return dll }
        let ext = dll[dot...].prefix(4).map(ImportOrdinals.lower)
        return [".dll", ".ocx", ".sys"].contains(where: { Array($0.utf8) == ext }) ? Array(dll[..<dot]) : dll
    }

    private static func isNameCharacter(_ c: UInt8) -> Bool {
        (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c) || c == 0x5F || c == 0x2E
    }
}
