import Crypto

/// libyara's `elf` module: an ELF file's header, sections, segments, dynamic entries and symbol tables, the
/// constants that name their values, and `import_md5()` and `telfhash()` over its symbols.
enum YaraELFModule {
    static let module = YaraModule(name: "elf", schema: schema, load: { YaraELFParser.values(of: $0) })

    private static let symbol: YaraSchema = .structure([
        "name": .text, "value": .integer, "size": .integer, "type": .integer, "bind": .integer, "shndx": .integer,
    ])

    private static let schema: [String: YaraSchema] = {
        var schema: [String: YaraSchema] = [
            "type": .integer, "machine": .integer, "entry_point": .integer,
            "number_of_sections": .integer, "sh_offset": .integer, "sh_entry_size": .integer,
            "number_of_segments": .integer, "ph_offset": .integer, "ph_entry_size": .integer,
            "sections": .array(
                .structure([
                    "type": .integer, "flags": .integer, "address": .integer, "name": .text, "size": .integer,
                    "offset": .integer,
                ])),
            "segments": .array(
                .structure([
                    "type": .integer, "flags": .integer, "offset": .integer, "virtual_address": .integer,
                    "physical_address": .integer, "file_size": .integer, "memory_size": .integer,
                    "alignment": .integer,
                ])),
            "dynamic_section_entries": .integer,
            "dynamic": .array(.structure(["type": .integer, "val": .integer])),
            "symtab_entries": .integer, "symtab": .array(symbol),
            "dynsym_entries": .integer, "dynsym": .array(symbol),
            "telfhash": .function([YaraFunction([], .text) { telfhash($0.structure).map(YaraValue.text) }]),
            "import_md5": .function([YaraFunction([], .text) { importMD5($0.structure).map(YaraValue.text) }]),
        ]
        for (name, _) in YaraELFConstants.all { schema[name] = .integer }
        return schema
    }()

    /// One symbol as the hashes read it.
    private struct Symbol {
        var name: [UInt8]
        var type: Int64
        var bind: Int64
        var shndx: Int64
        var visibility: Int64
    }

    /// The dynamic symbols if the file has a dynamic symbol table, else the static ones; nil with neither.
    /// Symbols without a name are left out.
    private static func symbols(_ values: [String: YaraObject]) -> [Symbol]? {
        let key = values["dynsym_entries"] != nil ? "dynsym" : values["symtab_entries"] != nil ? "symtab" : nil
        guard let key, case .array(let list) = values[key] else { return nil }
        return list.compactMap { item in
            guard case .structure(let s) = item, case .text(let name) = s["name"] else { return nil }
            func integer(_ k: String) -> Int64 { if case .integer(let v) = s[k] { v } else { 0 } }
            return Symbol(
                name: name, type: integer("type"), bind: integer("bind"), shndx: integer("shndx"),
                visibility: integer("visibility"))
        }
    }

    /// The sorted, lowercased names joined by commas.
    private static func joined(_ names: [[UInt8]]) -> [UInt8]? {
        guard !names.isEmpty else { return nil }
        let sorted = names.map(YaraModuleText.lowercased).sorted { $0.lexicographicallyPrecedes($1) }
        return Array(sorted.joined(separator: [UInt8(ascii: ",")]))
    }

    /// MD5 of the imported (undefined, `shndx` 0) symbols' names.
    static func importMD5(_ values: [String: YaraObject]) -> [UInt8]? {
        guard let list = symbols(values) else { return nil }
        guard let text = joined(list.filter { $0.shndx == 0 && !$0.name.isEmpty }.map(\.name)) else { return nil }
        return YaraModuleText.hex(Insecure.MD5.hash(data: text))
    }

    /// Names telfhash leaves out (as Trend Micro's original does).
    private static let excluded: Set<[UInt8]> = Set(
        ["__libc_start_main", "main", "abort", "cachectl", "cacheflush", "puts", "atol", "malloc_trim"].map {
            Array($0.utf8)
        })

    /// Trend Micro's telfhash: the TLSH of the global, default-visibility function symbols' names, without those
    /// starting with `.`, `_`, `str` or `mem`, ending in `64`, or in the excluded list. Undefined without such
    /// symbols; empty when there are too few to hash.
    static func telfhash(_ values: [String: YaraObject]) -> [UInt8]? {
        guard let list = symbols(values) else { return nil }
        let names = list.filter { s in
            guard s.bind == 1, s.type == 2, s.visibility == 0, let first = s.name.first else { return false }
            if first == UInt8(ascii: ".") || first == UInt8(ascii: "_") { return false }
            if s.name.count >= 2 && s.name.suffix(2).elementsEqual("64".utf8) { return false }
            if s.name.starts(with: "str".utf8) || s.name.starts(with: "mem".utf8) { return false }
            return !excluded.contains(s.name)
        }.map(\.name)
        guard let text = joined(names) else { return nil }
        return YaraTLSH.hash(text)
    }
}
