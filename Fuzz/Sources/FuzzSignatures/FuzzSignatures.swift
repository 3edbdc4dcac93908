import VigilEngine
import VigilSignatures

/// Feeds arbitrary bytes to every signature-file parser (`.hdb`, `.mdb`, `.imp`, `.ndb`, `.ldb` with its
/// expressions and PCRE, `.cdb` with its POSIX name patterns, `.fp`, `.ign2`), compiles what parses, and scans
/// the input with it: no input may trap, hang, or cost super-linear time. The part before the first blank line is also read as `.ndb` and the rest as
/// `.ldb`, together, so that macro groups meet the macro subsignatures that use them.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSignatures(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var ignore = IgnoreList { Array($0.prefix(16)) }
    try? ignore.add(bytes, file: "fuzz.ign2")
    for kind in [SignatureFileKind.hdb, .mdb, .imp, .ndb, .ldb, .cdb, .fp] {
        guard let set = try? SignatureSet.parse(bytes, kind: kind, file: "fuzz", ignoring: ignore) else { continue }
        var scanner = Scanner(engine: Engine(set, builtins: true))
        _ = bytes.withUnsafeBytes { scanner.scan($0, allMatch: true) }
    }
    if let blank = (bytes.indices.dropLast()).first(where: { bytes[$0] == 10 && bytes[$0 + 1] == 10 }),
        var set = try? SignatureSet.parse(Array(bytes[..<blank]), kind: .ndb, file: "fuzz.ndb"),
        let logical = try? SignatureSet.parse(Array(bytes[(blank + 2)...]), kind: .ldb, file: "fuzz.ldb")
    {
        set.merge(logical)
        var scanner = Scanner(engine: Engine(set))
        _ = bytes.withUnsafeBytes { scanner.scan($0, allMatch: true) }
    }
    return 0
}
