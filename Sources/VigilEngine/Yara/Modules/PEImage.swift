import VigilFormats

/// A PE file's headers as libyara's `pe` module reads them (`pe_get_header`, `pe_rva_to_offset`,
/// `pe_get_directory_entry`): bounds-checked little-endian reads over the scanned bytes.
struct PEImage {
    /// The scanned file.
    let data: UnsafeRawBufferPointer
    /// The offset of the `PE\0\0` signature (`e_lfanew`).
    let nt: Int
    /// Whether the optional header's magic is PE32+.
    let is64: Bool

    /// The most section headers libyara reads.
    static let maxSections = 96

    /// The headers, or nil when libyara's `pe_get_header` rejects the file.
    init?(_ data: UnsafeRawBufferPointer) {
        self.data = data
        guard data.count >= 64, data.load(as: UInt8.self) == 0x4D, data[1] == 0x5A else { return nil }
        let lfanew = Int32(bitPattern: data.loadUnaligned(fromByteOffset: 60, as: UInt32.self))
        guard lfanew >= 0 else { return nil }
        nt = Int(lfanew)
        var headers = nt + 24
        guard data.count >= headers, data.loadUnaligned(fromByteOffset: nt, as: UInt32.self) == 0x0000_4550,
            data.count >= headers + 224
        else { return nil }
        is64 = data.loadUnaligned(fromByteOffset: nt + 24, as: UInt16.self) == 0x20B
        headers += is64 ? 240 : 224
        guard data.count >= headers else { return nil }
        let machine = data.loadUnaligned(fromByteOffset: nt + 4, as: UInt16.self)
        let known: Set<UInt16> = [
            0, 0x1D3, 0x8664, 0x1C0, 0x1C4, 0xAA64, 0xEBC, 0x14C, 0x200, 0x9041, 0x266, 0x366, 0x466, 0x1F0, 0x1F1,
            0x166, 0x1A2, 0x1A3, 0x1A6, 0x1A8, 0x1C2, 0x169,
        ]
        guard known.contains(machine) else { return nil }
    }

    // MARK: Reads

    /// Whether `size` bytes at `offset` lie inside the file (libyara `fits_in_pe`).
    func fits(_ offset: Int, _ size: Int) -> Bool { ByteReader(data).contains(offset, size) }
    func u8(_ offset: Int) -> UInt8? { ByteReader(data).u8(offset) }
    func u16(_ offset: Int) -> UInt16? { ByteReader(data).u16le(offset) }
    func u32(_ offset: Int) -> UInt32? { ByteReader(data).u32le(offset) }
    func u64(_ offset: Int) -> UInt64? { ByteReader(data).u64le(offset) }
    /// The bytes at `offset` up to the first NUL, at most `limit` of them, cut at the end of the file.
    func cString(_ offset: Int, limit: Int = Int.max) -> [UInt8] {
        guard offset >= 0, offset < data.count else { return [] }
        let end = offset + min(limit, data.count - offset)
        var i = offset
        while i < end, data[i] != 0 { i += 1 }
        return Array(data[offset..<i])
    }

    // MARK: Header fields

    /// The file header's field at `offset` (after the signature).
    var machine: UInt16 { u16(nt + 4)! }
    var numberOfSections: UInt16 { u16(nt + 6)! }
    var timestamp: UInt32 { u32(nt + 8)! }
    var pointerToSymbolTable: UInt32 { u32(nt + 12)! }
    var numberOfSymbols: UInt32 { u32(nt + 16)! }
    var sizeOfOptionalHeader: UInt16 { u16(nt + 20)! }
    var characteristics: UInt16 { u16(nt + 22)! }
    /// The optional header's start.
    var optional: Int { nt + 24 }
    /// A 16-bit optional-header field at the same offset in PE32 and PE32+.
    func opt16(_ offset: Int) -> UInt16 { u16(optional + offset)! }
    /// A 32-bit optional-header field at `offset32` in PE32, `offset64` in PE32+.
    func opt32(_ offset32: Int, _ offset64: Int? = nil) -> UInt32 {
        u32(optional + (is64 ? offset64 ?? offset32 : offset32))!
    }
    /// A pointer-sized optional-header field.
    func optWord(_ offset32: Int, _ offset64: Int) -> UInt64 {
        is64 ? u64(optional + offset64)! : UInt64(u32(optional + offset32)!)
    }
    var entryPointRVA: UInt32 { opt32(16) }
    var fileAlignment: UInt32 { opt32(36) }
    var imageBase: UInt64 { optWord(28, 24) }
    var sizeOfImage: UInt32 { opt32(56) }
    var numberOfRvaAndSizes: UInt32 { opt32(92, 108) }
    /// The offset of the `CheckSum` field.
    var checksumOffset: Int { optional + 64 }
    /// The data directories' start.
    var directories: Int { optional + (is64 ? 112 : 96) }
    /// The first section header.
    var sectionTable: Int { optional + Int(sizeOfOptionalHeader) }

    /// Data directory `entry` (virtual address, size) when it lies inside the optional header's declared size.
    func directory(_ entry: Int) -> (address: UInt32, size: UInt32)? {
        let start = (is64 ? 112 : 96) + entry * 8
        guard entry < 16, start <= Int(sizeOfOptionalHeader), let a = u32(optional + start),
            let s = u32(optional + start + 4)
        else { return nil }
        return (a, s)
    }

    /// The file offset of `rva`, or -1 (libyara `pe_rva_to_offset`).
    func offset(ofRVA rva: UInt64) -> Int64 {
        var lowest: UInt32 = 0xFFFF_FFFF
        var sectionRVA: UInt32 = 0
        var sectionOffset: UInt32 = 0
        var sectionRawSize: UInt32 = 0
        let count = min(Int(numberOfSections), Self.maxSections)
        for i in 0..<count {
            let s = sectionTable + 40 * i
            guard fits(s, 40) else { return -1 }
            let va = u32(s + 12)!
            let vsize = u32(s + 8)!
            lowest = min(lowest, va)
            if rva >= UInt64(va) && rva - UInt64(va) < UInt64(vsize) && sectionRVA <= va {
                let alignment = min(fileAlignment, 0x200)
                sectionRVA = va
                sectionOffset = u32(s + 20)!
                sectionRawSize = u32(s + 16)!
                if alignment != 0 { sectionOffset -= sectionOffset % alignment }
            }
        }
        if rva < UInt64(lowest) {
            sectionRVA = 0
            sectionOffset = 0
            sectionRawSize = UInt32(truncatingIfNeeded: data.count)
        }
        let (delta, borrow) = rva.subtractingReportingOverflow(UInt64(sectionRVA))
        guard borrow || delta < UInt64(sectionRawSize) else { return -1 }
        if borrow { return -1 }
        let result = Int64(sectionOffset) + Int64(delta)
        return result >= Int64(data.count) ? -1 : result
    }

    /// `offset(ofRVA:)` as an `Int`, nil for -1.
    func fileOffset(_ rva: UInt64) -> Int? {
        let o = offset(ofRVA: rva)
        return o < 0 ? nil : Int(o)
    }
}
