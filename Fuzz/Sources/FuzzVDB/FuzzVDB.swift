import VigilEngine

/// Feeds arbitrary bytes to the compiled-database loader. The header is checked as given; then, so that the
/// fuzzer reaches the table checks behind it, the checksum is recomputed (damage a checksum would not catch,
/// as from a forger or a bug) and the image is loaded and, if accepted, scanned: no input may trap or hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVDB(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = bytes.withUnsafeBytes { try? ImageHeader($0, fileLength: size) }
    guard size >= ImageChecksum.start, size % 8 == 0 else { return 0 }
    var sum = ImageChecksum()
    bytes.withUnsafeBytes { sum.add(UnsafeRawBufferPointer(rebasing: $0[ImageChecksum.start...])) }
    withUnsafeBytes(of: sum.value.littleEndian) { bytes.replaceSubrange(24..<32, with: $0) }
    let engine: Engine
    do throws(ImageError) {
        guard (try? bytes.withUnsafeBytes { try ImageHeader($0, fileLength: size) }) != nil else { return 0 }
        engine = try bytes.withUnsafeBytes { raw in
            Result { () throws(ImageError) in try Engine(image: ImageStorage(copying: raw)) }
        }.get()
    } catch {
        return 0
    }
    var scanner = Scanner(engine: engine)
    let samples: [[UInt8]] = [
        Array("MZ this is a sample with ABCDEF and marker=042 and VIGIxL-12BODY END!".utf8),
        [0x7F, 0x45, 0x4C, 0x46] + Array(repeating: 0x41, count: 200),
        bytes.count > 4096 ? Array(bytes.prefix(4096)) : bytes,
    ]
    for sample in samples { _ = sample.withUnsafeBytes { scanner.scan($0, allMatch: true) } }
    return 0
}
