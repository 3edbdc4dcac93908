/// Writes a compiled database: a table of contents listing every array in the order the reader asks for
/// them, then the arrays' contents, smallest first.
///
/// Loading reads only the header and the contents table, and checks the small tables; the large ones (hash
/// tables, names, sources) lie together at the end and are touched only by lookups. The kernel maps a file in
/// folios of up to 2 MiB, so keeping what loading touches together keeps it out of the resident set.
struct ImageWriter {
    private var entries: [(tag: UInt32, stride: Int, count: Int, bytes: [UInt8])] = []

    /// Appends an array of plain values under `tag`.
    mutating func put<T: BitwiseCopyable>(_ tag: StaticString, _ values: [T]) {
        let bytes = values.withUnsafeBytes { Array($0) }
        entries.append((ImageFormat.tag(tag), MemoryLayout<T>.stride, values.count, bytes))
    }

    /// Appends one integer, as a one-element array.
    mutating func put(_ tag: StaticString, _ value: Int) { put(tag, [Int64(value)]) }

    /// Appends a flag, as a one-element array.
    mutating func put(_ tag: StaticString, _ value: Bool) { put(tag, [Int64(value ? 1 : 0)]) }

    /// Appends the arrays another writer collected.
    mutating func append(_ other: ImageWriter) { entries += other.entries }

    /// The finished file (header with length and checksum, contents table, arrays), in new aligned memory.
    /// Each array's bytes are released once copied, so the image is not held twice.
    mutating func finish(signatureCount: Int) -> ImageStorage {
        func padded(_ n: Int) -> Int { (n + 7) & ~7 }
        var offsets = Array(repeating: 0, count: entries.count)
        var offset = ImageFormat.headerSize + 8 + ImageFormat.contentsEntrySize * entries.count
        for index in entries.indices.sorted(by: { (entries[$0].bytes.count, $0) < (entries[$1].bytes.count, $1) }) {
            offsets[index] = offset
            offset += padded(entries[index].bytes.count)
        }
        let out = UnsafeMutableRawBufferPointer.allocate(byteCount: offset, alignment: 16)
        func store<T: FixedWidthInteger>(_ value: T, at position: Int) {
            out.storeBytes(of: value.littleEndian, toByteOffset: position, as: T.self)
        }
        UnsafeMutableRawBufferPointer(rebasing: out[0..<ImageFormat.headerSize]).initializeMemory(as: UInt8.self,
            repeating: 0)
        UnsafeMutableRawBufferPointer(rebasing: out[0..<ImageFormat.magic.count]).copyBytes(from: ImageFormat.magic)
        store(ImageFormat.version, at: ImageFormat.Field.version)
        store(UInt64(out.count), at: ImageFormat.Field.length)
        store(UInt64(signatureCount), at: ImageFormat.Field.signatureCount)
        store(UInt64(entries.count), at: ImageFormat.headerSize)
        for index in entries.indices {
            let entry = entries[index]
            let position = ImageFormat.headerSize + 8 + ImageFormat.contentsEntrySize * index
            store(entry.tag, at: position)
            store(UInt32(entry.stride), at: position + 4)
            store(UInt64(entry.count), at: position + 8)
            store(UInt64(offsets[index]), at: position + 16)
            let start = offsets[index]
            let end = start + padded(entry.bytes.count)
            UnsafeMutableRawBufferPointer(rebasing: out[start..<end]).initializeMemory(as: UInt8.self, repeating: 0)
            UnsafeMutableRawBufferPointer(rebasing: out[start...]).copyBytes(from: entry.bytes)
            entries[index].bytes = []
        }
        store(ImageFormat.checksum(UnsafeRawBufferPointer(rebasing: out[ImageFormat.headerSize...])),
            at: ImageFormat.Field.checksum)
        return ImageStorage(bytes: UnsafeRawBufferPointer(out)) { $0.deallocate() }
    }
}
