/// Bounds-checked reads of little- and big-endian integers from untrusted bytes: every read past the end
/// returns `nil`, so a parser built on it cannot trap on a short or lying file.
public struct ByteReader {
    /// The bytes read.
    public let bytes: UnsafeRawBufferPointer

    /// Creates a reader over `bytes`.
    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// The number of bytes.
    public var count: Int { bytes.count }

    /// Whether `length` bytes exist at `offset`.
    @inline(__always) public func contains(_ offset: Int, _ length: Int) -> Bool {
        offset >= 0 && length >= 0 && offset <= bytes.count && length <= bytes.count - offset
    }

    /// The byte at `offset`.
    public func u8(_ offset: Int) -> UInt8? { contains(offset, 1) ? bytes[offset] : nil }

    /// A little-endian `UInt16` at `offset`.
    public func u16le(_ offset: Int) -> UInt16? {
        contains(offset, 2) ? UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self)) : nil
    }

    /// A little-endian `UInt32` at `offset`.
    public func u32le(_ offset: Int) -> UInt32? {
        contains(offset, 4) ? UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) : nil
    }

    /// A little-endian `UInt64` at `offset`.
    public func u64le(_ offset: Int) -> UInt64? {
        contains(offset, 8) ? UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) : nil
    }

    /// A big-endian `UInt16` at `offset`.
    public func u16be(_ offset: Int) -> UInt16? {
        contains(offset, 2) ? UInt16(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self)) : nil
    }

    /// A big-endian `UInt32` at `offset`.
    public func u32be(_ offset: Int) -> UInt32? {
        contains(offset, 4) ? UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) : nil
    }

    /// A big-endian `UInt64` at `offset`.
    public func u64be(_ offset: Int) -> UInt64? {
        contains(offset, 8) ? UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) : nil
    }

    /// An unsigned integer of `width` bytes (1, 2, 4 or 8) at `offset`, in either byte order.
    public func integer(at offset: Int, width: Int, bigEndian: Bool) -> UInt64? {
        switch width {
        case 1: u8(offset).map(UInt64.init)
        case 2: (bigEndian ? u16be(offset) : u16le(offset)).map(UInt64.init)
        case 4: (bigEndian ? u32be(offset) : u32le(offset)).map(UInt64.init)
        case 8: bigEndian ? u64be(offset) : u64le(offset)
        default: nil
        }
    }

    /// The text at `offset` up to a NUL or `limit` (the end by default), read as UTF-8; empty when `offset`
    /// is out of range.
    public func cString(at offset: Int, limit: Int? = nil) -> String {
        let end = min(limit ?? bytes.count, bytes.count)
        guard offset >= 0, offset < end else { return "" }
        let stop = bytes[offset..<end].firstIndex(of: 0) ?? end
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<stop]), as: UTF8.self)
    }

    /// Whether the bytes at `offset` equal `prefix`.
    public func hasBytes(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
        guard contains(offset, prefix.count) else { return false }
        for (i, b) in prefix.enumerated() where bytes[offset + i] != b { return false }
        return true
    }
}
