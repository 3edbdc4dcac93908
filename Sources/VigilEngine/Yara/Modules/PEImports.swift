import VigilFormats

/// The import, delay-import and export tables, as libyara's `pe_parse_imports`, `pe_parse_delayed_imports`
/// and `pe_parse_exports` read them.
extension PEModule {
    static let maxImports = 16384
    static let maxExports = 8192

    /// An imported function: its name (`ordN` or a known name for ordinals), ordinal and IAT slot.
    struct Function {
        var name: [UInt8]
        var ordinal: UInt16?
        var rva: UInt64
    }

    /// The `import_details`-shaped array for a list of DLLs.
    static func details(_ dlls: [(name: [UInt8], functions: [Function])]) -> YaraObject {
        .array(
            dlls.map { dll in
                .structure([
                    "library_name": .text(dll.name),
                    "number_of_functions": .integer(Int64(dll.functions.count)),
                    "functions": .array(
                        dll.functions.map { f in
                            var o: [String: YaraObject] = ["name": .text(f.name)]
                            if let ordinal = f.ordinal { o["ordinal"] = .integer(Int64(ordinal)) }
                            if f.rva != 0 { o["rva"] = .integer(Int64(truncatingIfNeeded: f.rva)) }
                            return .structure(o)
                        }),
                ])
            })
    }

    /// `pe_valid_dll_name`: the NUL-terminated name at `offset`, if it has no control or reserved characters.
    static func dllName(_ pe: PEImage, _ offset: Int) -> [UInt8]? {
        let name = pe.cString(offset)
        guard !name.isEmpty, offset + name.count < pe.data.count else { return nil }
        for c in name where c < 0x20 || c == 0x22 || c == 0x2A || c == 0x3C || c == 0x3E || c == 0x3F || c == 0x7C {
            return nil
        }
        return name
    }

    /// `valid_function_name`: letters, digits and `._?@$()<>`.
    static func validFunctionName(_ name: [UInt8]) -> Bool {
        !name.isEmpty
            && name.allSatisfy { c in
                (0x61...0x7A).contains(c) || (0x41...0x5A).contains(c) || (0x30...0x39).contains(c)
                    || Array("._?@$()<>".utf8).contains(c)
            }
    }

    /// The import directory.
    static func imports(_ pe: PEImage, into values: inout [String: YaraObject]) {
        values["number_of_imports"] = .integer(0)
        values["number_of_imported_functions"] = .integer(0)
        values["import_details"] = .array([])
        guard let dir = pe.directory(1), dir.address != 0, var d = pe.fileOffset(UInt64(dir.address)) else { return }
        var dlls: [(name: [UInt8], functions: [Function])] = []
        var total = 0
        var parsed = 0
        while pe.fits(d, 20), let nameRVA = pe.u32(d + 12), nameRVA != 0, parsed < maxImports {
            parsed += 1
            defer { d += 20 }
            guard let offset = pe.fileOffset(UInt64(nameRVA)), let name = dllName(pe, offset) else { continue }
            let functions = thunks(pe, descriptor: d, dll: name, total: &total)
            if !functions.isEmpty { dlls.append((name, functions)) }
        }
        values["number_of_imports"] = .integer(Int64(dlls.count))
        values["number_of_imported_functions"] = .integer(Int64(total))
        values["import_details"] = details(dlls)
    }

    /// One import descriptor's functions (`pe_parse_import_descriptor`).
    static func thunks(_ pe: PEImage, descriptor d: Int, dll: [UInt8], total: inout Int) -> [Function] {
        let original = pe.u32(d)!
        let first = pe.u32(d + 16)!
        var offset = pe.offset(ofRVA: UInt64(original))
        if offset <= 0 { offset = pe.offset(ofRVA: UInt64(first)) }
        guard offset >= 0 else { return [] }
        var at = Int(offset)
        let width = pe.is64 ? 8 : 4
        var functions: [Function] = []
        var parsed = 0
        var index: UInt64 = 0
        while pe.fits(at, width) {
            let thunk = pe.is64 ? pe.u64(at)! : UInt64(pe.u32(at)!)
            guard thunk != 0, pe.is64 ? parsed < maxImports : total < maxImports else { break }
            parsed += 1
            defer {
                at += width
                index += 1
            }
            var name: [UInt8]?
            var ordinal: UInt16?
            if thunk & (pe.is64 ? 0x8000_0000_0000_0000 : 0x8000_0000) == 0 {
                if let o = pe.fileOffset(thunk), pe.fits(o, 4) { name = pe.cString(o + 2, limit: 512) }
            } else {
                ordinal = UInt16(truncatingIfNeeded: thunk)
                name = ImportOrdinals.name(dll: dll, ordinal: ordinal!)
            }
            let rva =
                pe.is64
                ? UInt64(first) &+ 8 &* index : UInt64(UInt32(truncatingIfNeeded: UInt64(first) &+ 4 &* index))
            if let n = name, !validFunctionName(n) { continue }
            guard let name else { continue }
            functions.append(Function(name: name, ordinal: ordinal, rva: rva))
            total += 1
        }
        return functions
    }

    /// The delay-load import directory (`pe_parse_delayed_imports`).
    static func delayedImports(_ pe: PEImage, into values: inout [String: YaraObject]) {
        values["number_of_delayed_imports"] = .integer(0)
        values["number_of_delayed_imported_functions"] = .integer(0)
        values["delayed_import_details"] = .array([])
        guard let dir = pe.directory(13), dir.address != 0, var d = pe.fileOffset(UInt64(dir.address)) else {
            return
        }
        let imageBase = pe.imageBase
        let sizeOfImage = UInt64(pe.sizeOfImage)
        let width = pe.is64 ? 8 : 4
        let ordinalFlag: UInt64 = pe.is64 ? 0x8000_0000_0000_0000 : 0x8000_0000
        func normalize(_ v: UInt32) -> UInt32 {
            v != 0 && UInt64(v) > imageBase ? UInt32(truncatingIfNeeded: UInt64(v) - imageBase) : v
        }
        func pointer(_ rva: UInt64) -> UInt64? {
            guard let o = pe.fileOffset(rva), pe.fits(o, width) else { return nil }
            return pe.is64 ? pe.u64(o)! : UInt64(pe.u32(o)!)
        }
        var dlls: [(name: [UInt8], functions: [Function])] = []
        var total = 0
        var descriptors = 0
        while pe.fits(d, 32), descriptors < maxImports {
            descriptors += 1
            defer { d += 32 }
            let fields = (0..<8).map { pe.u32(d + 4 * $0)! }
            if fields.allSatisfy({ $0 == 0 }) { break }
            let attributes = fields[0]
            guard attributes <= 1 else { break }
            var nameRVA = fields[1]
            var iat = fields[3]
            var nameTable = fields[4]
            if !pe.is64 && attributes == 0 {
                nameRVA = normalize(nameRVA)
                iat = normalize(iat)
                nameTable = normalize(nameTable)
            }
            if UInt64(nameTable) >= sizeOfImage || UInt64(iat) >= sizeOfImage || nameRVA < 64 || nameTable < 64 {
                break
            }
            guard let offset = pe.fileOffset(UInt64(nameRVA)), let name = dllName(pe, offset) else { continue }
            var functions: [Function] = []
            var nameAt = UInt64(nameTable)
            var funcAt = UInt64(iat)
            while functions.count < maxImports, let nameAddress = pointer(nameAt), let funcAddress = pointer(funcAt),
                nameAddress != 0, funcAddress != 0
            {
                var f = Function(name: [], ordinal: nil, rva: funcAt)
                if nameAddress & ordinalFlag == 0 {
                    var address = nameAddress
                    if attributes == 0, address > imageBase { address -= imageBase }
                    if let o = pe.fileOffset(address &+ 2) { f.name = pe.cString(o, limit: 512) }
                } else {
                    f.ordinal = UInt16(truncatingIfNeeded: nameAddress)
                    f.name = ImportOrdinals.name(dll: name, ordinal: f.ordinal!)
                }
                functions.append(f)
                nameAt += UInt64(width)
                funcAt += UInt64(width)
            }
            total += functions.count
            dlls.append((name, functions))
        }
        values["number_of_delayed_imports"] = .integer(Int64(dlls.count))
        values["number_of_delayed_imported_functions"] = .integer(Int64(total))
        values["delayed_import_details"] = details(dlls)
    }

    /// The export directory (`pe_parse_exports`).
    static func exports(_ pe: PEImage, into values: inout [String: YaraObject]) {
        values["number_of_exports"] = .integer(0)
        guard let dir = pe.directory(0), dir.address != 0, let start = pe.fileOffset(UInt64(dir.address)),
            pe.fits(start, 40)
        else { return }
        let size = Int(dir.size)
        let count = min(Int(pe.u32(start + 20)!), maxExports)
        let base = pe.u32(start + 16)!
        values["export_timestamp"] = .integer(Int64(pe.u32(start + 4)!))
        let nameOffset = pe.offset(ofRVA: UInt64(pe.u32(start + 12)!))
        if nameOffset > 0 { values["dll_name"] = .text(pe.cString(Int(nameOffset))) }
        guard Int64(count * 4) <= Int64(pe.data.count) - nameOffset else { return }
        let nameCount = Int(pe.u32(start + 24)!)
        var names: Int?
        if nameCount > 0 {
            guard let o = pe.fileOffset(UInt64(pe.u32(start + 32)!)), nameCount * 4 <= pe.data.count - o else { return }
            names = o
        }
        guard let ordinals = pe.fileOffset(UInt64(pe.u32(start + 36)!)), pe.fits(ordinals, 2 * count),
            let functions = pe.fileOffset(UInt64(pe.u32(start + 28)!)), pe.fits(functions, 4 * count)
        else { return }
        let namedCount = min(nameCount, count)
        var nameIndex = [Int](repeating: -1, count: count)
        if names != nil {
            for j in 0..<namedCount {
                let i = Int(pe.u16(ordinals + 2 * j)!)
                if i < count && nameIndex[i] < 0 { nameIndex[i] = j }
            }
        }
        var details: [YaraObject] = []
        details.reserveCapacity(count)
        for i in 0..<count {
            let rva = pe.u32(functions + 4 * i)!
            var e: [String: YaraObject] = [
                "ordinal": .integer(Int64(base &+ UInt32(i))), "rva": .integer(Int64(rva)),
            ]
            let offset = pe.offset(ofRVA: UInt64(rva))
            if offset > Int64(start) && offset < Int64(start + size) {
                e["forward_name"] = .text(pe.cString(Int(offset), limit: 512))
            } else if offset >= 0 {
                e["offset"] = .integer(offset)
            }
            if let names, nameIndex[i] >= 0 {
                let o = pe.offset(ofRVA: UInt64(pe.u32(names + 4 * nameIndex[i])!))
                if o > 0 { e["name"] = .text(pe.cString(Int(o), limit: 512)) }
            }
            details.append(.structure(e))
        }
        values["export_details"] = .array(details)
        values["number_of_exports"] = .integer(Int64(count))
    }
}
