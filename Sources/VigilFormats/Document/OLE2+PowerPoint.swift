/// The embedded objects of a PowerPoint 97–2003 `PowerPoint Document` stream, as clamscan's `ppt_vba.c`
/// finds them: records (version and instance, type, length) walked in order, into containers; each
/// `ExOleObjStg` record (type 0x1011) holds an object's storage, zlib-compressed after its size when its
/// instance is 1.
enum PowerPointObjects {
    static let exOleObjStg: UInt16 = 0x1011

    /// The objects' storages, each at most `maximumSize` bytes; an object whose compressed data is damaged
    /// or larger than the maximum is left out.
    static func storages(in stream: UnsafeRawBufferPointer, maximumSize: Int) -> [[UInt8]] {
        let reader = ByteReader(stream)
        var storages: [[UInt8]] = []
        var offset = 0
        while let options = reader.u16le(offset), let type = reader.u16le(offset + 2),
            let length = reader.u32le(offset + 4).map(Int.init)
        {
            let start = offset + 8
            if options & 0xF == 0xF {
                offset = start  // a container: its records follow
                continue
            }
            let end = start + min(length, stream.count - start)
            if type == exOleObjStg {
                let body = UnsafeRawBufferPointer(rebasing: stream[start..<end])
                if options >> 4 == 0 {
                    storages.append(Array(body.prefix(maximumSize)))
                } else if body.count > 4,
                    let output = try? Inflate.decompress(
                        UnsafeRawBufferPointer(rebasing: body[4...]), format: .zlib,
                        maxOutputSize: maximumSize)
                {
                    storages.append(output.bytes)
                }
            }
            offset = end
        }
        return storages
    }
}
