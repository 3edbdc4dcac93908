/// Writes a compiled database: tagged arrays in the order the reader expects them, then the header.
struct ImageWriter {
    private(set) var bytes: [UInt8] = Array(repeating: 0, count: ImageFormat.headerSize)

    /// Appends an array of plain values under `tag`.
    mutating func put<T: BitwiseCopyable>(_ tag: StaticString, _ values: [T]) {
        appendWord(UInt64(ImageFormat.tag(tag)) | UInt64(MemoryLayout<T>.stride) << 32)
        appendWord(UInt64(values.count))
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        while bytes.count % 8 != 0 { bytes.append(0) }
    }

    /// Appends one integer, as a one-element array.
    mutating func put(_ tag: StaticString, _ value: Int) { put(tag, [Int64(value)]) }

    /// Appends a flag, as a one-element array.
    mutating func put(_ tag: StaticString, _ value: Bool) { put(tag, [Int64(value ? 1 : 0)]) }

    /// Appends the arrays another writer collected.
    mutating func append(_ other: ImageWriter) { bytes += other.bytes[ImageFormat.headerSize...] }

    private mutating func appendWord(_ word: UInt64) {
        withUnsafeBytes(of: word.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// The finished file: header with length and checksum.
    func finish(signatureCount: Int) -> [UInt8] {
        var out = bytes
        func store<T: FixedWidthInteger>(_ value: T, at offset: Int) {
            withUnsafeBytes(of: value.littleEndian) { out.replaceSubrange(offset..<(offset + $0.count), with: $0) }
        }
        out.replaceSubrange(0..<ImageFormat.magic.count, with: ImageFormat.magic)
        store(ImageFormat.version, at: ImageFormat.Field.version)
        store(UInt64(out.count), at: ImageFormat.Field.length)
        store(UInt64(signatureCount), at: ImageFormat.Field.signatureCount)
        let sum = out.withUnsafeBytes { ImageFormat.checksum(UnsafeRawBufferPointer(rebasing: $0[ImageFormat.headerSize...])) }
        store(sum, at: ImageFormat.Field.checksum)
        return out
    }
}
