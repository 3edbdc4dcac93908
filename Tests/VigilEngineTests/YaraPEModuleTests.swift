import Foundation
import Testing
import VigilSignatures
import VigilTestSupport

@testable import VigilEngine

/// YARA's `pe` module: values read through rules from PE files built here, and the same values compared with
/// libyara's (yara-python 4.5.4 in the repository's `.build-venv`).
@Suite("YARA pe module")
struct YaraPEModuleTests {
    /// A DLL with every structure the builder makes.
    static func fullDLL(is64: Bool = false) -> [UInt8] {
        var b = RichPEBuilder()
        b.is64 = is64
        b.imports = [
            ("KERNEL32.dll", [.name("GetProcAddress"), .name("LoadLibraryA")]),
            ("ws2_32.dll", [.ordinal(3), .ordinal(115), .ordinal(999)]),
            ("user32.dll", [.name("bad name!"), .name("MessageBoxW")]),
        ]
        b.delayedImports = [("advapi32.dll", [.name("RegOpenKeyW"), .ordinal(7)])]
        b.exports = [
            .init(name: "Alpha"), .init(name: nil), .init(name: "Beta", forward: "other.Gamma"), .init(name: "delta"),
        ]
        b.ordinalBase = 1
        b.versionStrings = [("CompanyName", "Vigil Test"), ("FileVersion", "1.2.3.4"), ("Empty", "")]
        b.rich = [(0x0104_7809, 3), (0x00FF_6030, 1)]
        b.pdbPath = "C:\\build\\test.pdb"
        b.longSectionName = ".a_long_section_name"
        b.overlay = Array("OVERLAY DATA".utf8)
        return b.build()
    }

    /// The expressions compared with libyara, with their type (`i` integer, `s` text).
    static let calls: [(String, String)] = [
        ("pe.imphash()", "s"), ("pe.calculate_checksum()", "i"), ("pe.is_dll()", "i"), ("pe.is_32bit()", "i"),
        ("pe.is_64bit()", "i"), ("pe.rva_to_offset(0x1010)", "i"), ("pe.rva_to_offset(0x2004)", "i"),
        ("pe.rva_to_offset(0x9000)", "i"), ("pe.section_index(\".rdata\")", "i"), ("pe.section_index(0x610)", "i"),
        ("pe.section_index(\"nope\")", "i"), ("pe.imports(\"kernel32.DLL\")", "i"),
        ("pe.imports(\"kernel32.dll\", \"getprocaddress\")", "i"), ("pe.imports(\"ws2_32.dll\", 115)", "i"),
        ("pe.imports(\"ws2_32.dll\", \"closesocket\")", "i"), ("pe.imports(/32\\.dll$/i, /^ord/)", "i"),
        ("pe.imports(pe.IMPORT_DELAYED, \"advapi32.dll\")", "i"),
        ("pe.imports(pe.IMPORT_ANY, \"advapi32.dll\", \"RegOpenKeyW\")", "i"),
        ("pe.imports(pe.IMPORT_STANDARD, \"advapi32.dll\", \"RegOpenKeyW\")", "i"),
        ("pe.imports(pe.IMPORT_ANY, /advapi/, /Reg/)", "i"),
        ("pe.imports(pe.IMPORT_DELAYED, \"advapi32.dll\", 7)", "i"),
        ("pe.exports(\"alpha\")", "i"), ("pe.exports(\"Zeta\")", "i"), ("pe.exports(2)", "i"), ("pe.exports(9)", "i"),
        ("pe.exports(/^Be/)", "i"), ("pe.exports_index(\"delta\")", "i"), ("pe.exports_index(3)", "i"),
        ("pe.exports_index(/ta$/)", "i"), ("pe.import_rva(\"kernel32.dll\", \"LoadLibraryA\")", "i"),
        ("pe.import_rva(\"ws2_32.dll\", 3)", "i"), ("pe.delayed_import_rva(\"advapi32.dll\", \"RegOpenKeyW\")", "i"),
        ("pe.locale(1033)", "i"), ("pe.language(9)", "i"), ("pe.language(7)", "i"),
        ("pe.rich_signature.version(30729)", "i"), ("pe.rich_signature.version(30729, 260)", "i"),
        ("pe.rich_signature.toolid(255)", "i"), ("pe.rich_signature.toolid(260, 30729)", "i"),
    ]

    // MARK: Rules

    func matches(_ condition: String, _ data: [UInt8]) throws -> Bool {
        var compiler = YaraCompiler()
        let text = "import \"pe\"\nrule t { condition: \(condition) }"
        try compiler.add(try YaraParser.parse(Array(text.utf8), file: "t"), namespace: "default")
        return data.withUnsafeBytes { !compiler.finish().scan($0).isEmpty }
    }

    @Test func entryPointSignaturesAreCheckedByTheByteThere() throws {
        // PEiD's shape: many rules, each `$a at pe.entry_point` (or `entrypoint`), dispatched by the byte at the
        // entry point; the rules whose string begins otherwise are false without being evaluated.
        var pe = Self.fullDLL()
        let at = 0x400
        pe.replaceSubrange(at..<(at + 6), with: [0x60, 0xE8, 0x00, 0x00, 0x00, 0x00])
        let text = """
            import "pe"
            rule pushad { strings: $a = { 60 E8 00 00 00 00 } condition: $a at pe.entry_point }
            rule nibble { strings: $a = { 6? E8 } condition: $a at pe.entry_point }
            rule other { strings: $a = { 55 8B EC } condition: $a at pe.entry_point }
            rule old { strings: $a = { 60 E8 } condition: $a at entrypoint }
            rule wrong { strings: $a = { 60 E9 } condition: $a at pe.entry_point }
            """
        var compiler = YaraCompiler()
        try compiler.add(try YaraParser.parse(Array(text.utf8), file: "t"), namespace: "default")
        let rules = compiler.finish()
        #expect(pe.withUnsafeBytes { rules.scan($0).map(\.rule) } == ["pushad", "nibble", "old"])
        #expect(Array("not a PE at all".utf8).withUnsafeBytes { rules.scan($0).isEmpty })
    }

    @Test func headerAndSectionValuesReadThroughRules() throws {
        let pe = Self.fullDLL()
        for condition in [
            "pe.is_pe == 1", "pe.machine == pe.MACHINE_I386", "pe.entry_point == 0x400", "pe.entry_point_raw == 0x1000",
            "pe.number_of_sections == 4", "pe.sections[0].name == \".text\"", "pe.sections[1].raw_data_offset == 0x600",
            "pe.sections[3].full_name == \".a_long_section_name\"", "pe.sections[3].name == \"/4\"",
            "pe.characteristics & pe.DLL != 0", "pe.is_dll()", "pe.is_32bit() and not pe.is_64bit()",
            "pe.linker_version.major == 14 and pe.linker_version.minor == 29", "pe.image_base == 0x10000000",
            "pe.subsystem == pe.SUBSYSTEM_WINDOWS_GUI", "pe.checksum == 0xABCD", "pe.timestamp == 0x60000000",
            "pe.data_directories[pe.IMAGE_DIRECTORY_ENTRY_RESOURCE].virtual_address == 0x4000",
            "pe.overlay.size > 12", "pe.pdb_path == \"C:\\\\build\\\\test.pdb\"",
            "pe.rich_signature.key == 0x12345678 and pe.rich_signature.offset == 0x80",
            "pe.rich_signature.toolid(260) == 3", "pe.section_index(\".rsrc\") == 2",
        ] {
            #expect(try matches(condition, pe), "\(condition)")
        }
    }

    @Test func importsExportsAndResourcesReadThroughRules() throws {
        let pe = Self.fullDLL()
        for condition in [
            "pe.number_of_imports == 3", "pe.number_of_imported_functions == 6",
            "pe.imports(\"KERNEL32.DLL\", \"LoadLibraryA\")", "pe.imports(\"ws2_32.dll\", \"closesocket\")",
            "pe.imports(\"ws2_32.dll\", 999)", "pe.import_details[1].functions[2].name == \"ord999\"",
            "not pe.imports(\"user32.dll\", \"bad name!\")", "pe.imports(pe.IMPORT_DELAYED, \"advapi32.dll\", 7)",
            "pe.number_of_exports == 4", "pe.exports(\"ALPHA\")", "pe.exports(/^del/)",
            "pe.export_details[2].forward_name == \"other.Gamma\"", "pe.dll_name == \"test.dll\"",
            "not defined pe.export_details[1].name", "pe.version_info[\"CompanyName\"] == \"Vigil Test\"",
            "pe.version_info[\"Empty\"] == \"\"", "pe.number_of_version_infos == 3",
            "pe.version_info_list[1].key == \"FileVersion\"", "pe.number_of_resources == 3",
            "pe.resources[0].type_string == \"M\\x00Y\\x00T\\x00Y\\x00P\\x00E\\x00\"", "pe.resources[1].id == 101",
            "pe.resources[2].type == pe.RESOURCE_TYPE_VERSION", "pe.locale(1033)",
            "for any s in pe.sections : (s.name == \".rsrc\")", "pe.number_of_signatures == 0",
        ] {
            #expect(try matches(condition, pe), "\(condition)")
        }
    }

    @Test func nonPEFilesLeaveEverythingButConstantsUndefined() throws {
        let data = Array("MZ not really a PE file".utf8) + [UInt8](repeating: 0, count: 512)
        for condition in [
            "pe.is_pe == 0", "not defined pe.entry_point", "not defined pe.number_of_sections",
            "not defined pe.imports(\"a.dll\")", "not defined pe.imphash()", "not defined pe.is_dll()",
            "pe.MACHINE_AMD64 == 0x8664", "pe.SECTION_MEM_EXECUTE == 0x20000000", "pe.DLL == 0x2000",
        ] {
            #expect(try matches(condition, data), "\(condition)")
        }
    }

    // MARK: libyara parity

    /// The checkout's Python with yara-python.
    static var python: URL { YaraModuleHarness.python }

    /// Dumps the `pe` module's values (flattened to `path → value`) and the calls' results for each file.
    static let script = #"""
        import json, sys, yara
        req = json.load(open(sys.argv[1]))
        src = 'import "pe" import "console"\n' + '\n'.join(
            'rule c%d { condition: console.log("c%d:", %s) }' % (i, i, e) for i, (e, _) in enumerate(req["calls"]))
        rules = yara.compile(source=src)
        def flat(prefix, o, out):
            if isinstance(o, dict):
                for k, v in o.items():
                    flat(prefix + ("[%s]" % k if prefix == "version_info" else ("." if prefix else "") + k), v, out)
            elif isinstance(o, list):
                for i, v in enumerate(o): flat("%s[%d]" % (prefix, i), v, out)
            elif isinstance(o, bytes): out[prefix] = "b:" + o.hex()
            elif isinstance(o, str): out[prefix] = "b:" + o.encode("latin-1").hex()
            else: out[prefix] = str(o)
        result = {}
        for path in req["files"]:
            mods, logs = {}, []
            rules.match(path, modules_callback=lambda d: (mods.update(d), yara.CALLBACK_CONTINUE)[1],
                console_callback=lambda m: logs.append(m))
            fields = {}
            flat("", {k: v for k, v in mods.items() if k != "module"}, fields)
            calls = {}
            for m in logs:
                i, v = m.split(":", 1)
                calls[i[1:]] = v
            result[path] = {"fields": fields, "calls": calls}
        json.dump(result, sys.stdout)
        """#

    /// libyara's values for `files` (yara-python is installed by `scripts/ensure-deps yara`, which the test
    /// script runs; without it the test fails).
    static func libyara(_ files: [String], calls: [(String, String)]) throws -> [String: (
        fields: [String: String], calls: [String: String]
    )] {
        try #require(
            FileManager.default.fileExists(atPath: python.path),
            "no yara-python at \(python.path): run scripts/ensure-deps yara")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-pe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let request = dir.appendingPathComponent("request.json")
        let requestObject: [String: Any] = ["files": files, "calls": calls.map { [$0.0, $0.1] }]
        try JSONSerialization.data(withJSONObject: requestObject).write(to: request)
        let scriptFile = dir.appendingPathComponent("dump.py")
        try script.write(to: scriptFile, atomically: true, encoding: .utf8)
        let output = dir.appendingPathComponent("out.json")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = python
        process.arguments = [scriptFile.path, request.path]
        process.standardOutput = try FileHandle(forWritingTo: output)
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "yara-python failed")
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: output)) as? [String: [String: [String: String]]])
        return json.mapValues { ($0["fields"] ?? [:], $0["calls"] ?? [:]) }
    }

    /// Vigil's values, flattened as the script flattens libyara's.
    static func flatten(_ prefix: String, _ o: YaraObject, into out: inout [String: String]) {
        let hex = Array("0123456789abcdef".utf8)
        switch o {
        case .integer(let v): out[prefix] = String(v)
        case .float(let v): out[prefix] = String(v)
        case .text(let t):
            out[prefix] = "b:" + String(decoding: t.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 15)]] }, as: UTF8.self)
        case .structure(let members):
            for (k, v) in members where !k.hasPrefix("_") {
                flatten(prefix.isEmpty ? k : prefix + "." + k, v, into: &out)
            }
        case .array(let elements):
            for (i, v) in elements.enumerated() { flatten("\(prefix)[\(i)]", v, into: &out) }
        case .dictionary(let entries):
            for (k, v) in entries { flatten("\(prefix)[\(String(decoding: k, as: UTF8.self))]", v, into: &out) }
        }
    }

    /// The differences between Vigil's and libyara's values for `data`: `field: vigil != libyara`.
    static func differences(_ data: [UInt8], libyara: (fields: [String: String], calls: [String: String])) throws
        -> [String]
    {
        var vigil: [String: String] = [:]
        data.withUnsafeBytes { flatten("", .structure(PEModule.load($0)), into: &vigil) }
        var out: [String] = []
        for key in Set(vigil.keys).union(libyara.fields.keys).sorted() where vigil[key] != libyara.fields[key] {
            out.append("\(key): \(vigil[key] ?? "undefined") != \(libyara.fields[key] ?? "undefined")")
        }
        var compiler = YaraCompiler()
        var source = "import \"pe\"\n"
        for (i, (expression, type)) in calls.enumerated() {
            let expected = libyara.calls[String(i)]
            let condition =
                expected == nil
                ? "not defined (\(expression))"
                : type == "s" ? "(\(expression)) == \"\(expected!)\"" : "(\(expression)) == \(expected!)"
            source += "rule c\(i) { condition: \(condition) }\n"
        }
        try compiler.add(try YaraParser.parse(Array(source.utf8), file: "calls"), namespace: "default")
        let matched = Set(data.withUnsafeBytes { compiler.finish().scan($0) }.map(\.rule))
        for (i, (expression, _)) in calls.enumerated() where !matched.contains("c\(i)") {
            out.append("\(expression): != \(libyara.calls[String(i)] ?? "undefined")")
        }
        return out
    }

    @Test func valuesMatchLibyara() throws {
        var b = RichPEBuilder()
        b.is64 = true
        b.dll = false
        b.imports = [("msvcrt.dll", [.name("printf")]), ("oleaut32.dll", [.ordinal(2), .ordinal(6)])]
        let files: [(String, [UInt8])] = [
            ("full32", Self.fullDLL()), ("full64", Self.fullDLL(is64: true)), ("exe64", b.build()),
            ("plain", RichPEBuilder().build()), ("legacy", PEBuilder.build(imports: [("wsock32.dll", [.ordinal(1)])])),
            ("notpe", Array("just text".utf8)),
        ]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-pe-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var paths: [String] = []
        for (name, data) in files {
            let url = dir.appendingPathComponent(name)
            try Data(data).write(to: url)
            paths.append(url.path)
        }
        let reference = try Self.libyara(paths, calls: Self.calls)
        for ((name, data), path) in zip(files, paths) {
            #expect(reference[path]?.fields["MACHINE_I386"] == "332", "libyara gave no values for \(name)")
            let diff = try Self.differences(data, libyara: reference[path] ?? ([:], [:]))
            #expect(diff.isEmpty, "\(name):\n\(diff.joined(separator: "\n"))")
        }
    }

    /// A file signed by `osslsigncode` with a self-made certificate (both tools installed by `scripts/ensure-deps
    /// yara`) gives libyara's certificate fields and digests. Vigil does not verify the RSA signature, so
    /// `verified` and `is_signed` stay 0 where libyara gives 1.
    @Test func signatureFieldsMatchLibyara() throws {
        let tools = ["/usr/bin/openssl", "/usr/bin/osslsigncode"]
        for tool in tools {
            try #require(
                FileManager.default.isExecutableFile(atPath: tool), "\(tool) missing: run scripts/ensure-deps yara")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-pe-sign-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(Self.fullDLL()).write(to: dir.appendingPathComponent("unsigned.dll"))
        func run(_ tool: String, _ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = arguments
            process.currentDirectoryURL = dir
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
        }
        try run(
            tools[0],
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days",
                "30",
                "-subj", "/C=US/O=Vigil Test/CN=Vigil Code Signing", "-set_serial", "0x00F123456789ABCDEF",
            ])
        try run(
            tools[1],
            [
                "sign", "-certs", "cert.pem", "-key", "key.pem", "-n", "Vigil Program", "-in", "unsigned.dll", "-out",
                "signed.dll",
            ])
        let path = dir.appendingPathComponent("signed.dll").path
        let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let reference = try #require(try Self.libyara([path], calls: Self.calls)[path])
        #expect(data.count > 0x1000, "signing failed")
        #expect(reference.fields["signatures[0].subject"] != nil)
        let diff = try Self.differences(data, libyara: reference).filter {
            !$0.hasPrefix("is_signed:") && !$0.hasPrefix("signatures[0].verified:")
        }
        #expect(diff.isEmpty, "\(diff.joined(separator: "\n"))")
        #expect(
            try matches("pe.number_of_signatures == 1 and pe.signatures[0].valid_on(pe.signatures[0].not_before)", data)
        )
        #expect(try matches("pe.signatures[0].issuer == \"/C=US/O=Vigil Test/CN=Vigil Code Signing\"", data))
    }

    /// Every file of `$VIGIL_PE_CORPUS` (e.g. Wine's DLLs from `pe-corpus.sh`) against libyara: the number of
    /// differing fields, by field.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["VIGIL_PE_CORPUS"] != nil))
    func corpusMatchesLibyara() throws {
        let dir = ProcessInfo.processInfo.environment["VIGIL_PE_CORPUS"]!
        let paths = try FileManager.default.contentsOfDirectory(atPath: dir).sorted().map { dir + "/" + $0 }
        var total = 0
        var byField: [String: Int] = [:]
        var examples: [String] = []
        for chunk in stride(from: 0, to: paths.count, by: 100).map({ Array(paths[$0..<min($0 + 100, paths.count)]) }) {
            let reference = try Self.libyara(chunk, calls: Self.calls)
            for path in chunk {
                let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
                let diff = try Self.differences(data, libyara: reference[path] ?? ([:], [:]))
                total += diff.count
                for d in diff {
                    let field = String(d.prefix { $0 != ":" }).replacing(/\[[^\]]*\]/, with: "[]")
                    byField[field, default: 0] += 1
                    if examples.count < 40 { examples.append("\(path.split(separator: "/").last!): \(d.prefix(300))") }
                }
            }
        }
        let summary = byField.sorted { $0.value > $1.value }.map { "\($0.value) \($0.key)" }.joined(separator: "\n")
        print(
            "pe corpus: \(paths.count) files, \(total) differing fields\n\(summary)\n\(examples.joined(separator: "\n"))"
        )
        #expect(total == 0)
    }
}
