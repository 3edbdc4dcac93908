/// The compiled database's framing (docs/VDB.md): a 64-byte header, a table of contents, then the arrays.
///
/// ```
/// header    "VIGILVDB" | version u32 | flags u32 | length u64 | checksum u64 | signature count u64 | 24 reserved
/// contents  count u64, then per array: tag u32 | element size u32 | count u64 | offset u64
/// arrays    each at an 8-byte aligned offset, smallest first
/// ```
/// All integers are little-endian (the only byte order Vigil runs on). The checksum covers every byte after
/// the header, so a truncated or damaged file is refused before any table is used.
enum ImageFormat {
    static let magic: [UInt8] = Array("VIGILVDB".utf8)
    /// Bumped whenever the arrays' meaning or order changes; older or newer files are refused.
    static let version: UInt32 = 4
    static let headerSize = 64
    /// A contents entry: tag u32, element size u32, count u64, offset u64.
    static let contentsEntrySize = 24

    /// The header's field offsets.
    enum Field {
        static let version = 8
        static let flags = 12
        static let length = 16
        static let checksum = 24
        static let signatureCount = 32
    }

    /// The checksum of `bytes` (a multiple of 8 long).
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var sum = ImageChecksum()
        sum.add(bytes)
        return sum.value
    }

    /// A four-character tag as the `u32` written before an array.
    static func tag(_ text: StaticString) -> UInt32 {
        precondition(text.utf8CodeUnitCount == 4)
        let p = text.utf8Start
        return UInt32(p[0]) | UInt32(p[1]) << 8 | UInt32(p[2]) << 16 | UInt32(p[3]) << 24
    }

    /// A tag as text, for error messages.
    static func tagName(_ tag: UInt32) -> String {
        String(decoding: (0..<4).map { UInt8(truncatingIfNeeded: tag >> (8 * $0)) }, as: UTF8.self)
    }
}

/// A 64-bit checksum over whole little-endian words (the length is a multiple of 8): four independent
/// multiply-rotate lanes, so it runs at memory speed. Not cryptographic: it catches damage, not forgery.
public struct ImageChecksum: Sendable {
    /// Where the checksummed bytes start: right after the header.
    public static let start = ImageFormat.headerSize

    /// A checksum over no bytes yet.
    public init() {}

    private var lanes: (UInt64, UInt64, UInt64, UInt64) = (1, 2, 3, 4)
    private var words: UInt64 = 0

    private static let prime: UInt64 = 0x9E37_79B1_85EB_CA87

    @inline(__always)
    private static func mix(_ lane: UInt64, _ word: UInt64) -> UInt64 {
        let x = (lane ^ word) &* prime
        return (x << 31) | (x >> 33)
    }

    /// Adds `bytes`, whose count must be a multiple of 32 except in the last call.
    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        let count = bytes.count / 8
        var i = 0
        while i + 4 <= count {
            lanes.0 = Self.mix(lanes.0, bytes.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))
            lanes.1 = Self.mix(lanes.1, bytes.loadUnaligned(fromByteOffset: 8 * i + 8, as: UInt64.self))
            lanes.2 = Self.mix(lanes.2, bytes.loadUnaligned(fromByteOffset: 8 * i + 16, as: UInt64.self))
            lanes.3 = Self.mix(lanes.3, bytes.loadUnaligned(fromByteOffset: 8 * i + 24, as: UInt64.self))
            i += 4
        }
        while i < count {
            lanes.0 = Self.mix(lanes.0, bytes.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))
            i += 1
        }
        words &+= UInt64(count)
    }

    /// The checksum of the bytes added.
    public var value: UInt64 {
        var h = words &* Self.prime
        for lane in [lanes.0, lanes.1, lanes.2, lanes.3] { h = Self.mix(h, lane) }
        return h ^ (h >> 29)
    }
}

/// Why a compiled database cannot be used. The message names what is wrong; the caller adds the path.
public struct ImageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public var message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}

/// The facts of a compiled database's header, readable without building an engine.
public struct ImageHeader: Sendable, Equatable {
    /// The format version.
    public var version: UInt32
    /// The file's length in bytes.
    public var length: Int
    /// The stored checksum.
    public var checksum: UInt64
    /// How many signatures it holds.
    public var signatureCount: Int

    /// Whether `prefix` starts like a compiled database (its magic).
    public static func isImage(_ prefix: UnsafeRawBufferPointer) -> Bool {
        prefix.count >= ImageFormat.magic.count && prefix.prefix(ImageFormat.magic.count).elementsEqual(ImageFormat.magic)
    }

    /// Reads and checks the header of a file of `fileLength` bytes whose first bytes are `bytes`: magic,
    /// version, and that the recorded length is the file's.
    public init(_ bytes: UnsafeRawBufferPointer, fileLength: Int) throws(ImageError) {
        guard Self.isImage(bytes) else { throw ImageError("not a Vigil compiled database (no VIGILVDB header)") }
        guard bytes.count >= ImageFormat.headerSize, fileLength >= ImageFormat.headerSize else {
            throw ImageError("truncated: \(fileLength) bytes, shorter than the \(ImageFormat.headerSize)-byte header")
        }
        func load<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T {
            T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        }
        version = load(ImageFormat.Field.version, UInt32.self)
        guard version == ImageFormat.version else {
            throw ImageError("format version \(version) is not supported (this Vigil reads version \(ImageFormat.version)); compile it again with 'vigil db compile'")
        }
        let recorded = load(ImageFormat.Field.length, UInt64.self)
        guard recorded == UInt64(fileLength) else {
            throw ImageError(recorded > UInt64(fileLength)
                ? "truncated: \(fileLength) bytes of the \(recorded) the header records"
                : "\(UInt64(fileLength) - recorded) bytes after the end the header records")
        }
        length = fileLength
        checksum = load(ImageFormat.Field.checksum, UInt64.self)
        signatureCount = Int(truncatingIfNeeded: load(ImageFormat.Field.signatureCount, UInt64.self))
    }
}
