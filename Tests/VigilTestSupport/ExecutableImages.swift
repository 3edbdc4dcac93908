/// Minimal executable images built in test code, so no real binary is checked in.
public struct Image {
    /// The bytes built so far.
    public var bytes: [UInt8]

    /// `count` bytes of `fill`.
    public init(count: Int, fill: UInt8 = 0) { bytes = [UInt8](repeating: fill, count: count) }

    /// Bytes `0, 1, 2, ...` (mod 251) so any 8 of them identify their place.
    public static func patterned(count: Int) -> Image {
        var image = Image(count: count)
        for i in 0..<count { image.bytes[i] = UInt8(i % 251) }
        return image
    }

    /// Writes `data` at `offset`, growing the image as needed.
    public mutating func put(_ data: [UInt8], at offset: Int) {
        if bytes.count < offset + data.count {
            bytes += [UInt8](repeating: 0, count: offset + data.count - bytes.count)
        }
        bytes.replaceSubrange(offset..<(offset + data.count), with: data)
    }

    /// Writes an integer at `offset`.
    public mutating func u16(_ value: UInt16, at offset: Int, bigEndian: Bool = false) {
        put(Image.encode(UInt64(value), width: 2, bigEndian: bigEndian), at: offset)
    }
    /// Writes an integer at `offset`.
    public mutating func u32(_ value: UInt32, at offset: Int, bigEndian: Bool = false) {
        put(Image.encode(UInt64(value), width: 4, bigEndian: bigEndian), at: offset)
    }
    /// Writes an integer at `offset`.
    public mutating func u64(_ value: UInt64, at offset: Int, bigEndian: Bool = false) {
        put(Image.encode(value, width: 8, bigEndian: bigEndian), at: offset)
    }

    /// `value` as `width` bytes.
    public static func encode(_ value: UInt64, width: Int, bigEndian: Bool) -> [UInt8] {
        let little = (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
        return bigEndian ? little.reversed() : little
    }
}

/// A PE32 or PE32+ file: `.text` at RVA 0x1000 (raw 0x400, 0x200 bytes) and `.idata` at RVA 0x2000 (raw 0x600,
/// 0x1000 bytes) holding an import table built from `imports`.
public enum PEBuilder {
    /// An imported function.
    public enum Import {
        case name(String)
        case ordinal(UInt16)
    }

    /// Builds the file; `resources`, if given, is a resource tree built for RVA ``resourceRVA`` (see
    /// ``versionResource(_:)``).
    public static func build(
        is64: Bool = false, entryRVA: UInt32 = 0x1010, imports: [(String, [Import])] = [],
        sectionCount: UInt16 = 2, textRawOffset: UInt32 = 0x400,
        resources: [UInt8] = []
    ) -> [UInt8] {
        var image = Image.patterned(count: 0x1600)
        image.put(Array(repeating: 0, count: 0x400), at: 0)
        image.put(Array("MZ".utf8), at: 0)
        image.u32(0x40, at: 60)
        let optionalSize = (is64 ? 112 : 96) + 16 * 8
        image.put(Array("PE".utf8) + [0, 0], at: 0x40)
        image.u16(is64 ? 0x8664 : 0x14C, at: 0x44)
        image.u16(sectionCount, at: 0x46)
        image.u16(UInt16(optionalSize), at: 0x54)
        image.u16(0x102, at: 0x56)
        let optional = 0x58
        image.u16(is64 ? 0x20B : 0x10B, at: optional)
        image.u32(entryRVA, at: optional + 16)
        image.u32(0x1000, at: optional + 32)
        image.u32(0x200, at: optional + 36)
        image.u32(0x3000, at: optional + 56)
        image.u32(0x400, at: optional + 60)
        image.u16(2, at: optional + 68)
        let directoryCount = optional + (is64 ? 108 : 92)
        image.u32(16, at: directoryCount)
        image.u32(0x2000, at: directoryCount + 4 + 8)
        image.u32(UInt32(20 * (imports.count + 1)), at: directoryCount + 4 + 12)
        let table = optional + optionalSize
        let sections: [(String, UInt32, UInt32, UInt32, UInt32)] = [
            (".text", 0x1000, 0x1000, 0x200, textRawOffset), (".idata", 0x1000, 0x2000, 0x1000, 0x600),
        ]
        for (i, s) in sections.prefix(Int(sectionCount)).enumerated() {
            let at = table + 40 * i
            image.put(Array(s.0.utf8), at: at)
            image.u32(s.1, at: at + 8)
            image.u32(s.2, at: at + 12)
            image.u32(s.3, at: at + 16)
            image.u32(s.4, at: at + 20)
        }
        // The import directory, thunks and names inside .idata (RVA 0x2000 = file 0x600).
        image.put(Array(repeating: 0, count: 0x1000), at: 0x600)
        let thunkSize = is64 ? 8 : 4
        var cursor = 20 * (imports.count + 1)
        var strings = 0x600
        func putString(_ s: String, hint: Bool) -> Int {
            let at = strings
            let data = (hint ? [0, 0] : []) + Array(s.utf8) + [0]
            image.put(data, at: 0x600 + at)
            strings += data.count + data.count % 2
            return at
        }
        for (index, (dll, functions)) in imports.enumerated() {
            let thunks = cursor
            cursor += (functions.count + 1) * thunkSize
            for (k, function) in functions.enumerated() {
                let value: UInt64
                switch function {
                case .ordinal(let n): value = (is64 ? 1 << 63 : 1 << 31) | UInt64(n)
                case .name(let name): value = 0x2000 + UInt64(putString(name, hint: true))
                }
                image.put(Image.encode(value, width: thunkSize, bigEndian: false), at: 0x600 + thunks + k * thunkSize)
            }
            let name = putString(dll, hint: false)
            let descriptor = 0x600 + 20 * index
            image.u32(UInt32(0x2000 + thunks), at: descriptor)
            image.u32(UInt32(0x2000 + name), at: descriptor + 12)
            image.u32(UInt32(0x2000 + thunks), at: descriptor + 16)
        }
        if !resources.isEmpty {
            image.put(resources, at: Int(resourceRVA) - 0x2000 + 0x600)
            image.u32(resourceRVA, at: directoryCount + 4 + 16)
            image.u32(UInt32(resources.count), at: directoryCount + 4 + 20)
        }
        return image.bytes
    }

    /// Where ``build(is64:entryRVA:imports:sectionCount:textRawOffset:resources:)`` puts the resource tree: in
    /// `.idata`, after the imports (file offset 0xE00).
    public static let resourceRVA: UInt32 = 0x2800

    /// A resource tree at ``resourceRVA`` holding one `RT_VERSION` resource whose `StringFileInfo` has one
    /// table with `strings`; also returns the file offset of each string's key in the built file.
    public static func versionResource(_ strings: [(key: String, value: String)]) -> (bytes: [UInt8], keys: [Int]) {
        func utf16(_ s: String) -> [UInt8] { (s + "\0").utf8.flatMap { [$0, 0] } }
        func padded(_ b: [UInt8]) -> [UInt8] { b + [UInt8](repeating: 0, count: (4 - b.count % 4) % 4) }
        func block(_ key: String, value: [UInt8], valueLength: Int, type: Int, children: [UInt8]) -> [UInt8] {
            let head = padded([0, 0] + le16(valueLength) + le16(type) + utf16(key))
            let body = head + padded(value) + children
            return le16(body.count) + body.dropFirst(2)
        }
        var table: [UInt8] = []
        var keyOffsets: [Int] = []  // within the table
        for (key, value) in strings {
            // An empty value has no bytes at all, as resource compilers write it.
            let entry = block(key, value: value.isEmpty ? [] : utf16(value),
                valueLength: value.isEmpty ? 0 : value.utf16.count + 1, type: 1, children: [])
            keyOffsets.append(table.count + 6)
            table += padded(entry)
        }
        let stringTable = block("040904B0", value: [], valueLength: 0, type: 1, children: table)
        let stringFileInfo = block("StringFileInfo", value: [], valueLength: 0, type: 1, children: stringTable)
        var fixed = [UInt8](repeating: 0, count: 0x34)
        fixed.replaceSubrange(0..<4, with: [0xBD, 0x04, 0xEF, 0xFE])
        let info = block("VS_VERSION_INFO", value: fixed, valueLength: 0x34, type: 0, children: stringFileInfo)
        // Directories: types (one id entry: 16) at 0, names at 0x18, languages at 0x30; data entry at 0x48.
        var tree = [UInt8](repeating: 0, count: 0x60)
        func put32(_ v: UInt32, _ at: Int) { for i in 0..<4 { tree[at + i] = UInt8(truncatingIfNeeded: v >> (8 * i)) } }
        tree[14] = 1; put32(16, 16); put32(0x8000_0018, 20)
        tree[0x18 + 14] = 1; put32(1, 0x28); put32(0x8000_0030, 0x2C)
        tree[0x30 + 14] = 1; put32(0x409, 0x40); put32(0x48, 0x44)
        put32(resourceRVA + 0x60, 0x48); put32(UInt32(info.count), 0x4C)
        // The table's strings start after the VS_VERSIONINFO header and fixed info (0x5C), the StringFileInfo
        // header (0x24) and the StringTable header (0x18).
        let tableStart = 0xE00 + 0x60 + 0x5C + 0x24 + 0x18
        return (tree + info, keyOffsets.map { tableStart + $0 })
    }
}

