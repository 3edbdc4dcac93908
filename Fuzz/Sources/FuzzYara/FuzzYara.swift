import VigilEngine
import VigilSignatures

/// Feeds arbitrary bytes to the YARA lexer and parser (rules, strings, hex strings, regular expressions,
/// conditions), with includes that read the input again (so cycle and depth checks run), then compiles what
/// parses and scans the input with it; renders any error with its excerpt. No input may trap, hang, or cost
/// super-linear time.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzYara(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var depth = 0
    let reader: YaraParser.IncludeReader = { path in
        depth += 1
        return depth % 3 == 0 ? .failure(.init(reason: "unreadable")) : .success(bytes)
    }
    do {
        let source = try YaraParser.parse(bytes, file: "dir/fuzz.yar", readInclude: reader)
        var compiler = YaraCompiler(externals: [("ext", .integer(1))])
        try compiler.add(source, namespace: "fuzz")
        let rules = compiler.finish()
        _ = bytes.withUnsafeBytes { rules.scan($0) }
    } catch {
        _ = error.renderedWithExcerpt
    }
    return 0
}
