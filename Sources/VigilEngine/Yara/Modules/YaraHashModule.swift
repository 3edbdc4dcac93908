import Crypto

/// libyara's `hash` module: MD5, SHA-1 and SHA-256 digests as lowercase hex, and 32-bit checksum and CRC-32, of a
/// range of the file or of a text.
enum YaraHashModule {
    static let module = YaraModule(
        name: "hash",
        schema: [
            "md5": digest { Insecure.MD5.hash(data: $0) },
            "sha1": digest { Insecure.SHA1.hash(data: $0) },
            "sha256": digest { SHA256.hash(data: $0) },
            "checksum32": number(checksum32),
            "crc32": number(crc32),
        ],
        load: { _ in [:] })

    /// The `(offset, size)` and `(text)` overloads of a digest.
    private static func digest<D: Digest>(_ hash: @escaping @Sendable (UnsafeRawBufferPointer) -> D) -> YaraSchema {
        .function([
            YaraFunction([.integer, .integer], .text) { call in
                call.range(call.integer(0), call.integer(1)).map { .text(YaraModuleText.hex(hash($0))) }
            },
            YaraFunction([.text], .text) { call in
                .text(call.text(0).withUnsafeBytes { YaraModuleText.hex(hash($0)) })
            },
        ])
    }

    /// The `(offset, size)` and `(text)` overloads of an integer checksum.
    private static func number(_ sum: @escaping @Sendable (UnsafeRawBufferPointer) -> UInt32) -> YaraSchema {
        .function([
            YaraFunction([.integer, .integer], .integer) { call in
                call.range(call.integer(0), call.integer(1)).map { .integer(Int64(sum($0))) }
            },
            YaraFunction([.text], .integer) { call in .integer(Int64(call.text(0).withUnsafeBytes(sum))) },
        ])
    }

    /// The bytes' sum, modulo 2³².
    static func checksum32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        bytes.reduce(0) { $0 &+ UInt32($1) }
    }

    /// CRC-32 (IEEE 802.3, reflected, as zlib).
    static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes { crc = crcTable[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    private static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
}
