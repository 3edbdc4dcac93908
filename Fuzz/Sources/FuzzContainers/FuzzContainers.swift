import VigilEngine
import VigilFormats
import VigilSignatures

/// Feeds arbitrary bytes to the archive reader (as an archive and as a compressed stream), to the zip catalogue,
/// the SZDD and BinHex decoders, the implode (flags from the first byte) and Deflate64 decoders, the PDF stream reader,
/// Vigil's own readers (mail, TNEF, RTF, data: URLs, OLE2, SIS, ARJ, NSIS, InstallShield, AutoIt, UPX on PE and
/// ELF, embedded objects in several file types, zip, one zip local header, CHM), the HTML normaliser,
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
    _ = try? Implode.decompress(
        UnsafeRawBufferPointer(rebasing: bytes.dropFirst()), flags: UInt16(bytes.first ?? 0), size: 1 << 20,
        maximumSize: 1 << 20)
    _ = try? Deflate64.decompress(bytes, maximumSize: 1 << 20)
    PDF.forEachStream(in: bytes, maximumSize: 1 << 20) { _ in true }
    let any: (ArchiveMember) -> Bool = { _ in true }
    Mail.forEachPart(in: bytes, maximumSize: 1 << 20, any)
    TNEF.forEachAttachment(in: bytes, maximumSize: 1 << 20, any)
    RTF.forEachObject(in: bytes, maximumSize: 1 << 20, any)
    DataURL.forEachURL(in: bytes, maximumSize: 1 << 20, any)
    OLE2.forEachStream(in: bytes, maximumSize: 1 << 20, any)
    SIS.forEachFile(in: bytes, maximumSize: 1 << 20, any)
    ARJ.forEachFile(in: bytes, maximumSize: 1 << 20, any)
    NSIS.forEachBlock(in: bytes, maximumSize: 1 << 20, any)
    InstallShieldMSI.forEachFile(in: bytes, maximumSize: 1 << 20, any)
    AutoIt.forEachFile(in: bytes, maximumSize: 1 << 20, any)
    _ = UPX.unpack(bytes, maximumSize: 1 << 20)
    _ = UPX.unpackELF(bytes, maximumSize: 1 << 20)
    ExecutableMembers.forEachMember(in: bytes, maximumSize: 1 << 20, any)
    _ = InstallShieldCabinet.files(header: bytes, cabinets: [2: bytes], maximumSize: 1 << 20)
    for container in [FileType.binaryData, .msexe, .zip] {
        EmbeddedObjects.forEachMember(in: bytes, container: container, maximumSize: 1 << 20, any)
    }
    _ = ZipReader.localMember(in: bytes, at: 0, maximumSize: 1 << 20)
    ZipReader.forEachMember(in: bytes, catalogue: ZipCatalogue(bytes, maximumRecords: 200), maximumSize: 1 << 20, any)
    _ = PDF.isEncrypted(bytes)
    CHM.forEachFile(in: bytes, maximumSize: 1 << 20, any)
    _ = HTMLNormalizer.normalize(bytes)
    _ = HTMLNormalizer.decodeUTF16(bytes)
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
