import VigilFormats

/// Feeds arbitrary bytes to file-type detection, the executable-layout parsers, the PE hash inputs and the fat
/// Mach-O slicer: no input may trap, hang, or allocate from an unchecked size field.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFormats(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    _ = FileType.detect(bytes)
    if let layout = ExecutableLayout.parse(bytes) {
        _ = layout.resolve(.entryPoint(-1))
        _ = layout.resolve(.lastSection(plus: 1))
        _ = layout.sectionExtent(0)
    }
    _ = PortableExecutable.parse(bytes, droppingMissingSections: true)
    _ = PortableExecutable.parse(bytes)?.versionInfoStringOffsets(in: bytes)
    _ = PortableExecutable.sectionHashRanges(bytes)
    _ = PortableExecutable.importTableHashInput(bytes)
    if let slices = MachO.slices(bytes) {
        for slice in slices where slice.offset < size {
            let end = min(size, slice.offset + min(slice.size, size))
            _ = ExecutableLayout.parse(UnsafeRawBufferPointer(rebasing: bytes[slice.offset..<end]))
        }
    }
    return 0
}
