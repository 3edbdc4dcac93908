import Foundation
import Testing
import VigilTestSupport

@testable import VigilEngine

/// The `elf` module: values read from built 32- and 64-bit, little- and big-endian files, undefined values for
/// other files, robustness on damaged files, and field-by-field parity with yara-python's `elf` module.
@Suite("YARA elf module")
struct YaraELFModuleTests {
    private static let dynamicSymbols: [ELFBuilder.Symbol] =
        [
            .init("puts", info: 0x12), .init("Malloc", info: 0x12), .init("__cxa_finalize", info: 0x22),
            .init("exported_function", value: 0x40_0210, size: 16, info: 0x12, shndx: 1),
            .init("hidden_function", value: 0x40_0220, size: 8, info: 0x12, other: 2, shndx: 1),
        ] + (0..<12).map { .init("library_function_number_\($0)", info: 0x12) }

    private static let staticSymbols: [ELFBuilder.Symbol] = [
        .init("main.c", info: 0x04, shndx: 0xFFF1), .init("main", value: 0x40_0210, size: 16, info: 0x12, shndx: 1),
        .init("counter", value: 0x40_1000, size: 4, info: 0x11, shndx: 1),
    ]

    /// The built variants: (64-bit, big-endian, type).
    private static let variants: [(Bool, Bool, UInt16)] = [
        (true, false, 2), (false, false, 2), (true, true, 2), (false, true, 2), (true, false, 3), (false, false, 1),
    ]

    private static func image(_ is64: Bool, _ big: Bool, _ type: UInt16 = 2) -> [UInt8] {
        ELFBuilder.build(
            is64: is64, bigEndian: big, type: type, machine: is64 ? 62 : 3, symbols: staticSymbols,
            dynamicSymbols: dynamicSymbols, needed: ["libc.so.6", "libm.so.6"])
    }

    @Test(arguments: [(true, false), (false, false), (true, true), (false, true)])
    func readsBuiltFiles(is64: Bool, bigEndian: Bool) throws {
        let data = Self.image(is64, bigEndian)
        let machine = is64 ? "elf.EM_X86_64" : "elf.EM_386"
        let cases = [
            "elf.type == elf.ET_EXEC and elf.machine == \(machine)",
            "elf.entry_point == 0x210 and entrypoint == 0x210",
            "elf.number_of_sections == 8 and elf.sections[1].name == \".text\" and elf.sections[1].offset == 0x200",
            "elf.sections[1].type == elf.SHT_PROGBITS and elf.sections[1].flags & elf.SHF_EXECINSTR != 0",
            "elf.sections[7].name == \".shstrtab\" and not defined elf.sections[8].name",
            "elf.number_of_segments == 3 and elf.segments[1].type == elf.PT_DYNAMIC",
            "elf.segments[0].file_size == filesize and elf.segments[0].flags == elf.PF_R | elf.PF_X",
            "elf.segments[2].type == elf.PT_GNU_STACK and elf.segments[0].virtual_address == 0x400000",
            "elf.dynamic_section_entries == 5 and elf.dynamic[0].type == elf.DT_NEEDED",
            "elf.dynamic[4].type == elf.DT_NULL and elf.dynamic[2].type == elf.DT_STRTAB",
            "elf.dynsym_entries == 18 and elf.dynsym[1].name == \"puts\" and elf.dynsym[1].bind == elf.STB_GLOBAL",
            "elf.dynsym[4].value == 0x400210 and elf.dynsym[4].size == 16 and elf.dynsym[4].shndx == 1",
            "elf.dynsym[3].bind == elf.STB_WEAK and elf.dynsym[3].type == elf.STT_FUNC and elf.dynsym[0].name == \"\"",
            "elf.symtab_entries == 4 and elf.symtab[1].type == elf.STT_FILE and elf.symtab[3].type == elf.STT_OBJECT",
            "for any s in elf.symtab : (s.name == \"main\" and s.value == 0x400210)",
            "elf.import_md5() == hash.md5(\"__cxa_finalize,library_function_number_0,library_function_number_1,"
                + "library_function_number_10,library_function_number_11,library_function_number_2,"
                + "library_function_number_3,library_function_number_4,library_function_number_5,"
                + "library_function_number_6,library_function_number_7,library_function_number_8,"
                + "library_function_number_9,malloc,puts\")",
            "elf.telfhash() startswith \"T1\" and string.length(elf.telfhash()) == 72",
        ]
        for c in cases {
            #expect(try YaraModuleHarness.matches(c, data), "\(is64 ? 64 : 32)-bit \(bigEndian ? "BE" : "LE"): \(c)")
        }
    }

    @Test func otherFilesHaveOnlyConstants() throws {
        for data in [
            Array("not an elf file at all".utf8), [0x7F, 0x45, 0x4C, 0x46, 2, 1] + [UInt8](repeating: 0, count: 58), [],
        ] {
            #expect(
                try YaraModuleHarness.matches(
                    "elf.ET_EXEC == 2 and elf.EM_AARCH64 == 183 and elf.PT_GNU_STACK == 0x6474e551", data))
            #expect(try YaraModuleHarness.matches("not defined elf.type and not defined elf.number_of_sections", data))
            #expect(try YaraModuleHarness.matches("not defined elf.import_md5() and not defined elf.telfhash()", data))
        }
    }

    @Test func damagedFilesNeverTrap() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        var read = 0
        for (is64, big, type) in Self.variants {
            let original = Self.image(is64, big, type)
            for round in 0..<300 {
                var data = original
                for _ in 0..<(1 + round % 8) {
                    let at = round % 3 == 0 ? next() % 64 : next() % data.count
                    data[at] = UInt8(truncatingIfNeeded: next())
                }
                if round % 5 == 0 { data = Array(data.prefix(next() % data.count)) }
                let values = data.withUnsafeBytes { YaraELFParser.values(of: $0) }
                _ = YaraELFModule.importMD5(values)
                _ = YaraELFModule.telfhash(values)
                read += values.count
            }
        }
        #expect(read > 0)
    }

    // MARK: Parity with yara-python

    /// Dumps the `elf` module's values for each file given as JSON (bytes as hex), with `telfhash()` and
    /// `import_md5()` read through `console.log`.
    static let dumpScript = """
        import sys, json, yara
        rules = yara.compile(source='import "elf" import "console" '
            'rule t { condition: console.log("T", elf.telfhash()) } '
            'rule i { condition: console.log("I", elf.import_md5()) }')
        def plain(v):
            if isinstance(v, bytes): return {"$b": v.hex()}
            if isinstance(v, dict): return {k: plain(x) for k, x in v.items()}
            if isinstance(v, list): return [plain(x) for x in v]
            return v
        out = []
        for path in sys.argv[1:]:
            entry = {"path": path}
            def dump(d):
                if d.get("module") == "elf": entry["values"] = plain({k: v for k, v in d.items() if k != "module"})
                return yara.CALLBACK_CONTINUE
            def log(m):
                entry["telfhash" if m[0] == "T" else "import_md5"] = m[1:]
            try:
                rules.match(path, modules_callback=dump, console_callback=log)
            except Exception as e:
                entry["error"] = str(e)
            out.append(entry)
        print(json.dumps(out))
        """

    /// libyara's values for each file, flattened to `path → value` (see ``flatten(_:)``).
    static func libyaraDumps(_ paths: [String]) throws -> [[String: String]] {
        let output = try YaraModuleHarness.runPython(dumpScript, paths)
        let entries = try JSONSerialization.jsonObject(with: output) as? [[String: Any]] ?? []
        return entries.map { entry in
            var flat: [String: String] = [:]
            flattenJSON(entry["values"] ?? [:], "", into: &flat)
            if let t = entry["telfhash"] as? String { flat["telfhash()"] = "t:" + hex(Array(t.utf8)) }
            if let i = entry["import_md5"] as? String { flat["import_md5()"] = "t:" + hex(Array(i.utf8)) }
            return flat
        }
    }

    private static func flattenJSON(_ value: Any, _ path: String, into flat: inout [String: String]) {
        if let d = value as? [String: Any] {
            if let b = d["$b"] as? String {
                flat[path] = "t:" + b
                return
            }
            for (k, v) in d { flattenJSON(v, path.isEmpty ? k : path + "." + k, into: &flat) }
        } else if let a = value as? [Any] {
            for (i, v) in a.enumerated() { flattenJSON(v, "\(path)[\(i)]", into: &flat) }
        } else if let n = value as? NSNumber {
            flat[path] = "i:\(n.int64Value)"
        }
    }

    /// Vigil's values for a file, flattened the same way (undeclared keys left out).
    static func vigilDump(_ data: [UInt8]) -> [String: String] {
        let values = data.withUnsafeBytes { YaraELFParser.values(of: $0) }
        var flat: [String: String] = [:]
        func walk(_ object: YaraObject, _ path: String) {
            switch object {
            case .integer(let v): flat[path] = "i:\(v)"
            case .float(let v): flat[path] = "f:\(v)"
            case .text(let t): flat[path] = "t:" + hex(t)
            case .structure(let members):
                for (k, v) in members where k != "visibility" { walk(v, path.isEmpty ? k : path + "." + k) }
            case .array(let items): for (i, v) in items.enumerated() { walk(v, "\(path)[\(i)]") }
            case .dictionary: break
            }
        }
        walk(.structure(values), "")
        if let t = YaraELFModule.telfhash(values) { flat["telfhash()"] = "t:" + hex(t) }
        if let i = YaraELFModule.importMD5(values) { flat["import_md5()"] = "t:" + hex(i) }
        return flat
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        String(decoding: YaraModuleText.hex(bytes), as: UTF8.self)
    }

    /// The fields whose values differ, or that only one side defines.
    static func differences(_ a: [String: String], _ b: [String: String]) -> [String] {
        Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.sorted()
    }

    @Test
    func builtFilesMatchLibyara() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-elf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var files: [(String, [UInt8])] = []
        for (is64, big, type) in Self.variants {
            let data = Self.image(is64, big, type)
            files.append(("\(is64 ? 64 : 32)\(big ? "be" : "le")-\(type)", data))
            // A damaged copy: section and segment counts and a symbol table's link changed.
            var damaged = data
            damaged[is64 ? 60 : 48] ^= 0x03
            damaged[is64 ? 56 : 44] ^= 0x01
            files.append(("\(is64 ? 64 : 32)\(big ? "be" : "le")-\(type)-damaged", damaged))
        }
        var paths: [String] = []
        for (name, data) in files {
            let url = dir.appendingPathComponent(name)
            try Data(data).write(to: url)
            paths.append(url.path)
        }
        let libyara = try Self.libyaraDumps(paths)
        #expect(libyara.count == files.count)
        for ((name, data), expected) in zip(files, libyara) {
            let vigil = Self.vigilDump(data)
            let diff = Self.differences(vigil, expected).prefix(20)
            #expect(diff.isEmpty, "\(name): \(diff.map { "\($0): \(vigil[$0] ?? "-") vs \(expected[$0] ?? "-")" })")
            #expect(expected["telfhash()"] != nil || name.contains("damaged"), "\(name) has no telfhash")
        }
    }

    /// Throwaway check against the system's libraries (set `VIGIL_ELF_SYSTEM_PARITY=1`): every ELF file directly
    /// under `/usr/lib/x86_64-linux-gnu`, field by field.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["VIGIL_ELF_SYSTEM_PARITY"] != nil))
    func systemLibrariesMatchLibyara() throws {
        let dir = "/usr/lib/x86_64-linux-gnu"
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        var paths: [String] = []
        for name in names {
            let path = dir + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                let handle = FileHandle(forReadingAtPath: path)
            else { continue }
            let magic = handle.readData(ofLength: 4)
            try? handle.close()
            if magic == Data([0x7F, 0x45, 0x4C, 0x46]) { paths.append((path as NSString).resolvingSymlinksInPath) }
        }
        paths = Array(Set(paths)).sorted()
        var fields = 0
        var differing = 0
        var filesDiffering = 0
        var examples: [String] = []
        for chunk in stride(from: 0, to: paths.count, by: 50).map({ Array(paths[$0..<min($0 + 50, paths.count)]) }) {
            let libyara = try Self.libyaraDumps(chunk)
            for (path, expected) in zip(chunk, libyara) {
                guard let data = FileManager.default.contents(atPath: path) else { continue }
                let vigil = Self.vigilDump(Array(data))
                let diff = Self.differences(vigil, expected)
                fields += Set(vigil.keys).union(expected.keys).count
                differing += diff.count
                if !diff.isEmpty {
                    filesDiffering += 1
                    if examples.count < 10 { examples.append("\(path): \(diff.prefix(5))") }
                }
            }
        }
        print("elf parity: \(paths.count) files, \(fields) fields, \(differing) differ in \(filesDiffering) files")
        #expect(differing == 0, "\(examples)")
    }
}
