import VigilEngine
import VigilSignatures

/// Rules that read every `pe` and `elf` value and call every function that parses more of the file
/// (imports, exports, resources, certificates, rich signature, checksum, imphash, telfhash, import_md5), so
/// that scanning an input runs both modules' parsers over it in full.
let rules: YaraRules = {
    let conditions = [
        "pe.number_of_sections >= 0", "for any s in pe.sections : (s.name == \"x\")", "pe.imphash() == \"x\"",
        "pe.imports(\"kernel32.dll\")", "pe.imports(/k/, /c/)", "pe.exports(\"x\")", "pe.exports(/x/)",
        "pe.number_of_resources >= 0", "for any r in pe.resources : (r.length > 0)", "pe.version_info[\"x\"] == \"y\"",
        "pe.number_of_signatures >= 0", "for any g in pe.signatures : (g.serial == \"x\" and g.valid_on(1))",
        "pe.rich_signature.clear_data == \"x\"", "pe.rich_signature.toolid(1) >= 0", "pe.calculate_checksum() >= 0",
        "pe.overlay.size >= 0", "pe.rva_to_offset(4096) >= 0", "pe.section_index(\".text\") >= 0",
        "pe.pdb_path == \"x\"",
        "elf.number_of_sections >= 0", "for any s in elf.sections : (s.name == \"x\")", "elf.dynsym_entries >= 0",
        "for any s in elf.symtab : (s.name == \"x\")", "elf.telfhash() == \"x\"", "elf.import_md5() == \"x\"",
        "entrypoint >= 0",
    ]
    let text =
        "import \"pe\" import \"elf\"\n"
        + conditions.enumerated().map { "rule r\($0.offset) { condition: \($0.element) }" }.joined(separator: "\n")
    var compiler = YaraCompiler()
    do {
        try compiler.add(try YaraParser.parse(Array(text.utf8), file: "modules.yar"), namespace: "fuzz")
    } catch {
        fatalError("the fuzz target's own rules do not compile: \(error)")
    }
    return compiler.finish()
}()

/// Scans arbitrary bytes with those rules: no input may trap, hang, or cost super-linear time.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzYaraModules(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = rules.scan(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
