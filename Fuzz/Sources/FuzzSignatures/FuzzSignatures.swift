import VigilEngine
import VigilSignatures

/// Feeds arbitrary bytes to the `.hdb` and `.ndb` parsers, compiles what parses, and scans the input with it:
/// no input may trap, hang, or cost super-linear time.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSignatures(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for kind in [SignatureFileKind.hdb, .ndb] {
        guard let set = try? SignatureSet.parse(bytes, kind: kind, file: "fuzz") else { continue }
        var scanner = Scanner(engine: Engine(set, builtins: true))
        _ = bytes.withUnsafeBytes { scanner.scan($0, allMatch: true) }
    }
    return 0
}
