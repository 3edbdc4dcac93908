import VigilDatabase
import VigilFormats

/// Small caps, so a bomb is refused quickly and every input stays cheap.
let limits = CVDArchive.Limits(maxUncompressedSize: 4 << 20, maxMembers: 1000, maxScriptSize: 1 << 20)

/// Feeds arbitrary bytes to the container reader as each kind (header, MD5, gzip, tar, .info checks), and to
/// the tar reader and the gzip reader on their own: no input may trap, hang, or allocate past the caps.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCVD(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for kind in CVDArchive.Kind.allCases {
        _ = try? CVDArchive.parse(bytes, kind: kind, path: "fuzz.\(kind)", limits: limits)
    }
    _ = try? TarReader.entries(in: bytes, limits: TarReader.Limits(maxEntries: 1000, maxNameLength: 4096))
    _ = try? Inflate.gunzip(bytes, maxOutputSize: 4 << 20)
    _ = try? Inflate.decompress(bytes, format: .raw, maxOutputSize: 4 << 20)
    return 0
}
