/// A PE32 or PE32+ file with the structures YARA's `pe` module reads: a Rich header, `.text`, `.rdata` (imports,
/// delay-load imports, exports, a CodeView debug entry), `.rsrc` (a version resource and named resources), a
/// COFF string table naming a long section, and an overlay.
public struct RichPEBuilder {
    /// An imported function.
    public enum Import {
        case name(String)
        case ordinal(UInt16)
    }
    /// An exported function: its name (if any), or a forwarder (`"DLL.Function"`) instead of code.
    public struct Export {
        public var name: String?
        public var forward: String?
        public init(name: String?, forward: String? = nil) {
            self.name = name
            self.forward = forward
        }
    }

    public var is64 = false
    public var dll = true
    public var imports: [(String, [Import])] = []
    public var delayedImports: [(String, [Import])] = []
    public var exportName = "test.dll"
    public var exports: [Export] = []
    public var ordinalBase: UInt32 = 1
    public var versionStrings: [(String, String)] = []
    /// Rich entries: (tool id << 16 | build, count).
    public var rich: [(UInt32, UInt32)] = []
    public var richKey: UInt32 = 0x1234_5678
    public var pdbPath: String?
    public var longSectionName: String?
    public var overlay: [UInt8] = []
    public var timestamp: UInt32 = 0x6000_0000
    /// Bytes placed at the end of `.rdata` (e.g. a signature's certificate table is appended by a signer).
    public init() {}

    static let rdataRVA: UInt32 = 0x2000
    static let rsrcRVA: UInt32 = 0x4000

    /// A growing section body whose offsets are RVAs from `base`.
    struct Blob {
        var base: UInt32
        var bytes: [UInt8] = []
        mutating func align(_ n: Int = 4) { while bytes.count % n != 0 { bytes.append(0) } }
        mutating func put(_ data: [UInt8]) -> UInt32 {
            align()
            let rva = base + UInt32(bytes.count)
            bytes += data
            return rva
        }
        mutating func reserve(_ count: Int) -> UInt32 { put([UInt8](repeating: 0, count: count)) }
        mutating func set32(_ value: UInt32, atRVA rva: UInt32) {
            for i in 0..<4 { bytes[Int(rva - base) + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
        }
        mutating func set64(_ value: UInt64, atRVA rva: UInt32) {
            set32(UInt32(truncatingIfNeeded: value), atRVA: rva)
            set32(UInt32(truncatingIfNeeded: value >> 32), atRVA: rva + 4)
        }
        mutating func set16(_ value: UInt16, atRVA rva: UInt32) {
            for i in 0..<2 { bytes[Int(rva - base) + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt16(i))) }
        }
    }

    static func cString(_ s: String) -> [UInt8] { Array(s.utf8) + [0] }
    static func wide(_ s: String) -> [UInt8] { s.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }
    static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) } }
    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }

    /// Writes an import-style table (standard or delay-load) into `blob`; returns the descriptors' RVA and size.
    func importTable(_ list: [(String, [Import])], delayed: Bool, _ blob: inout Blob) -> (UInt32, UInt32) {
        let width = is64 ? 8 : 4
        let descriptorSize = delayed ? 32 : 20
        let descriptors = blob.reserve(descriptorSize * (list.count + 1))
        for (i, (dll, functions)) in list.enumerated() {
            let name = blob.put(Self.cString(dll))
            var entries: [UInt64] = []
            for f in functions {
                switch f {
                case .name(let n): entries.append(UInt64(blob.put(Self.le16(0) + Self.cString(n))))
                case .ordinal(let o): entries.append((is64 ? 1 << 63 : 1 << 31) | UInt64(o))
                }
            }
            blob.align(8)
            let lookup = blob.reserve(width * (entries.count + 1))
            let iat = blob.reserve(width * (entries.count + 1))
            for (j, e) in entries.enumerated() {
                for table in [lookup, iat] {
                    if is64 {
                        blob.set64(e, atRVA: table + UInt32(8 * j))
                    } else {
                        blob.set32(UInt32(e), atRVA: table + UInt32(4 * j))
                    }
                }
            }
            let d = descriptors + UInt32(descriptorSize * i)
            if delayed {
                let handle = blob.reserve(8)
                blob.set32(1, atRVA: d)
                blob.set32(name, atRVA: d + 4)
                blob.set32(handle, atRVA: d + 8)
                blob.set32(iat, atRVA: d + 12)
                blob.set32(lookup, atRVA: d + 16)
            } else {
                blob.set32(lookup, atRVA: d)
                blob.set32(name, atRVA: d + 12)
                blob.set32(iat, atRVA: d + 16)
            }
        }
        return (descriptors, UInt32(descriptorSize * (list.count + 1)))
    }

    /// Writes the export directory; returns its RVA and size.
    func exportTable(_ blob: inout Blob) -> (UInt32, UInt32) {
        let directory = blob.reserve(40)
        let functions = blob.reserve(4 * exports.count)
        let named = exports.enumerated().filter { $0.element.name != nil }.sorted {
            Array($0.element.name!.utf8).lexicographicallyPrecedes(Array($1.element.name!.utf8))
        }
        let names = blob.reserve(4 * named.count)
        let ordinals = blob.reserve(2 * named.count)
        for (j, (index, e)) in named.enumerated() {
            blob.set32(blob.put(Self.cString(e.name!)), atRVA: names + UInt32(4 * j))
            blob.set16(UInt16(index), atRVA: ordinals + UInt32(2 * j))
        }
        for (i, e) in exports.enumerated() {
            let target = e.forward.map { blob.put(Self.cString($0)) } ?? (0x1000 + UInt32(16 * i))
            blob.set32(target, atRVA: functions + UInt32(4 * i))
        }
        let dllName = blob.put(Self.cString(exportName))
        blob.set32(timestamp, atRVA: directory + 4)
        blob.set32(dllName, atRVA: directory + 12)
        blob.set32(ordinalBase, atRVA: directory + 16)
        blob.set32(UInt32(exports.count), atRVA: directory + 20)
        blob.set32(UInt32(named.count), atRVA: directory + 24)
        blob.set32(functions, atRVA: directory + 28)
        blob.set32(names, atRVA: directory + 32)
        blob.set32(ordinals, atRVA: directory + 36)
        blob.align()
        return (directory, blob.base + UInt32(blob.bytes.count) - directory)
    }

    /// A version-information node: header, key, padding, value, children.
    static func versionNode(_ key: String, value: [UInt8], valueLength: UInt16, text: Bool, children: [[UInt8]])
        -> [UInt8]
    {
        var node = le16(0) + le16(valueLength) + le16(text ? 1 : 0) + wide(key) + [0, 0]
        while node.count % 4 != 0 { node.append(0) }
        node += value
        for child in children {
            while node.count % 4 != 0 { node.append(0) }
            node += child
        }
        node[0] = UInt8(node.count & 0xFF)
        node[1] = UInt8(node.count >> 8)
        return node
    }

    /// The `VS_VERSION_INFO` resource for `versionStrings`.
    public static func versionInfo(_ strings: [(String, String)]) -> [UInt8] {
        let entries = strings.map { key, value in
            versionNode(
                key, value: wide(value) + [0, 0], valueLength: UInt16(value.utf16.count + 1), text: true, children: [])
        }
        let table = versionNode("040904b0", value: [], valueLength: 0, text: true, children: entries)
        let stringInfo = versionNode("StringFileInfo", value: [], valueLength: 0, text: true, children: [table])
        let translation = versionNode(
            "Translation", value: le16(0x409) + le16(0x4B0), valueLength: 4, text: false, children: [])
        let varInfo = versionNode("VarFileInfo", value: [], valueLength: 0, text: true, children: [translation])
        var fixed = le32(0xFEEF_04BD) + le32(0x10000)
        fixed += [UInt8](repeating: 0, count: 44)
        return versionNode(
            "VS_VERSION_INFO", value: fixed, valueLength: 52, text: false, children: [stringInfo, varInfo])
    }

    /// The resource tree: RT_VERSION 1/1033, RT_RCDATA 101/1033, and a named type "MYTYPE"/"MYNAME"/0.
    func resourceSection() -> [UInt8] {
        var b = Blob(base: Self.rsrcRVA)
        func directory(named: Int, ids: Int) -> UInt32 {
            let at = b.reserve(16 + 8 * (named + ids))
            b.set32(timestamp, atRVA: at + 4)
            b.set16(4, atRVA: at + 8)
            b.set16(UInt16(named), atRVA: at + 12)
            b.set16(UInt16(ids), atRVA: at + 14)
            return at
        }
        func entry(_ dir: UInt32, _ i: Int, name: UInt32, target: UInt32, subdirectory: Bool) {
            b.set32(name, atRVA: dir + 16 + UInt32(8 * i))
            b.set32((target - Self.rsrcRVA) | (subdirectory ? 0x8000_0000 : 0), atRVA: dir + 20 + UInt32(8 * i))
        }
        func string(_ s: String) -> UInt32 {
            (b.put(Self.le16(UInt16(s.utf16.count)) + Self.wide(s)) - Self.rsrcRVA) | 0x8000_0000
        }
        func leaf(_ data: [UInt8]) -> UInt32 {
            let at = b.reserve(16)
            let rva = b.put(data)
            b.set32(rva, atRVA: at)
            b.set32(UInt32(data.count), atRVA: at + 4)
            return at
        }
        let root = directory(named: 1, ids: 2)
        let types: [(name: UInt32?, nameString: String?, id: UInt32, nameID: UInt32?, lang: UInt32, data: [UInt8])] = [
            (nil, "MYTYPE", 0, nil, 0, Array("named".utf8)),
            (10, nil, 101, 101, 1033, Array("rcdata".utf8)),
            (16, nil, 1, 1, 1033, Self.versionInfo(versionStrings)),
        ]
        for (i, t) in types.enumerated() {
            let level1 = directory(named: t.nameID == nil ? 1 : 0, ids: t.nameID == nil ? 0 : 1)
            let level2 = directory(named: 0, ids: 1)
            entry(root, i, name: t.name ?? string(t.nameString!), target: level1, subdirectory: true)
            entry(level1, 0, name: t.nameID ?? string("MYNAME"), target: level2, subdirectory: true)
            entry(level2, 0, name: t.lang, target: leaf(t.data), subdirectory: false)
        }
        b.align(0x200)
        return b.bytes
    }

    /// The file.
    public func build() -> [UInt8] {
        var image = Image(count: 0x400)
        image.put(Array("MZ".utf8), at: 0)
        var richBytes: [UInt8] = []
        if !rich.isEmpty {
            var words: [UInt32] = [0x536E_6144, 0, 0, 0]
            for (id, count) in rich { words += [id, count] }
            richBytes = words.flatMap { Self.le32($0 ^ richKey) } + Array("Rich".utf8) + Self.le32(richKey)
            image.put(richBytes, at: 0x80)
        }
        let nt = (0x80 + richBytes.count + 15) & ~15
        image.u32(UInt32(nt), at: 60)
        var rdata = Blob(base: Self.rdataRVA)
        let importDir = imports.isEmpty ? (0, 0) : importTable(imports, delayed: false, &rdata)
        let delayDir = delayedImports.isEmpty ? (0, 0) : importTable(delayedImports, delayed: true, &rdata)
        let exportDir = exports.isEmpty ? (0, 0) : exportTable(&rdata)
        var debugDir: (UInt32, UInt32) = (0, 0)
        if let pdbPath {
            let entry = rdata.reserve(28)
            let cv = rdata.put(
                Array("RSDS".utf8) + [UInt8](repeating: 0xAB, count: 16) + Self.le32(1) + Self.cString(pdbPath))
            rdata.set32(2, atRVA: entry + 12)
            rdata.set32(UInt32(24 + pdbPath.utf8.count + 1), atRVA: entry + 16)
            rdata.set32(cv, atRVA: entry + 20)
            rdata.set32(0x600 + (cv - Self.rdataRVA), atRVA: entry + 24)
            debugDir = (entry, 28)
        }
        rdata.align(0x200)
        precondition(rdata.bytes.count <= 0x2000)
        let rsrc = resourceSection()
        let rsrcRaw = 0x600 + UInt32(rdata.bytes.count)
        let sections: [(String, UInt32, UInt32, UInt32, UInt32, UInt32)] =
            [
                (".text", 0x1000, 0x200, 0x400, 0x200, 0x6000_0020),
                (".rdata", Self.rdataRVA, UInt32(rdata.bytes.count), 0x600, UInt32(rdata.bytes.count), 0x4000_0040),
                (".rsrc", Self.rsrcRVA, UInt32(rsrc.count), rsrcRaw, UInt32(rsrc.count), 0x4000_0040),
            ] + (longSectionName == nil ? [] : [("/4", 0x6000, 0x10, 0, 0, 0x4200_0040)])
        let end = rsrcRaw + UInt32(rsrc.count)
        let optionalSize = is64 ? 240 : 224
        image.put(Array("PE".utf8) + [0, 0], at: nt)
        image.u16(is64 ? 0x8664 : 0x14C, at: nt + 4)
        image.u16(UInt16(sections.count), at: nt + 6)
        image.u32(timestamp, at: nt + 8)
        if longSectionName != nil {
            image.u32(end, at: nt + 12)
            image.u32(1, at: nt + 16)
        }
        image.u16(UInt16(optionalSize), at: nt + 20)
        image.u16(dll ? 0x2102 : 0x0102, at: nt + 22)
        let o = nt + 24
        image.u16(is64 ? 0x20B : 0x10B, at: o)
        image.put([14, 29], at: o + 2)
        image.u32(0x200, at: o + 4)
        image.u32(0x1000, at: o + 16)
        image.u32(0x1000, at: o + 20)
        if is64 {
            image.u64(0x1_8000_0000, at: o + 24)
        } else {
            image.u32(0x2000, at: o + 24)
            image.u32(0x1000_0000, at: o + 28)
        }
        image.u32(0x1000, at: o + 32)
        image.u32(0x200, at: o + 36)
        image.u16(6, at: o + 40)
        image.u16(1, at: o + 44)
        image.u16(6, at: o + 48)
        image.u32(0x7000, at: o + 56)
        image.u32(0x400, at: o + 60)
        image.u32(0xABCD, at: o + 64)
        image.u16(2, at: o + 68)
        image.u16(0x140, at: o + 70)
        let stack = is64 ? o + 72 : o + 72
        if is64 {
            for (i, v) in [0x100000, 0x1000, 0x100000, 0x1000].enumerated() { image.u64(UInt64(v), at: stack + 8 * i) }
        } else {
            for (i, v) in [0x100000, 0x1000, 0x100000, 0x1000].enumerated() { image.u32(UInt32(v), at: stack + 4 * i) }
        }
        let dirs = o + (is64 ? 112 : 96)
        image.u32(16, at: dirs - 4)
        for (i, d) in [
            (0, exportDir), (1, importDir), (2, (Self.rsrcRVA, UInt32(rsrc.count))), (6, debugDir), (13, delayDir),
        ] {
            image.u32(d.0, at: dirs + 8 * i)
            image.u32(d.1, at: dirs + 8 * i + 4)
        }
        for (i, s) in sections.enumerated() {
            let h = o + optionalSize + 40 * i
            image.put(Array(s.0.utf8), at: h)
            image.u32(s.2, at: h + 8)
            image.u32(s.1, at: h + 12)
            image.u32(s.4, at: h + 16)
            image.u32(s.3, at: h + 20)
            image.u32(s.5, at: h + 36)
        }
        image.put([0xC3] + [UInt8](repeating: 0x90, count: 0x1FF), at: 0x400)
        image.put(rdata.bytes, at: 0x600)
        image.put(rsrc, at: Int(rsrcRaw))
        if let longSectionName {
            // One 18-byte symbol, then the string table: its size, then the name at offset 4.
            let strings = Self.cString(longSectionName)
            image.put([UInt8](repeating: 0, count: 18) + Self.le32(UInt32(4 + strings.count)) + strings, at: Int(end))
        }
        image.put(overlay, at: image.bytes.count)
        return image.bytes
    }
}
