/// Reads the arrays of a compiled database in the order ``ImageWriter`` wrote them, checking each one's tag,
/// element size and extent, so a damaged file fails with a message rather than a wild read.
struct ImageReader {
    let storage: ImageStorage
    private var offset = ImageFormat.headerSize

    init(_ storage: ImageStorage) { self.storage = storage }

    /// The next array, which must carry `tag` and hold `T`s.
    mutating func table<T: BitwiseCopyable>(_ tag: StaticString, _: T.Type = T.self) throws(ImageError) -> FlatTable<T> {
        let bytes = storage.bytes
        guard offset + ImageFormat.arrayHeaderSize <= bytes.count else {
            throw ImageError("malformed: ends before the '\(tag)' table")
        }
        let head = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        let count = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
        guard UInt32(truncatingIfNeeded: head) == ImageFormat.tag(tag) else {
            throw ImageError("malformed: found '\(ImageFormat.tagName(UInt32(truncatingIfNeeded: head)))' at byte \(offset) where the '\(tag)' table belongs")
        }
        guard head >> 32 == MemoryLayout<T>.stride else {
            throw ImageError("malformed: '\(tag)' table has \(head >> 32)-byte elements, expected \(MemoryLayout<T>.stride)")
        }
        let start = offset + ImageFormat.arrayHeaderSize
        let available = UInt64(bytes.count - start) / UInt64(MemoryLayout<T>.stride)
        guard count <= available else {
            throw ImageError("malformed: '\(tag)' table of \(count) entries runs past the end of the file")
        }
        let length = Int(count) * MemoryLayout<T>.stride
        offset = start + (length + 7) & ~7
        guard length > 0, let base = bytes.baseAddress else { return .empty }
        return FlatTable(base: (base + start).assumingMemoryBound(to: T.self), count: Int(count))
    }

    /// The next integer.
    mutating func integer(_ tag: StaticString) throws(ImageError) -> Int {
        let table = try table(tag, Int64.self)
        guard table.count == 1 else { throw ImageError("malformed: '\(tag)' holds \(table.count) values, expected 1") }
        return Int(table[0])
    }

    /// The next integer, which must lie in `range`.
    mutating func integer(_ tag: StaticString, in range: ClosedRange<Int>) throws(ImageError) -> Int {
        let value = try integer(tag)
        guard range.contains(value) else { throw ImageError("malformed: '\(tag)' is \(value), outside \(range)") }
        return value
    }

    /// The next flag.
    mutating func flag(_ tag: StaticString) throws(ImageError) -> Bool { try integer(tag, in: 0...1) == 1 }

    /// Fails unless every byte has been read.
    func finish() throws(ImageError) {
        guard offset == storage.bytes.count else {
            throw ImageError("malformed: \(storage.bytes.count - offset) bytes after the last table")
        }
    }
}
