/// Reads the arrays of a compiled database in the order ``ImageWriter`` listed them, checking each one's tag,
/// element size, alignment and extent, so a damaged file fails with a message rather than a wild read.
struct ImageReader {
    let storage: ImageStorage
    private let entries: Int
    private var next = 0

    init(_ storage: ImageStorage) throws(ImageError) {
        self.storage = storage
        let bytes = storage.bytes
        let table = ImageFormat.headerSize + 8
        guard bytes.count >= table else { throw ImageError("malformed: no table of contents") }
        let count = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: ImageFormat.headerSize, as: UInt64.self))
        guard count <= UInt64(bytes.count - table) / UInt64(ImageFormat.contentsEntrySize) else {
            throw ImageError("malformed: the table of contents lists \(count) arrays, more than the file holds")
        }
        entries = Int(count)
    }

    /// The next array, which must carry `tag` and hold `T`s.
    mutating func table<T: BitwiseCopyable>(_ tag: StaticString, _: T.Type = T.self) throws(ImageError) -> FlatTable<T> {
        let bytes = storage.bytes
        guard next < entries else { throw ImageError("malformed: the table of contents ends before '\(tag)'") }
        let position = ImageFormat.headerSize + 8 + ImageFormat.contentsEntrySize * next
        next += 1
        func load(_ at: Int) -> UInt64 { UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: position + at, as: UInt64.self)) }
        let head = load(0), count = load(8), offset = load(16)
        guard UInt32(truncatingIfNeeded: head) == ImageFormat.tag(tag) else {
            throw ImageError("malformed: found '\(ImageFormat.tagName(UInt32(truncatingIfNeeded: head)))' where the '\(tag)' table belongs")
        }
        let stride = MemoryLayout<T>.stride
        guard head >> 32 == stride else {
            throw ImageError("malformed: '\(tag)' table has \(head >> 32)-byte elements, expected \(stride)")
        }
        guard offset % 8 == 0, offset <= UInt64(bytes.count), count <= (UInt64(bytes.count) - offset) / UInt64(stride)
        else { throw ImageError("malformed: '\(tag)' table of \(count) entries at byte \(offset) lies outside the file") }
        guard count > 0, let base = bytes.baseAddress else { return .empty }
        return FlatTable(base: (base + Int(offset)).assumingMemoryBound(to: T.self), count: Int(count))
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

    /// Fails unless every listed array has been read.
    func finish() throws(ImageError) {
        guard next == entries else { throw ImageError("malformed: \(entries - next) arrays listed after the last one used") }
    }
}
