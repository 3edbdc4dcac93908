import Crypto

/// The `pe` module's functions, reading the values `load` built (`call.structure`) as libyara's read its
/// objects, and the file itself for `calculate_checksum`, `rva_to_offset` and `imphash`.
extension PEModule {
    /// libyara's `YR_UNDEFINED`, which some functions compare or mask as if it were a value.
    static let undefined = Int64(bitPattern: 0xFFFA_BADA_FABA_DAFF)

    static func integer(_ o: YaraObject?) -> Int64? { if case .integer(let v) = o { v } else { nil } }
    static func text(_ o: YaraObject?) -> [UInt8]? { if case .text(let v) = o { v } else { nil } }
    static func array(_ o: YaraObject?) -> [YaraObject] { if case .array(let v) = o { v } else { [] } }
    static func members(_ o: YaraObject?) -> [String: YaraObject] { if case .structure(let v) = o { v } else { [:] } }
    static func isPE(_ call: YaraCall) -> Bool { integer(call.structure["is_pe"]) == 1 }

    /// The bytes before the first NUL (what C's string functions see).
    static func cut(_ s: [UInt8]) -> ArraySlice<UInt8> { s.prefix { $0 != 0 } }
    static func lower(_ c: UInt8) -> UInt8 { (0x41...0x5A).contains(c) ? c | 0x20 : c }
    /// ASCII case-insensitive equality (`strcasecmp`, `ss_icompare`).
    static func equalsIgnoringCase<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { lower($0) == lower($1) }
    }
    /// Whether `program` matches somewhere in `subject`, and how long the match is.
    static func matchLength(_ program: RegexProgram, _ subject: [UInt8]) -> Int? {
        subject.withUnsafeBytes { buffer in
            program.firstMatch(in: buffer, from: 0, anchored: false).map { $0.end - $0.start }
        }
    }

    // MARK: Rich signature

    static func richVersion(_ call: YaraCall) -> YaraValue? {
        rich(
            call, version: call.arguments[0].integer, toolid: call.arguments.count > 1 ? call.arguments[1].integer : nil
        )
    }
    static func richToolid(_ call: YaraCall) -> YaraValue? {
        rich(
            call, version: call.arguments.count > 1 ? call.arguments[1].integer : nil, toolid: call.arguments[0].integer
        )
    }
    /// The sum of the counts of the Rich entries with this version and tool id (`_rich_version`).
    static func rich(_ call: YaraCall, version: Int64?, toolid: Int64?) -> YaraValue? {
        guard let length = integer(call.structure["length"]), let clear = text(call.structure["clear_data"]) else {
            return nil
        }
        var total: Int64 = 0
        let count = (length - 16) / 8
        guard count > 0 else { return .integer(0) }
        for i in 0..<Int(count) where 16 + 8 * i + 8 <= clear.count {
            func dword(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(clear[at + $1]) << (8 * UInt32($1)) } }
            let idVersion = dword(16 + 8 * i)
            if (version == nil || version == Int64(idVersion & 0xFFFF))
                && (toolid == nil || toolid == Int64(idVersion >> 16))
            {
                total &+= Int64(dword(20 + 8 * i))
            }
        }
        return .integer(total)
    }

    // MARK: Signatures

    static func validOn(_ call: YaraCall) -> YaraValue? {
        guard let before = integer(call.structure["not_before"]), let after = integer(call.structure["not_after"]),
            let t = call.arguments[0].integer
        else { return nil }
        return .integer(t >= before && t <= after ? 1 : 0)
    }

    // MARK: Header functions

    static func isDLL(_ call: YaraCall) -> YaraValue? {
        integer(call.structure["characteristics"]).map { .integer($0 & 0x2000) }
    }
    static func bits(_ call: YaraCall, _ bits: Int) -> YaraValue? {
        guard isPE(call), let magic = integer(call.structure["opthdr_magic"]) else { return nil }
        return .integer((magic == 0x20B) == (bits == 64) ? 1 : 0)
    }
    static func rvaToOffset(_ call: YaraCall) -> YaraValue? {
        guard isPE(call), let pe = PEImage(call.data), let rva = call.arguments[0].integer else { return nil }
        let o = pe.offset(ofRVA: UInt64(bitPattern: rva))
        return o == -1 ? nil : .integer(o)
    }
    /// The PE checksum of the file, its `CheckSum` field taken as 0 (`calculate_checksum`).
    static func calculateChecksum(_ call: YaraCall) -> YaraValue? {
        guard isPE(call), let pe = PEImage(call.data) else { return nil }
        let data = call.data
        let skip = pe.checksumOffset
        var sum: UInt64 = 0
        let words = data.count / 4
        for i in 0..<words where 4 * i != skip {
            sum += UInt64(data.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
            if sum > 0xFFFF_FFFF { sum = (sum & 0xFFFF_FFFF) + (sum >> 32) }
        }
        if 4 * words != skip {
            for j in 0..<(data.count % 4) { sum += UInt64(data[4 * words + j]) << (8 * UInt64(j)) }
            if sum > 0xFFFF_FFFF { sum = (sum & 0xFFFF_FFFF) + (sum >> 32) }
        }
        sum = (sum & 0xFFFF) + (sum >> 16)
        sum += sum >> 16
        sum &= 0xFFFF
        sum += UInt64(data.count)
        return .integer(Int64(sum))
    }

    // MARK: Sections

    static func sectionIndexName(_ call: YaraCall) -> YaraValue? {
        guard let n = integer(call.structure["number_of_sections"]), let name = call.arguments[0].text else {
            return nil
        }
        let sections = array(call.structure["sections"])
        for i in 0..<min(Int(n), PEImage.maxSections, sections.count) {
            if let s = text(members(sections[i])["name"]), cut(s).elementsEqual(cut(name)) { return .integer(Int64(i)) }
        }
        return nil
    }
    static func sectionIndexAddress(_ call: YaraCall) -> YaraValue? {
        guard let n = integer(call.structure["number_of_sections"]), let address = call.arguments[0].integer else {
            return nil
        }
        let sections = array(call.structure["sections"])
        for i in 0..<min(Int(n), PEImage.maxSections, sections.count) {
            let s = members(sections[i])
            if let offset = integer(s["raw_data_offset"]), let size = integer(s["raw_data_size"]),
                address >= offset, address < offset + size
            {
                return .integer(Int64(i))
            }
        }
        return nil
    }

    // MARK: Exports

    /// The index of the first export the call's name, ordinal or regex selects: -1 when none does (or there
    /// are no exports), nil for a file that is not PE.
    static func exportIndex(_ call: YaraCall) -> Int? {
        guard isPE(call) else { return nil }
        let exports = array(call.structure["export_details"])
        let n = Int(integer(call.structure["number_of_exports"]) ?? 0)
        guard n > 0 else { return -1 }
        if let program = call.expressions.first {
            for i in 0..<min(n, exports.count) {
                if let name = text(members(exports[i])["name"]), matchLength(program, name) != nil { return i }
            }
        } else if case .integer(let ordinal) = call.arguments[0] {
            guard ordinal != 0, ordinal <= Int64(n) else { return -1 }
            for i in 0..<min(n, exports.count) where integer(members(exports[i])["ordinal"]) == ordinal { return i }
        } else if let search = call.arguments[0].text {
            for i in 0..<min(n, exports.count) {
                if let name = text(members(exports[i])["name"]), equalsIgnoringCase(name, search) { return i }
            }
        }
        return -1
    }
    static func exportsIndex(_ call: YaraCall) -> YaraValue? {
        guard let i = exportIndex(call), i >= 0 else { return nil }
        return .integer(Int64(i))
    }

    // MARK: Imports

    /// `pe.imports(...)` in all its overloads: an optional flags argument (`IMPORT_STANDARD`, `IMPORT_DELAYED`),
    /// then a DLL name with a function name or ordinal, a DLL name alone, or two regular expressions.
    static func imports(_ call: YaraCall) -> YaraValue? {
        guard isPE(call) else { return nil }
        var arguments = call.arguments
        var flags: Int64 = 1
        if case .integer(let f) = arguments.first {
            flags = f
            arguments.removeFirst()
        }
        var tables: [[YaraObject]] = []
        if flags & 1 != 0 { tables.append(array(call.structure["import_details"])) }
        if flags & 2 != 0 { tables.append(array(call.structure["delayed_import_details"])) }
        let dlls = tables.joined().map { members($0) }
        func functions(_ dll: [String: YaraObject]) -> [[String: YaraObject]] {
            array(dll["functions"]).map { members($0) }
        }
        if call.expressions.count == 2 {
            var count: Int64 = 0
            for dll in dlls {
                guard let name = text(dll["library_name"]),
                    (matchLength(call.expressions[0], Array(cut(name))) ?? 0) > 0
                else { continue }
                for f in functions(dll) {
                    if let fn = text(f["name"]), (matchLength(call.expressions[1], Array(cut(fn))) ?? 0) > 0 {
                        count += 1
                    }
                }
            }
            return .integer(count)
        }
        guard let wanted = arguments.first?.text.map(cut) else { return nil }
        let selected = dlls.filter { text($0["library_name"]).map { equalsIgnoringCase(cut($0), wanted) } ?? false }
        if arguments.count == 1 {
            return .integer(Int64(selected.reduce(0) { $0 + functions($1).count }))
        }
        switch arguments[1] {
        case .integer(let ordinal):
            let found = selected.contains { functions($0).contains { integer($0["ordinal"]) == ordinal } }
            return .integer(found ? 1 : 0)
        case .text(let function):
            let name = cut(function)
            let found = selected.contains {
                functions($0).contains { text($0["name"]).map { equalsIgnoringCase(cut($0), name) } ?? false }
            }
            return .integer(found ? 1 : 0)
        default: return nil
        }
    }

    static func importRVA(_ call: YaraCall) -> YaraValue? { rva(call, "import_details") }
    static func delayedImportRVA(_ call: YaraCall) -> YaraValue? { rva(call, "delayed_import_details") }
    /// The IAT slot of an imported function, by DLL and function name or ordinal (`import_rva`).
    static func rva(_ call: YaraCall, _ table: String) -> YaraValue? {
        guard isPE(call), let dllName = call.arguments[0].text else { return nil }
        for dll in array(call.structure[table]).map({ members($0) }) {
            guard let name = text(dll["library_name"]), equalsIgnoringCase(dllName, name) else { continue }
            for f in array(dll["functions"]).map({ members($0) }) {
                switch call.arguments[1] {
                case .integer(let ordinal):
                    if integer(f["ordinal"]) == ordinal { return integer(f["rva"]).map { .integer($0) } }
                case .text(let function):
                    if let fn = text(f["name"]), equalsIgnoringCase(function, fn) {
                        return integer(f["rva"]).map { .integer($0) }
                    }
                default: return nil
                }
            }
        }
        return nil
    }

    /// The import hash (`imphash`): the MD5 of `dll.function` pairs, lowercased, comma-separated, the DLL name
    /// without a `.dll`, `.ocx` or `.sys` extension.
    static func imphash(_ call: YaraCall) -> YaraValue? {
        guard isPE(call) else { return nil }
        var md5 = Insecure.MD5()
        var first = true
        for dll in array(call.structure["import_details"]).map({ members($0) }) {
            var name = Array(cut(text(dll["library_name"]) ?? []))
            if let dot = name.firstIndex(of: UInt8(ascii: ".")) {
                let ext = name[dot...].prefix(4).map(lower)
                if ext == Array(".ocx".utf8) || ext == Array(".sys".utf8) || ext == Array(".dll".utf8) {
                    name = Array(name[..<dot])
                }
            }
            for f in array(dll["functions"]).map({ members($0) }) {
                let entry = (first ? [] : [UInt8(ascii: ",")]) + name + [UInt8(ascii: ".")] + cut(text(f["name"]) ?? [])
                md5.update(data: entry.map(lower))
                first = false
            }
        }
        let hex = Array("0123456789abcdef".utf8)
        return .text(md5.finalize().flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 15)]] })
    }

    // MARK: Resources

    /// Whether a resource's language, masked, is `language` (`locale`, `language`).
    static func language(_ call: YaraCall, mask: Int64) -> YaraValue? {
        guard isPE(call), let n = integer(call.structure["number_of_resources"]), let wanted = call.arguments[0].integer
        else { return nil }
        let resources = array(call.structure["resources"])
        for i in 0..<Int(n) {
            let language = i < resources.count ? integer(members(resources[i])["language"]) ?? undefined : undefined
            if language & mask == wanted { return .integer(1) }
        }
        return .integer(0)
    }
}
