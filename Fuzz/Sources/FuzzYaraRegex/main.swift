import VigilEngine
import VigilSignatures

/// Feeds arbitrary bytes to YARA's regular-expression path end to end: the first byte picks the modifiers
/// (`/i`, `/s`, `nocase`, `wide`, `ascii`, `fullword`), the bytes up to the first NUL are the pattern, the rest
/// is the data scanned. The pattern is parsed, compiled to a Pike program, given atoms, and matched; no input
/// may trap, hang, or cost super-linear time.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzYaraRegex(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let flags = bytes[0]
    let rest = bytes[1...]
    let end = rest.firstIndex(of: 0) ?? rest.endIndex
    let pattern = Array(rest[..<end]).map { $0 == UInt8(ascii: "/") || $0 == 0x0A ? UInt8(ascii: ".") : $0 }
    let subject = end < rest.endIndex ? Array(rest[(end + 1)...]) : []
    var modifiers: [String] = []
    if flags & 4 != 0 { modifiers.append("nocase") }
    if flags & 8 != 0 { modifiers.append("wide") }
    if flags & 16 != 0 { modifiers.append("ascii") }
    if flags & 32 != 0 { modifiers.append("fullword") }
    let rule =
        Array("rule r { strings: $a = /".utf8) + pattern + Array("/".utf8) + (flags & 1 != 0 ? [0x69] : [])
        + (flags & 2 != 0 ? [0x73] : [])
        + Array(" \(modifiers.joined(separator: " ")) condition: #a >= 0 and $a }".utf8)
    do {
        var compiler = YaraCompiler()
        try compiler.add(try YaraParser.parse(rule, file: "fuzz.yar"), namespace: "fuzz")
        let rules = compiler.finish()
        _ = subject.withUnsafeBytes { rules.scan($0) }
    } catch {
        _ = error.renderedWithExcerpt
    }
    return 0
}
