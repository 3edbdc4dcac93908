import VigilEngine
import VigilFormats
import VigilSignatures

/// Feeds arbitrary bytes to the archive reader (as an archive and as a compressed stream), to the zip catalogue,
/// the SZDD and BinHex decoders,
/// and to the recursive scan with the built-in and a few `.cdb` signatures and small limits: no input may trap,
/// hang, or grow memory past the limits.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzContainers(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    for kind in [ArchiveReader.Kind.archive, .compressedStream] {
        try? ArchiveReader.forEachMember(in: bytes, as: kind, maximumSize: 1 << 20) { _ in true }
    }
    _ = ZipCatalogue(bytes, maximumRecords: 200).extractionOrder
    _ = SZDD.expand(bytes, maximumSize: 1 << 20)
    _ = BinHex.decode(bytes, maximumSize: 1 << 20)
    var limits = ScanLimits()
    limits.maxFileSize = 4 << 20
    limits.maxScanSize = 16 << 20
    limits.maxFiles = 200
    limits.alertExceedsMax = true
    limits.alertEncrypted = true
    var scanner = Scanner(engine: engine)
    _ = scanner.scan(bytes, allMatch: true, limits: limits)
    return 0
}

private let engine: Engine = {
    let cdb = "Any:*:*:*:*:*:*:*:*:*\nExe:CL_TYPE_ZIP:*:[[:alnum:]_]+\\.(exe|scr)$:0-5000:100-0:0:1-9:*:*\n"
    return Engine((try? SignatureSet.parse(Array(cdb.utf8), kind: .cdb, file: "fuzz.cdb")) ?? .init(), builtins: true)
}()
