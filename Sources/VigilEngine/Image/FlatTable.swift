/// The memory an engine's tables live in: a compiled database's read-only mapping, or the bytes an engine
/// compiled from text was built into. Tables point into it, so the engine keeps it alive.
public final class ImageStorage: @unchecked Sendable {
    /// The bytes, 8-byte aligned, never written after creation.
    public let bytes: UnsafeRawBufferPointer
    private let release: @Sendable (UnsafeRawBufferPointer) -> Void

    /// Wraps `bytes`, which `release` frees when the storage is no longer used (an `munmap`, say).
    public init(bytes: UnsafeRawBufferPointer, release: @escaping @Sendable (UnsafeRawBufferPointer) -> Void) {
        self.bytes = bytes
        self.release = release
    }

    /// Copies `bytes` into new aligned memory (a database read from somewhere other than a file).
    public convenience init(copying bytes: UnsafeRawBufferPointer) {
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: max(8, bytes.count), alignment: 16)
        memory.copyMemory(from: bytes)
        self.init(bytes: UnsafeRawBufferPointer(rebasing: memory[..<bytes.count])) { $0.deallocate() }
    }

    deinit { release(bytes) }
}

/// A read-only array of plain values inside an ``ImageStorage``: what the engine's hot loops index instead of
/// Swift arrays, so a mapped database is used where it lies. Whoever holds one keeps its storage alive.
struct FlatTable<Element: BitwiseCopyable>: @unchecked Sendable {
    private let base: UnsafePointer<Element>?
    /// How many elements the table holds.
    let count: Int

    init(base: UnsafePointer<Element>?, count: Int) {
        self.base = base
        self.count = count
    }

    /// An empty table.
    static var empty: Self { Self(base: nil, count: 0) }

    var isEmpty: Bool { count == 0 }

    var indices: Range<Int> { 0..<count }

    @inline(__always)
    subscript(index: Int) -> Element {
        assert(index >= 0 && index < count, "table index out of range")
        return base.unsafelyUnwrapped[index]
    }

    /// The elements as a buffer, for loops that index many times.
    var buffer: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: base, count: count) }

    /// The elements in `range`.
    subscript(range: Range<Int>) -> UnsafeBufferPointer<Element> { UnsafeBufferPointer(rebasing: buffer[range]) }
}
