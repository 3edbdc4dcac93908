import VigilDatabase

/// A small container for scripts to work on: an index, two signature files, one without a final newline.
let base: CVDArchive = {
    let header = CVDHeader(
        buildTime: "24 Nov 2026 14-31 +0000", version: 5, signatureCount: 3, functionalityLevel: 216,
        builder: "fuzz", buildTimeSeconds: 1_795_530_670)
    return CVDArchive(
        path: "fuzz.cld", kind: .cld, header: header,
        members: [
            .init(name: "COPYING", bytes: Array("copying\n".utf8)),
            .init(name: "fuzz.info", bytes: Array((header.line + "\na.ndb:1:x\n").utf8)),
            .init(name: "a.ndb", bytes: Array("A1:0:*:41414141\nA2:0:*:42424242\r\nA3:0:*:43434343\n".utf8)),
            .init(name: "b.hdb", bytes: Array("44d88612fea8a8f36de82e1278abb02f:68:B1".utf8)),
        ])
}()

/// Feeds arbitrary bytes to the .cdiff reader and applies what parses; and runs the bytes as a script directly
/// (most inputs are not gzip, so this is where the command interpreter gets its coverage). No input may trap,
/// hang, or make work grow faster than the script and the members.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCDiff(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let update = try? CDiff.parse(bytes, path: "fuzz-6.cdiff", maxScriptSize: 1 << 20) {
        _ = try? base.applying(update)
    }
    _ = try? base.runningScript(bytes, path: "fuzz.script")
    _ = CDiff.nameAndVersion(fileName: String(decoding: bytes.prefix(64), as: UTF8.self))
    return 0
}
